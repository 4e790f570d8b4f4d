"""One post file to a Post: decode, split the front matter, read its keys as Jekyll does.

Pure functions over bytes and text, except `read_post`, which reads the file. A post
that cannot be published raises PostError naming the stage and the reason.
"""

import errno
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from stat import S_ISREG
from typing import Any
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo

import frontmatter.default_handlers
import yaml
import yaml_rs

from feeds.config import parse_author
from feeds.errors import ConfigError, PostError
from feeds.model import Author, Post, PostFields, Site
from feeds.permalinks import PermalinkError, deep_merge, defaults_for, post_url
from feeds.source.dates import date_from_filename, parse_date
from feeds.source.decode import UndecodableError, decode_text, looks_binary
from feeds.text import one_line, words, xml_safe
from feeds.urls import LINK_SCHEMES, on_site, safe_id, safe_link

MAX_POST_BYTES = 16 * 1024 * 1024
HTML_EXTENSIONS = (".html", ".htm")
_YAML = frontmatter.default_handlers.YAMLHandler()
_LAST_WINS = yaml_rs.DuplicateKeyPolicy.LastWins  # as PyYAML and Jekyll read a repeated key
_FALSE = {"false", "no", "off"}
# Where yaml-rs could read otherwise, PyYAML reads: tags, anchors and aliases; block
# scalars (an empty one); directives (a `%` opening a line: within a value, as in
# `涨50%`, both read it as text); tabs; escapes (`\N`); the characters YAML 1.1
# counts as line breaks and YAML 1.2 does not; and a `:` opening an item of a flow
# collection (`[:a]`, or after a line break or a comment), which YAML 1.2 reads as text
# and YAML 1.1 refuses.
_PYYAML_SIGNS = "!&*|>\t\\\\\x85\u2028\u2029"  # inside a regex character class
_PYYAML_ONLY = re.compile(f"[{_PYYAML_SIGNS}]|^%|[\\[{{,](?:\\s|#[^\\n]*)*:", re.MULTILINE)
# The characters every one of those needs, one class a regex finds fastest: the whole
# search runs only where one of them is.
_PYYAML_ONLY_CHARS = re.compile(f"[{_PYYAML_SIGNS}%[{{,]")
# A line of '---' or '...' and white space (what str.rstrip strips: `\s`), but no newline.
_CLOSING_LINE = re.compile(r"^(?:---|\.\.\.)[^\S\n]*$", re.MULTILINE)
_KEY_LINE = re.compile(r"^[A-Za-z_][\w-]*:(\s|$)")
# `title: "a "quoted" word"`: the scraper's unescaped quote, which ends the value early.
_QUOTE_IN_QUOTES = re.compile(r'^\s*([^\s:#][^:]*):\s+"(?:[^"\\]|\\.)*"[ \t]*[^\s#]')
_TAG = re.compile(r"constructor for the tag '([^']*)'")
# Non-blocking: should a fifo be opened, it must not wait for a writer for ever (the
# listing sends only regular files here; see discover.find_post_files). No effect on a
# regular file, but for one under a lease (Samba, NFSv4), which fails with EAGAIN instead
# of waiting: reported, and read again at the next build. Missing flags are left out.
_OPEN_NEW = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_OPEN_FDS = "/proc/self/fd"  # where Linux names the file an open descriptor reads
MAX_DEPTH = 100  # nesting levels in front matter; Jekyll's use two or three
MAX_EXPANDED = 1_000_000  # characters front matter may grow to through YAML aliases
# Each category is a feed the post is written into, each category or tag an element of its
# entry: a post past these is a scraper's slip or an attack, never a news item (the
# archive's posts have one of each; Jekyll sites a handful).
MAX_CATEGORIES = 100
MAX_TAGS = 1_000


Refused = Callable[[str, str], None]  # (front matter key, why): a value left out
LEFT_OUT = "; left out"


class Unpublished(Exception):
    """The post says `published: false`: left out on purpose, not an error."""


class UnreadableFile(PostError):
    """A file that is there but cannot be read, with the size and mtime it has."""

    def __init__(self, relpath: str, reason: str, size: int, mtime_ns: int) -> None:
        super().__init__(relpath, "read", reason)
        self.size, self.mtime_ns = size, mtime_ns


@dataclass(frozen=True)
class PostText:
    front: str
    body: str


