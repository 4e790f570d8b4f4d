"""Render and clean the posts that land in a feed: one post to one safe entry. Their
bodies are read again here, so that the archive's bodies are never all held in memory.
"""

import contextlib
import re
from collections.abc import Generator, Sequence
from functools import partial
from pathlib import Path

from lxml.html import fragment_fromstring

from feeds.content.cleaning import Lap, clean_body, no_lap
from feeds.content.cleaning.tree import Unparsable, visible_strings
from feeds.content.markdown import render_markdown
from feeds.content.summary import visible_text
from feeds.errors import Crashed, PostError
from feeds.files import Stamp
from feeds.model import Entry, Post, Site
from feeds.permalinks import deep_merge, defaults_for
from feeds.source.posts import PostText, load_front_matter, read_post
from feeds.text import one_line, xml_safe
from feeds.workers import Journal, isolated, map_chunks

CHUNK = 20
MAX_ENTRY_BYTES = 8 * 2**20  # libxml2, hence lxml and many readers, stop at 10 MB of text
# cmark makes a node of each line, each Markdown mark and each run of text between them,
# some 370 bytes of memory each: 14 MB of short lines took 2.7 GB, or cmark's abort()
# under a memory limit. The marks a node can start with, and the most a body may have:
# within 150 MB. The archive's posts have 1,100 at most; 5 MB of long paragraphs, 2,000.
MARKS = "\n*_`[]<>!&\\-+.)|"  # `|`: a table cell
MAX_MARKS = 400_000
# But an HTML block is one node, whatever it holds: its lines are text to cmark (16,000
# table rows: 1 MB of memory, where as many nodes would take 160). A line that opens with
# one of these tags at its first column starts one, even after a paragraph or a list,
# that ends at a blank line (CommonMark's kind 6, with cmark-gfm's names). Counted as one
# node up to a line that could end some other block it might lie in (a fence, `-->`,
# `</pre>`...), or not at all if a `<!DOCTYPE` block may hold it: what is in doubt counts.
_HTML_BLOCK_START = re.compile(
    r"^</?(?:address|article|aside|base|basefont|blockquote|body|caption|center|col"
    r"|colgroup|dd|details|dialog|dir|div|dl|dt|fieldset|figcaption|figure|footer|form"
    r"|frame|frameset|h[1-6]|head|header|hr|html|iframe|legend|li|link|main|menu|menuitem"
    r"|nav|noframes|ol|optgroup|option|p|param|section|source|summary|table|tbody|td"
    r"|tfoot|th|thead|title|tr|track|ul)(?=[ \t>\n]|/>|$)",
    re.MULTILINE | re.IGNORECASE,
)
_OTHER_END = r"-->|\?>|\]\]>|</(?:pre|script|style|textarea)>"
_HTML_BLOCK_END = re.compile(
    rf"\n(?:[ \t]*(?:\n|$)|[^\n]*(?:{_OTHER_END})| {{0,3}}(?:```|~~~))", re.IGNORECASE
)
_ENDS_OTHER = re.compile(_OTHER_END, re.IGNORECASE)
_DECLARATION = re.compile(r"^ {0,3}<![A-Za-z]", re.MULTILINE)
# Tags ('<') in the rendered body: what lxml's and nh3's trees cost, in time and memory,
# is about 1 KB and 10 µs an element; a news post has a few hundred.
MAX_TAGS = 250_000


# What a worker makes of a post, sent back without the Post, which the main process has
# (its datetimes, tuples and dataclasses cost more to pickle than the strings): the
# Entry's html, summary, outlet, original_url and inputs.
Made = tuple[str, str, str | None, str | None, tuple[Stamp, ...]]