def read_post(path: Path, relpath: str) -> PostText | None:
    """The post's front matter and body, or None when the file is not a post at all."""
    return post_text(read_bytes(path, relpath), relpath)


def read_bytes(path: Path | str, relpath: str, size: int | None = None) -> bytes:
    """The file's bytes, up to one byte past the size limit; `size` saves asking for it."""
    try:
        # The system calls themselves, without a file object: a scan reads 100,000 files.
        fd = _open_inside(str(path), relpath, os.O_RDONLY)
        try:
            return _read_open(fd, os.fstat(fd).st_size if size is None else size)
        finally:
            os.close(fd)
    except OSError as exc:
        raise PostError(relpath, "read", exc.strerror or str(exc)) from exc


def _open_inside(path: str, relpath: str, flags: int) -> int:
    """The file at path (the source folder joined with relpath), opened; a link is
    followed only to a file inside the source folder, as the file actually opened shows,
    so that a link swapped in meanwhile cannot lead out (Jekyll's safe mode follows none;
    a link within the source is a post kept elsewhere in it)."""
    try:
        return os.open(path, flags | _NOFOLLOW)
    except OSError as exc:
        if exc.errno != errno.ELOOP or not _NOFOLLOW:
            raise
    fd = os.open(path, flags)
    try:
        source = os.path.realpath(path.removesuffix(relpath))
        opened = _opened_path(fd, path)
        if not opened.startswith(source.rstrip(os.sep) + os.sep):
            raise PostError(
                relpath,
                "read",
                "a link to a file outside the source folder; not followed (move the file "
                "into the source, or copy it there)",
            )
    except BaseException:
        os.close(fd)
        raise
    return fd


def _opened_path(fd: int, path: str) -> str:
    """The real path of the file open at fd: from the kernel where it tells, else of path."""
    try:
        return str(Path(f"{_OPEN_FDS}/{fd}").readlink())
    except OSError:
        return os.path.realpath(path)


def _read_open(fd: int, size: int) -> bytes:
    """Up to one byte past the size limit. Asking for the size, not the limit: read(16 MiB)
    allocates 16 MiB every time."""
    want = min(size, MAX_POST_BYTES) + 1
    data = os.read(fd, want)
    if len(data) == want <= MAX_POST_BYTES:  # it grew since it was listed: read on
        data += os.read(fd, MAX_POST_BYTES + 1 - len(data))
    return data


def read_new(path: str, relpath: str) -> tuple[bytes, int, int] | None:
    """A listed file's bytes, size and mtime (ns), its stamp taken from the open file
    before reading; None if it is gone or no regular file (a folder, a fifo). For a build
    that reads every file: one system call per file saved against `stat`, then `open`."""
    try:
        fd = _open_inside(path, relpath, _OPEN_NEW)
    except OSError as exc:
        _raise_if_there(path, relpath, exc)
        return None
    try:
        try:
            st = os.fstat(fd)
        except OSError as exc:  # a stale handle, an I/O error: as if it could not be opened
            _raise_if_there(path, relpath, exc)
            return None
        if not S_ISREG(st.st_mode):
            return None
        try:
            return _read_open(fd, st.st_size), st.st_size, st.st_mtime_ns
        except OSError as exc:
            reason = exc.strerror or str(exc)
            raise UnreadableFile(relpath, reason, st.st_size, st.st_mtime_ns) from exc
    finally:
        os.close(fd)


def _raise_if_there(path: str, relpath: str, exc: OSError) -> None:
    """For a file that could not be opened: UnreadableFile if it is there (to be reported,
    and tried again), nothing if it is gone."""
    try:
        st = Path(path).stat()
    except OSError:
        return
    if S_ISREG(st.st_mode):
        raise UnreadableFile(relpath, exc.strerror or str(exc), st.st_size, st.st_mtime_ns)


def post_text(data: bytes, relpath: str) -> PostText | None:
    """Front matter and body from a file's bytes, or None when they are not a post."""
    if looks_binary(data):
        return None
    if len(data) > MAX_POST_BYTES:
        raise PostError(
            relpath, "read", f"larger than {MAX_POST_BYTES // 2**20} MiB, the limit for one post"
        )
    try:
        text, _ = decode_text(data)
    except UndecodableError as exc:
        if not _meant_as_post(data, relpath):
            return None
        raise PostError(relpath, "decode", str(exc)) from exc
    return split_front_matter(text, relpath)


def not_a_post_reason(data: bytes) -> str:
    """Why bytes that post_text finds no post in are none: for a file that was one."""
    if not data.strip(b" \t\r\n"):
        return "the file is empty"
    if looks_binary(data):
        return "it holds NUL bytes, as a binary file does"
    return "it does not open with front matter ('---' on the first line)"


def _meant_as_post(data: bytes, relpath: str) -> bool:
    """An undecodable file is reported if it is named like a post or has front matter."""
    if date_from_filename(relpath.rsplit("/", 1)[-1]) is not None:
        return True
    try:  # Latin-1 keeps the ASCII '---' and 'key:' lines of any ASCII-based encoding
        return split_front_matter(data.decode("latin-1"), relpath) is not None
    except PostError:
        return True


def front_matter_only(data: bytes, relpath: str) -> PostText | None:
    """Like post_text, but decoding only as far as the closing '---': a scan needs no body."""
    end = _front_matter_end(data)
    # Not with an escape character: maybe ISO-2022 text, which the whole file tells.
    quick = end is not None and len(data) <= MAX_POST_BYTES and b"\x1b" not in data
    if quick and not looks_binary(data):
        try:
            text = split_front_matter(data[:end].decode("utf-8"), relpath)
        except (UnicodeDecodeError, PostError):
            text = None  # read it whole, for the full reason or another encoding
        if text is not None:
            return text
    return post_text(data, relpath)


def _front_matter_end(data: bytes) -> int | None:
    """Where the line after the closing '---' starts, in a plain UTF-8 post."""
    if not data.startswith(b"---"):
        return None
    dashes = data.find(b"\n---", 3)
    dots = data.find(b"\n...", 3, len(data) if dashes == -1 else dashes)  # the first of the two
    if dashes == -1 and dots == -1:
        return None
    at = dots if dots != -1 else dashes
    newline = data.find(b"\n", at + 1)
    return len(data) if newline == -1 else newline + 1


def split_front_matter(text: str, relpath: str) -> PostText | None:
    """Split `---` front matter from the body; None when the text has no front matter."""
    text = xml_safe(text.replace("\r\n", "\n").replace("\r", "\n"))
    if not text.startswith("---"):
        stripped = text.lstrip(" \t\n")
        if stripped.startswith("---\n"):
            text = stripped  # blank lines before the opening '---': a scraper's slip
        elif _late_front_matter(text):
            raise PostError(
                relpath,
                "front matter",
                "text before the opening '---': remove it, '---' must be the first line",
            )
        else:
            return None
    first, _, rest = text.partition("\n")
    if first.rstrip() != "---":
        return None
    front, closing, body = _find_closing(rest)
    if not closing:
        raise PostError(relpath, "front matter", "not closed: add a '---' line where it ends")
    return PostText(front, body)


def _late_front_matter(text: str) -> bool:
    """A '---' line within the first lines, followed by a `key: value` line."""
    lines = text.split("\n", 6)[:6]
    for i, line in enumerate(lines[:-1]):
        if line.rstrip() == "---" and _KEY_LINE.match(lines[i + 1]):
            return True
    return False


def _find_closing(rest: str) -> tuple[str, bool, str]:
    """(front matter, closed?, body): the first '---' or '...' line closes it, as in Jekyll."""
    closing = _CLOSING_LINE.search(rest)
    if closing is None:
        return rest, False, ""
    start, end = closing.span()
    return rest[: max(start - 1, 0)], True, rest[end + 1 :]


def load_front_matter(front: str, relpath: str) -> dict[str, Any]:
    """The YAML front matter as a mapping, loaded safely (tags are never executed)."""
    front += "\n"  # the line break before the closing '---' belongs to the last value
    try:
        _check_nesting(front, relpath)
        data = _load_yaml(front) if front.strip() else {}
    except yaml.YAMLError as exc:
        raise PostError(relpath, "front matter", _yaml_reason(exc, front)) from exc
    except (ValueError, TypeError, OverflowError) as exc:  # e.g. a date like 2022-13-45
        raise PostError(relpath, "front matter", f"invalid YAML value: {exc}") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else "a single value"
        raise PostError(relpath, "front matter", f"must be 'key: value' lines, not {kind}")
    if "*" in front and _expanded_size(data, {}, 0) > max(MAX_EXPANDED, 2 * len(front)):
        raise PostError(relpath, "front matter", "its YAML aliases (*name) expand it far too much")
    return data