def make_entries(
    posts: Sequence[Post],
    source: Path,
    cleaning: str,
    *,
    jobs: int,
    journal: Journal,
    site: Site | None = None,
    smart_quotes: bool = True,
) -> Generator[Entry | PostError, None, None]:
    """An Entry, or the PostError that skips it, for each post, in order. Closing the
    generator early stops the workers."""
    work = partial(
        _entry_chunk,
        source=source,
        cleaning=cleaning,
        journal=journal,
        site=site,
        smart_quotes=smart_quotes,
    )
    chunks = map_chunks(work, posts, jobs=jobs, chunk=CHUNK, minimum=4 * CHUNK, died=crashed)
    try:
        for chunk, first in zip(chunks, range(0, len(posts), CHUNK), strict=True):
            yield from map(_entry, posts[first : first + CHUNK], chunk)
    finally:
        chunks.close()


def _entry(post: Post, made: Made | PostError) -> Entry | PostError:
    if isinstance(made, PostError):
        return made
    html, summary, outlet, original_url, inputs = made
    return Entry(post, html, summary, outlet, original_url, inputs=inputs)


def _entry_chunk(
    posts: Sequence[Post],
    *,
    source: Path,
    cleaning: str,
    journal: Journal | None = None,
    site: Site | None = None,
    smart_quotes: bool = True,
) -> list[Made | PostError]:
    results: list[Made | PostError] = []
    for post in posts:
        try:
            with journal.working_on(post.relpath) if journal else contextlib.nullcontext():
                e = make_entry(post, source, cleaning, site, smart_quotes=smart_quotes)
            results.append((e.html, e.summary, e.outlet, e.original_url, e.inputs))
        except PostError as exc:
            results.append(exc)
    return results


def crashed(post: Post, how: str) -> PostError:
    return Crashed(post.relpath, "render", f"the process rendering it {how}")


def make_isolated(
    post: Post, source: Path, cleaning: str, site: Site | None = None, *, smart_quotes: bool = True
) -> Entry | PostError:
    """make_entry, in a child process: a post that kills it is a Crashed error."""
    work = partial(
        _entry_chunk, source=source, cleaning=cleaning, site=site, smart_quotes=smart_quotes
    )
    made = isolated(work, [post])
    return crashed(post, made) if isinstance(made, str) else _entry(post, made[0])


def make_entry(
    post: Post,
    source: Path,
    cleaning: str,
    site: Site | None = None,
    *,
    smart_quotes: bool = True,
    lap: Lap = no_lap,
) -> Entry:
    """Read the post's body again from the `source` folder, run its Liquid as Jekyll would
    for `site` (if given), render it (Markdown with typographic quotes or not:
    `smart_quotes`) and clean it by the `cleaning` profile. `lap`: see clean_body."""
    text = read_post(source / post.relpath, post.relpath)
    if text is None:
        raise PostError(post.relpath, "read", "no longer a post")
    lap("read")
    body = text.body
    inputs: tuple[Stamp, ...] = ()
    if site is not None and ("{{" in body or "{%" in body):
        body, inputs = _run_liquid(text, post, site, source, smart_quotes)
    if post.markdown:
        check_marks(body, post.relpath)
    html = render_markdown(body, smart_quotes=smart_quotes) if post.markdown else body
    check_tag_count(html, post.relpath)
    lap("markdown")
    try:
        cleaned = clean_body(
            html,
            base_url=post.url,
            profile=cleaning,
            outlet=post.source_name,
            original_url=post.source_url,
            lap=lap,
        )
    except Unparsable as exc:
        raise PostError(post.relpath, "clean", str(exc)) from exc
    except Exception as exc:  # a cleaning bug must cost one post, not the build
        raise PostError(post.relpath, "clean", f"{type(exc).__name__}: {exc}") from exc
    # XML parsers refuse text over 10 MB (#4); a character is 4 bytes of UTF-8 at most.
    size = len(cleaned.html.encode()) if 4 * len(cleaned.html) > MAX_ENTRY_BYTES else 0
    if size > MAX_ENTRY_BYTES:
        raise PostError(
            post.relpath,
            "render",
            f"{size / 2**20:.0f} MiB of HTML, over the {MAX_ENTRY_BYTES // 2**20} MiB a feed "
            "entry may hold; split the post",
        )
    try:
        if post.summary:
            summary = plain_text(post.summary)
        elif post.excerpt_separator and post.excerpt_separator in body:
            summary = excerpt(body, post, smart_quotes) or cleaned.summary
        else:
            summary = cleaned.summary
    except Exception as exc:  # as for cleaning: one post, not the build
        raise PostError(post.relpath, "summary", f"{type(exc).__name__}: {exc}") from exc
    return Entry(post, cleaned.html, summary, cleaned.outlet, cleaned.original_url, inputs=inputs)