def _load_yaml(front: str) -> Any:
    """Front matter as PyYAML's safe loader reads it, but ten times faster when it can be.

    yaml-rs (in Rust) reads YAML 1.2, PyYAML YAML 1.1, as Jekyll does; they agree on text.
    So yaml-rs's reading is kept only when every key and value in it is text that YAML 1.1
    would not read as a number, a boolean or a null; anything else (numbers, `yes`, tags,
    anchors, aliases, errors) is read again by PyYAML, whose checks and messages count.
    """
    if _PYYAML_ONLY_CHARS.search(front) is None or _PYYAML_ONLY.search(front) is None:
        try:
            data = yaml_rs.loads(front, parse_datetime=False, duplicate_key_policy=_LAST_WINS)
        except yaml_rs.YAMLDecodeError:
            data = None
        if isinstance(data, dict) and _text_only(data):
            return data
    return _YAML.load(front)


def _text_only(value: object) -> bool:
    """Only text that PyYAML would also read as text."""
    if type(value) is dict:  # the usual front matter, `key: text` lines only
        texts = [*value, *value.values()]
        if all(type(text) is str for text in texts):
            return _untyped(texts)
    texts = []
    pending = [value]
    while pending:
        item = pending.pop()
        if type(item) is str:
            texts.append(item)
        elif type(item) is dict:
            pending.extend(item)
            pending.extend(item.values())
        elif type(item) is list:
            pending.extend(item)
        else:
            return False
    return _untyped(texts)


def _untyped(texts: list[str]) -> bool:
    """Whether PyYAML would read each of these plain scalars as text. Each is tried as
    PyYAML's resolver tries a scalar: against the patterns for its first character ('' for
    an empty one) and those for any (None); most texts start with none of those
    characters. A text yaml-rs read from a quoted scalar can only make a false alarm, and
    is then read by PyYAML: never a wrong reading."""
    anywhere = _RESOLVERS.get(None, [])
    for text in texts:
        resolvers = _RESOLVERS.get(text[:1])
        if resolvers is None and not anywhere:
            continue
        for _tag, regexp in [*(resolvers or ()), *anywhere]:
            if regexp.match(text):
                return False
    return True


# First character -> (tag, pattern) of the plain scalars PyYAML reads as something other
# than text (a timestamp included: yaml-rs gives its text).
_RESOLVERS: dict[str | None, list[tuple[str, re.Pattern[str]]]] = (
    frontmatter.default_handlers.SafeLoader.yaml_implicit_resolvers
)


def _check_nesting(front: str, relpath: str) -> None:
    """Refuse deep nesting before loading: the C loader recurses on it, and would crash."""
    if sum(map(front.count, "[{-?:")) <= MAX_DEPTH:
        return  # each level of nesting takes one of these characters at least
    too_deep = PostError(relpath, "front matter", f"nested over {MAX_DEPTH} levels deep")
    depth = 0
    try:
        for event in yaml.parse(front, Loader=frontmatter.default_handlers.SafeLoader):
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    raise too_deep
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError as exc:
        # The libyaml of newer PyYAML wheels (6.0.4) has a limit of its own, 1,000 levels,
        # which its scanner, reading ahead, reaches before we have counted 100 events.
        if "maximum nesting depth" in str(exc):
            raise too_deep from exc
        raise


def _expanded_size(value: object, sizes: dict[int, int], depth: int) -> int:
    """Characters and values in `value` once YAML aliases are expanded, without expanding.

    Walked in document order, every alias names a collection already measured.
    """
    if isinstance(value, str):
        return len(value) + 1
    if not isinstance(value, dict | list) or depth > MAX_DEPTH:
        return 1
    if id(value) not in sizes:
        sizes[id(value)] = 1  # a collection that holds itself counts once
        items = [x for kv in value.items() for x in kv] if isinstance(value, dict) else value
        sizes[id(value)] = 1 + sum(_expanded_size(x, sizes, depth + 1) for x in items)
    return sizes[id(value)]


def _yaml_reason(exc: yaml.YAMLError, front: str) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    tag = _TAG.search(problem) if isinstance(exc, yaml.constructor.ConstructorError) else None
    if tag:
        name = tag[1].replace("tag:yaml.org,2002:", "!!")
        where = f" at line {mark.line + 2}" if mark else ""
        return f"invalid YAML{where}: the tag {name} is not allowed (tags are never run): remove it"
    lines = front.split("\n")
    for number, line in enumerate(lines[: mark.line + 1] if mark else lines, start=2):
        quoted = _QUOTE_IN_QUOTES.match(line)  # number: line 1 of the file is the '---'
        if quoted:
            return (
                f"invalid YAML at line {number}: the {quoted[1]!r} value has a '\"' inside "
                'its double quotes; put the value in single quotes, or escape it as \\"'
            )
    if mark is None:
        return f"invalid YAML: {problem}"
    return f"invalid YAML at line {mark.line + 2}: {problem}"


def parse_post(
    relpath: str,
    front: Mapping[str, Any],
    site: Site,
    dir_categories: tuple[str, ...] = (),
    warnings: list[str] | None = None,
) -> Post:
    """A Post from front matter keys, as Jekyll reads them; raises PostError or Unpublished.
    A value left out (an unsafe URL, a bad e-mail address) adds a line to `warnings`."""
    return Post(*post_fields(relpath, front, site, dir_categories, warnings))


def post_fields(
    relpath: str,
    front: Mapping[str, Any],
    site: Site,
    dir_categories: tuple[str, ...] = (),
    warnings: list[str] | None = None,
) -> PostFields:
    """parse_post's Post as a tuple of its fields."""

    def refused(key: str, reason: str) -> None:
        if warnings is not None:
            warnings.append(f"{relpath}: front matter: {key!r} {reason}")

    if site.defaults:
        front = deep_merge(defaults_for(site.defaults, relpath), front)
    published_flag = front.get("published")
    if published_flag is False or (
        isinstance(published_flag, str) and published_flag.strip().lower() in _FALSE
    ):
        raise Unpublished(relpath)
    tz = _zone(site.timezone)
    name = relpath.rsplit("/", 1)[-1]
    named = date_from_filename(name)
    stem = name.rsplit(".", 1)[0] if "." in name else name
    file_slug = named[1] if named else stem

    published = _published(relpath, front, named, tz)
    updated = published
    if front.get("last_modified_at") not in (None, ""):
        updated = _date(relpath, "last_modified_at", front["last_modified_at"], tz)

    categories = _unique(
        [*dir_categories, *_words(front.get("categories")), *_one(front.get("category"))]
    )
    tags = _unique([*_words(front.get("tags")), *_one(front.get("tag"))])
    # the cap is on what the front matter lists, as the README says: not the folders'
    _check_count(relpath, "categories", len(categories) - len(set(dir_categories)), MAX_CATEGORIES)
    _check_count(relpath, "tags", len(tags), MAX_TAGS)
    title = _title(relpath, front.get("title"), file_slug)
    slug = one_line(str(front["slug"])) if front.get("slug") else file_slug
    try:
        path = permalink(front.get("permalink"), site, categories, published, stem, slug)
    except PermalinkError as exc:
        raise PostError(relpath, "front matter", f"'permalink': {exc}") from exc
    url = site.url + path
    return (
        relpath,
        _post_id(
            front, site, named[0].isoformat() if named else None, published, file_slug, refused
        ),
        title,
        published,
        updated,
        url,
        categories,
        tags,
        _author(relpath, front, refused, site.authors),
        _summary(front),
        one_line(str(front["source"])) if front.get("source") else None,
        _source_url(front.get("source_url"), refused),
        not name.lower().endswith(HTML_EXTENSIONS),
        _image(front.get("image"), site, refused),
        _excerpt_only(relpath, front.get("feed"), site),
        _excerpt_separator(relpath, front.get("excerpt_separator"), site),
        _lang(front.get("lang"), refused),
    )


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _published(relpath: str, front: Mapping[str, Any], named: Any, tz: ZoneInfo) -> datetime:
    if "date" in front:
        return _date(relpath, "date", front["date"], tz)
    if named is not None:
        try:
            return parse_date(named[0], tz)
        except ValueError as exc:  # a date before 1970
            raise PostError(relpath, "file name", f"its date {exc}") from exc
    raise PostError(
        relpath,
        "front matter",
        "no 'date' and no date in the file name (name it YYYY-MM-DD-title.md)",
    )