def _run_liquid(
    text: PostText, post: Post, site: Site, source: Path, smart_quotes: bool
) -> tuple[str, tuple[Stamp, ...]]:
    """The body with its Liquid run, unless its front matter (or _config.yml's defaults
    for it) says `render_with_liquid: false`; and the files that took."""
    front = load_front_matter(text.front, post.relpath)
    if site.defaults:
        front = deep_merge(defaults_for(site.defaults, post.relpath), front)
    if front.get("render_with_liquid") is False:
        return text.body, ()
    from feeds.content.liquid import render_liquid  # here: only a post with Liquid needs it

    first_line = 3 + (text.front.count("\n") + 1 if text.front else 0)
    return render_liquid(
        text.body, front, post, site, source, first_line, smart_quotes=smart_quotes
    )


def excerpt(body: str, post: Post, smart_quotes: bool) -> str:
    """The body up to its `excerpt_separator`, as Jekyll cuts a post's excerpt, in plain
    text as jekyll-feed's strip_html leaves it."""
    assert post.excerpt_separator is not None
    head = body[: body.index(post.excerpt_separator)]
    html = render_markdown(head, smart_quotes=smart_quotes) if post.markdown else head
    if not html.strip():
        return ""
    return visible_text(fragment_fromstring(xml_safe(html), create_parent="div"))


def check_marks(body: str, relpath: str) -> None:
    """Refuse a Markdown body that cmark would make too many nodes of: before it does."""
    if len(body) <= MAX_MARKS:  # a mark is a character: no need to count them
        return
    marks = sum(map(body.count, MARKS))
    if marks > MAX_MARKS and len(body) <= MAX_ENTRY_BYTES:  # larger: refused once cleaned
        marks = _marks_outside_html_blocks(body)
    if marks > MAX_MARKS:
        size = len(body.encode("utf-8", "surrogatepass")) / 2**20
        raise PostError(
            relpath,
            "render",
            f"its body ({size:.1f} MiB) has {marks:,} lines and Markdown marks, over the "
            f"{MAX_MARKS:,} a post's body may have; split the post",
        )


def _marks_outside_html_blocks(body: str) -> int:
    """The marks of a body less those in its HTML blocks, each block counted as one."""
    if "\r" in body:  # cmark's other line ends
        body = body.replace("\r\n", "\n").replace("\r", "\n")
    if _DECLARATION.search(body):
        return sum(map(body.count, MARKS))
    blocks: list[str] = []
    at = 0
    while len(blocks) <= MAX_MARKS and (start := _HTML_BLOCK_START.search(body, at)):
        line_end = body.find("\n", start.end())
        line_end = len(body) if line_end < 0 else line_end
        if _ENDS_OTHER.search(body, start.end(), line_end):  # may close another block
            at = line_end
            continue
        end = _HTML_BLOCK_END.search(body, line_end)
        at = end.start() if end else len(body)
        blocks.append(body[start.start() : at])
    inside = "".join(blocks)
    return sum(map(body.count, MARKS)) - sum(map(inside.count, MARKS)) + len(blocks)


def check_tag_count(html: str, relpath: str) -> None:
    """Refuse a body of more elements than can be cleaned within bounded memory."""
    if len(html) <= MAX_TAGS:
        return
    tags = html.count("<")  # one for each tag at least
    if tags > MAX_TAGS:
        raise PostError(
            relpath,
            "render",
            f"its HTML has {tags:,} tags, over the {MAX_TAGS:,} a post's body may have; "
            "split the post",
        )


def plain_text(html: str) -> str:
    """Front matter summaries may hold HTML; feeds carry them as plain text."""
    if "<" not in html and "&" not in html:
        return one_line(html)
    return one_line(" ".join(visible_strings(xml_safe(html))))