def _date(relpath: str, key: str, value: object, tz: ZoneInfo) -> datetime:
    try:
        return parse_date(value, tz)
    except ValueError as exc:
        raise PostError(relpath, "front matter", f"{key!r} {exc}") from exc


def _title(relpath: str, value: object, file_slug: str) -> str:
    if isinstance(value, dict | list):
        raise PostError(relpath, "front matter", "'title' must be text, not a list or mapping")
    title = one_line(str(value)) if value is not None and value is not False else ""
    if "<" in title:
        title = _strip_tags(title)
    if title:
        return title
    # Jekyll's fallback: the file name's slug, words capitalised.
    derived = one_line(" ".join(w[:1].upper() + w[1:] for w in file_slug.split("-")))
    if not derived:
        raise PostError(relpath, "front matter", "no 'title', and none can be made from the name")
    return derived


# The elements that mark up a title's text: strip_html leaves their words.
_TITLE_TAGS = frozenset((
    "a", "abbr", "b", "bdi", "bdo", "br", "cite", "code", "del", "dfn", "em", "i", "ins",
    "kbd", "mark", "q", "s", "samp", "small", "span", "strong", "sub", "sup", "time", "u",
    "var", "wbr",
))  # fmt: skip


def _strip_tags(title: str) -> str:
    """The title's text without its tags, as jekyll-feed's strip_html leaves it
    (`如何理解 <code>document</code> 对象`), where every tag is one that marks up text;
    a title with any other (`A & B <c>`, `<img …>`) is text as written, as readers have
    shown it since issue 16. Read by an HTML parser: `《<蒙特利尔议定书>…》` holds no tag."""
    import html as html_module

    from lxml import etree, html  # here: few titles hold a tag

    try:
        tree = html.fragment_fromstring(title, create_parent="div")
    except (ValueError, etree.LxmlError):  # no tree to take the tags from: as it is
        return title
    if any(element.tag not in _TITLE_TAGS for element in tree.iterdescendants()):
        return title
    text = tree.text_content()
    # No tag read, only entities (`AT&amp;T < 3`): text as written, as it holds no markup.
    if text == html_module.unescape(title):
        return title
    return one_line(text) or title


def _words(value: object) -> list[str]:
    """`categories`/`tags`: a list, or a space-separated string, as Jekyll splits them."""
    if value is None or value is False:
        return []
    if isinstance(value, list | tuple):
        return [w for item in value if item is not None for w in [one_line(str(item))] if w]
    return words(str(value))


def _one(value: object) -> list[str]:
    """`category`/`tag`: one value, never split."""
    if value is None or value is False:
        return []
    if isinstance(value, list | tuple):
        return _words(value)
    text = one_line(str(value))
    return [text] if text else []


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def _check_count(relpath: str, key: str, count: int, limit: int) -> None:
    """Skip a post with more categories or tags than any real post has: kept, it would
    be written into that many feeds, or its entries would hold that many elements."""
    if count > limit:
        raise PostError(
            relpath,
            "front matter",
            f"{count:,} {key}, over the {limit:,} a post may have: it is not published; "
            f"keep the {key} that matter",
        )


def _author(
    relpath: str,
    front: Mapping[str, Any],
    refused: Refused,
    known: tuple[tuple[str, Author], ...] = (),
) -> Author | None:
    """The post's author; a name that is a key of _data/authors.yml (`known`) is the
    author found there, as jekyll-feed looks it up."""
    value = front.get("author")
    if value is None and isinstance(front.get("authors"), list) and front["authors"]:
        value = front["authors"][0]
    if value in (None, ""):
        return None
    if known and isinstance(value, str):
        found = dict(known).get(value)
        if found is not None:
            return found
    try:
        return parse_author(value, relpath, "author", lambda key, why: refused(key, why + LEFT_OUT))
    except ConfigError as exc:
        raise PostError(relpath, "front matter", f"'author': {exc.reason}") from exc


def _summary(front: Mapping[str, Any]) -> str | None:
    for key in ("description", "excerpt"):
        value = front.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def _image(value: object, site: Site, refused: Refused) -> str | None:
    """`image:` (a path or URL, or a mapping with `path`), absolute as jekyll-feed makes
    it: a path is on the site's URL (its baseurl too)."""
    if isinstance(value, Mapping):
        value = value.get("path")
    if not isinstance(value, str) or not value.strip():
        return None
    text = one_line(value)
    url = text if "://" in text else on_site(site.url, text)
    if safe_link(url) is None:  # a path on the site always is one: a URL then
        refused("image", f"{text!r} is not an http(s) URL with a host{LEFT_OUT}")
        return None
    return url


# A language tag's form (BCP 47: a language of 2 to 8 letters, then subtags of 1 to 8
# letters and digits), as xml:lang and JSON Feed's `language` take it; not the registry.
_LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8})*")


def _lang(value: object, refused: Refused) -> str | None:
    """The post's `lang:` as its entry's language: a language tag (`en_US`, as Jekyll
    sites write a locale, is read as `en-US`)."""
    if value is None or value == "":
        return None
    text = one_line(str(value)).replace("_", "-")
    if not isinstance(value, str) or not _LANGUAGE_TAG.fullmatch(text):
        refused(
            "lang", f"{one_line(str(value))!r} is not a language tag such as fr or zh-CN{LEFT_OUT}"
        )
        return None
    return text


def _excerpt_only(relpath: str, feed: object, site: Site) -> bool:
    """The post's `feed: {excerpt_only: …}`, else the site's."""
    value = feed.get("excerpt_only") if isinstance(feed, Mapping) else None
    if value is None:
        return site.excerpt_only
    if not isinstance(value, bool):
        raise PostError(relpath, "front matter", "'feed.excerpt_only' must be true or false")
    return value


def _excerpt_separator(relpath: str, value: object, site: Site) -> str | None:
    if value is None or value == "":
        return site.excerpt_separator
    if not isinstance(value, str):
        raise PostError(relpath, "front matter", "'excerpt_separator' must be a string")
    return value


def _source_url(value: object, refused: Refused) -> str | None:
    if value in (None, ""):
        return None
    text = one_line(str(value))
    if safe_link(text) is None:
        refused("source_url", f"{text!r} is not an absolute http(s) URL{LEFT_OUT}")
        return None
    return text


def _post_id(
    front: Mapping[str, Any],
    site: Site,
    file_date: str | None,
    published: datetime,
    file_slug: str,
    refused: Refused,
) -> str:
    """A tag: URI that survives edits of title, date, categories and the site's scheme.
    An `id:` or `guid:` with a scheme is kept if it is a safe id of this site's (see
    _own_id); without one, it names the post within the default."""
    host = _host(site.url)
    day = file_date or published.date().isoformat()
    for key in ("id", "guid"):
        value = front.get(key)
        if value not in (None, ""):
            text = one_line(str(value))
            if ":" not in text:
                file_slug = text
                break
            default = f"tag:{host},{day}:{quote(file_slug, safe='')}"
            why = _refused_id(text, host)
            if why is None:
                return text
            refused(key, f"{text!r} {why}; the post's id is {default}")
            return default
    return f"tag:{host},{day}:{quote(file_slug, safe='')}"


def _refused_id(text: str, host: str) -> str | None:
    """Why an id given in front matter is refused, or None. A reader that meets another
    site's URL as an id may take the entry for that site's (and replace it); a scheme
    that is not http(s), tag: or urn: is no id, and may run when followed (javascript:)."""
    if safe_id(text) is None:
        return "is not an http(s) URL, tag: or urn: name"
    scheme = text.partition(":")[0].lower()
    if scheme in LINK_SCHEMES and (urlsplit(text).hostname or "") != host:
        return f"is a URL of another site than {host}"
    return None


@cache
def _host(url: str) -> str:
    return urlsplit(url).hostname or "localhost"


def permalink(
    template: object,
    site: Site,
    categories: tuple[str, ...],
    published: datetime,
    basename: str,
    slug: str,
) -> str:
    """The post's path below the site url: the page Jekyll writes, from the front matter's
    `permalink` (placeholders and all) or the site's. Raises PermalinkError."""
    pattern = site.permalink
    if isinstance(template, str) and template.strip():
        pattern = template.strip()
    return post_url(
        pattern,
        date=published.astimezone(_zone(site.timezone)),
        categories=categories,
        slug=slug,
        basename=basename,
        path="/" + basename,
    )
