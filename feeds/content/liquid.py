"""Liquid, as Jekyll runs it on a post before Markdown, with python-liquid.

Imported only for a post whose body holds `{{` or `{%`: python-liquid and its imports take
about 0.2 s. Jekyll's variables (`site.*` from _config.yml, `page.*`), its tags
(`highlight`, `include`, `include_relative`, `raw`, `post_url`, `link`) and its common
filters. Every file a render reads is noted with its stamp (see `Stamp`), so that a
later build renders the post again once one of them changes.
"""

import glob
import html
import json
import os
import re
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from datetime import date, datetime
from functools import cache
from pathlib import Path
from stat import S_ISREG
from typing import Any, TextIO
from urllib.parse import quote, quote_plus

from liquid import BoundTemplate, Environment, RenderContext, Tag, TokenStream
from liquid.ast import BlockNode, Node
from liquid.exceptions import (
    ContextDepthError,
    LiquidError,
    LiquidSyntaxError,
    LocalNamespaceLimitError,
    LoopIterationLimitError,
    OutputStreamLimitError,
)
from liquid.filter import with_context
from liquid.parser import get_parser
from liquid.token import TOKEN_EOF, TOKEN_EXPRESSION, TOKEN_TAG, Token

from feeds.config import read_jekyll_config
from feeds.content.markdown import render_markdown
from feeds.errors import PostError
from feeds.files import Stamp, file_stamp
from feeds.model import Post, Site
from feeds.permalinks import slugify
from feeds.source.dates import date_from_filename
from feeds.source.posts import load_front_matter, post_fields, read_post
from feeds.text import words
from feeds.urls import as_uri

CONFIG_NAME = "_config.yml"
INCLUDES = "_includes"
_READS: ContextVar[list[Stamp]] = ContextVar("reads")
# The post being rendered (its relpath) and what is left of its loop budget: out of the
# template's reach, which can reassign `page`.
_POST: ContextVar[str] = ContextVar("post")
_LOOPS_LEFT: ContextVar[list[int]] = ContextVar("loops_left")
# Bounds on one post's Liquid (README "Liquid"): Jekyll has none, and a loop over
# (1..100000000) would hold the build for minutes. Iterations are counted over all the
# post's loops, includes' too; output and assigned values are bounded as a feed entry is
# (MAX_ENTRY_BYTES).
LOOP_ITERATIONS = 100_000
OUTPUT_BYTES = 8 * 2**20
LOCALS_BYTES = 8 * 2**20
INCLUDE_DEPTH = 30
# include.rb's syntax for `{% include file key="value" key2=variable %}`
_PARAM = re.compile(
    r"([\w-]+)\s*=\s*(?:\"([^\"\\]*(?:\\.[^\"\\]*)*)\"|'([^'\\]*(?:\\.[^'\\]*)*)'|([\w.-]+))"
)
_FILE_NAME = re.compile(r"[\w/.\-()+~#@]+")
_BAD_SEQUENCE = re.compile(r"[./]{2,}")
_EDGE_NEWLINES = re.compile(r"\A(?:\r?\n)+|(?:\r?\n)+\Z")


class LiquidFailed(PostError):
    """A template error: the post is skipped, until one of the files its render read
    (`inputs`) changes."""

    def __init__(self, where: str, reason: str, inputs: tuple[Stamp, ...]) -> None:
        super().__init__(where, "liquid", reason)
        self.inputs = inputs


def render_liquid(
    body: str,
    front: Mapping[str, Any],
    post: Post,
    site: Site,
    source: Path,
    first_line: int,
    *,
    smart_quotes: bool = True,
) -> tuple[str, tuple[Stamp, ...]]:
    """The body with its Liquid run, and the files that took; raises LiquidFailed naming
    the post's line (`first_line`: the body's first line in the file). `markdownify`
    renders as the post's body is: with typographic quotes or not (`smart_quotes`)."""
    reads: list[Stamp] = []
    tokens = (_READS.set(reads), _POST.set(post.relpath), _LOOPS_LEFT.set([LOOP_ITERATIONS]))
    try:
        config = _site_config(source, reads)
        env = _environment(source, site, smart_quotes)
        template = env.from_string(body)
        page = _page(front, post, site)
        return template.render(site=config, page=page), tuple(dict.fromkeys(reads))
    except LiquidError as exc:
        line = _line(exc) + first_line - 1
        raise LiquidFailed(f"{post.relpath}:{line}", _reason(exc), tuple(reads)) from exc
    except RecursionError as exc:
        raise LiquidFailed(post.relpath, "its includes nest too deep", tuple(reads)) from exc
    except Exception as exc:  # a bug of a tag or filter with this post's values: the post only
        at = _node_line(exc, body)
        where = post.relpath if at is None else f"{post.relpath}:{at + first_line - 1}"
        reason = f"{type(exc).__name__}: {exc}"
        raise LiquidFailed(where, reason, tuple(reads)) from exc
    finally:
        _LOOPS_LEFT.reset(tokens[2])
        _POST.reset(tokens[1])
        _READS.reset(tokens[0])


def _line(exc: LiquidError) -> int:
    where = exc.context()
    return where[0] if where else 1


def _reason(exc: LiquidError) -> str:
    if isinstance(exc, LoopIterationLimitError):
        return f"over {LOOP_ITERATIONS:,} loop iterations, the limit for a post"
    if isinstance(exc, OutputStreamLimitError):
        return f"its output is over {OUTPUT_BYTES // 2**20} MiB, the limit for a post"
    if isinstance(exc, LocalNamespaceLimitError):
        return f"its variables hold over {LOCALS_BYTES // 2**20} MiB, the limit for a post"
    if isinstance(exc, ContextDepthError):
        return f"includes nest over {INCLUDE_DEPTH} deep (an include that includes itself?)"
    return str(exc.message)


def _node_line(exc: BaseException, source: str) -> int | None:
    """The line in `source` of the innermost tag or output the exception came through,
    found in its traceback: python-liquid gives a token to its own errors only."""
    line = None
    trace = exc.__traceback__
    while trace is not None:
        node = trace.tb_frame.f_locals.get("self")
        if isinstance(node, Node) and node.token.source == source:
            line = _line(LiquidError(token=node.token))
        trace = trace.tb_next
    return line


def _note(source: Path, relpath: str) -> None:
    _READS.get().append(file_stamp(source, relpath))


def _site_config(source: Path, reads: list[Stamp]) -> dict[str, Any]:
    seen = file_stamp(source, CONFIG_NAME)
    reads.append(seen)
    return dict(_parsed_config(source, seen))


@cache
def _parsed_config(source: Path, seen: Stamp) -> dict[str, Any]:
    """site.*, read once a process while _config.yml keeps its stamp (`seen`)."""
    del seen
    config = dict(read_jekyll_config(source))
    config.setdefault("baseurl", "")
    config["baseurl"] = str(config["baseurl"] or "").rstrip("/")
    return config


def _page(front: Mapping[str, Any], post: Post, site: Site) -> dict[str, Any]:
    """page.*: the front matter, with what Jekyll works out for a post."""
    path = post.url[len(site.url) :] if post.url.startswith(site.url) else post.url
    return {
        **front,
        "title": post.title,
        "date": post.published,
        "url": path,
        "categories": list(post.categories),
        "tags": list(post.tags),
        "path": post.relpath,
        "relative_path": post.relpath,
        "id": path.removesuffix(".html"),
        "slug": front.get("slug") or _file_slug(post.relpath),
    }


def _file_slug(relpath: str) -> str:
    name = relpath.rsplit("/", 1)[-1]
    named = date_from_filename(name)
    return named[1] if named else name.rsplit(".", 1)[0]


@cache
def _environment(source: Path, site: Site, smart_quotes: bool) -> Environment:
    env = JekyllEnvironment(source, site, smart_quotes)
    for tag in (HighlightTag, IncludeTag, IncludeRelativeTag, PostUrlTag, LinkTag):
        env.add_tag(tag)
    for name, function in _filters(env).items():
        env.add_filter(name, function)
    return env


class JekyllContext(RenderContext):
    def raise_for_loop_limit(self, length: int = 1) -> None:
        """python-liquid's limit, on one loop and those it is nested in; then the post's,
        on the iterations of all its loops."""
        super().raise_for_loop_limit(length)
        left = _LOOPS_LEFT.get()
        left[0] -= length
        if left[0] < 0:
            raise LoopIterationLimitError("loop iteration limit reached", token=None)


class JekyllTemplate(BoundTemplate):
    context_class = JekyllContext


class JekyllEnvironment(Environment):
    loop_iteration_limit = LOOP_ITERATIONS
    output_stream_limit = OUTPUT_BYTES
    local_namespace_limit = LOCALS_BYTES
    context_depth_limit = INCLUDE_DEPTH
    template_class = JekyllTemplate

    def __init__(self, source: Path, site: Site, smart_quotes: bool) -> None:
        super().__init__()
        self.source, self.site, self.smart_quotes = source, site, smart_quotes


def _markup(
    stream: TokenStream, *, block: bool = False, what: str = "an argument"
) -> tuple[Token, str]:
    """The tag's token and the text after its name. The stream is left on the tag's last
    token, as the parser expects of a tag that is no block."""
    token = stream.eat(TOKEN_TAG)
    if stream.current.kind != TOKEN_EXPRESSION:
        raise LiquidSyntaxError(f"{token.value} needs {what}", token=token)
    text = stream.current.value
    if block:
        next(stream)
    return token, text


class TextNode(Node):
    """A tag that writes what `make` gives for its markup, in the render's context."""

    def __init__(
        self, token: Token, markup: str, make: Callable[[RenderContext, str], str]
    ) -> None:
        super().__init__(token)
        self.markup, self.make = markup, make

    def render_to_output(self, context: RenderContext, buffer: TextIO) -> int:
        try:
            buffer.write(self.make(context, self.markup))
        except LiquidError as exc:
            exc.token = exc.token or self.token
            raise
        return True


def _failure(token: Token, reason: str) -> LiquidError:
    """An error at render time (python-liquid wants a LiquidSyntaxError while parsing)."""
    return LiquidError(reason, token=token)


class IncludeFailed(LiquidError):
    """An error in an included file, its reason already naming that file and line."""


class HighlightNode(Node):
    def __init__(self, token: Token, language: str, block: BlockNode) -> None:
        super().__init__(token)
        self.language, self.block = language, block

    def render_to_output(self, context: RenderContext, buffer: TextIO) -> int:
        """highlight.rb's HTML, without Rouge's colours: the code as text. Its line breaks
        as references, so that the figure is one line, one HTML block to Markdown, blank
        lines in the code and all."""
        inner = context.get_buffer(buffer)
        self.block.render(context, inner)
        code = html.escape(_EDGE_NEWLINES.sub("", inner.getvalue()), quote=False)
        lang = html.escape(self.language)
        buffer.write(
            f'<figure class="highlight"><pre><code class="language-{lang.replace("+", "-")}" '
            f'data-lang="{lang}">{code.rstrip(chr(10)).replace(chr(10), "&#10;")}'
            "</code></pre></figure>"
        )
        return True


class HighlightTag(Tag):
    name = "highlight"
    end = "endhighlight"

    def parse(self, stream: TokenStream) -> Node:
        token, markup = _markup(stream, block=True, what="a language name")
        language = markup.split()[0] if markup.split() else ""
        if not re.fullmatch(r"[\w+#-]+", language):
            reason = f"highlight needs a language name, not {markup.strip()!r}"
            raise LiquidSyntaxError(reason, token=token)
        block = get_parser(self.env).parse_block(stream, frozenset((self.end, TOKEN_EOF)))
        stream.expect(TOKEN_TAG, value=self.end)
        return HighlightNode(token, language, block)


class IncludeNode(Node):
    def __init__(self, token: Token, markup: str, *, relative: bool) -> None:
        super().__init__(token)
        self.markup, self.relative = markup, relative

    def render_to_output(self, context: RenderContext, buffer: TextIO) -> int:
        env = context.env
        assert isinstance(env, JekyllEnvironment)
        name, params = _include_args(context, self.markup, self.token)
        # include.rb: include_relative's folder is the post's, whatever `page` now holds
        folder = _POST.get().rpartition("/")[0] if self.relative else INCLUDES
        relpath = _confined(env.source, folder, name, self.token)
        _note(env.source, relpath)
        try:
            template = _include(env, relpath, _READS.get()[-1])
            with context.extend({"include": params}, template=template):
                template.render_with_context(context, buffer, partial=True)
        except IncludeFailed as exc:
            raise IncludeFailed(exc.message, token=self.token) from exc
        except LiquidError as exc:
            if exc.token is not None and exc.token.source == self.token.source:
                raise
            reason = f"{relpath}:{_line(exc)}: {_reason(exc)}"
            raise IncludeFailed(reason, token=self.token) from exc
        except (OSError, UnicodeDecodeError) as exc:
            raise _failure(self.token, f"cannot include {relpath}: {exc}") from exc
        return True


class IncludeTag(Tag):
    name = "include"
    block = False

    def parse(self, stream: TokenStream) -> Node:
        token, markup = _markup(stream)
        return IncludeNode(token, markup, relative=False)


class IncludeRelativeTag(Tag):
    name = "include_relative"
    block = False

    def parse(self, stream: TokenStream) -> Node:
        token, markup = _markup(stream)
        return IncludeNode(token, markup, relative=True)


def _include_args(context: RenderContext, markup: str, token: Token) -> tuple[str, dict[str, Any]]:
    """include.rb: the file name (a `{{ variable }}` rendered first), then its parameters."""
    markup = markup.strip()
    if markup.startswith("{{"):
        end = markup.find("}}") + 2
        name, rest = _rendered(context, markup[:end]), markup[end:]
    else:
        name, _, rest = markup.partition(" ")
    params: dict[str, Any] = {}
    at = 0
    rest = rest.strip()
    for match in _PARAM.finditer(rest):
        if rest[at : match.start()].strip():
            break
        key, double, single, variable = match.groups()
        if variable is not None:
            params[key] = _lookup(context, variable)
        else:
            params[key] = (double if double is not None else single).replace('\\"', '"')
        at = match.end()
    if rest[at:].strip():
        raise _failure(token, f"invalid parameters in include: {rest!r}")
    return name.strip(), params


def _rendered(context: RenderContext, text: str) -> str:
    from io import StringIO

    out = StringIO()
    context.env.from_string(text).render_with_context(context, out, partial=True)
    return out.getvalue()


def _lookup(context: RenderContext, dotted: str) -> Any:
    """A variable's value, None where a part names nothing (a key of a list or string
    too), as Liquid's lax lookup gives nil."""
    return context.get(list(dotted.split(".")), token=None, default=None)


def _confined(source: Path, folder: str, name: str, token: Token) -> str:
    """The included file's path in the source: refused if it would lead out of its folder
    (include.rb's checks, then where its links lead)."""
    if _BAD_SEQUENCE.search(name) or not _FILE_NAME.fullmatch(name) or name.startswith("/"):
        raise _failure(token, f"include path {name!r} is not allowed (no '..', no '/' first)")
    relpath = f"{folder}/{name}" if folder else name
    if not (_inside(source, relpath, "") and _inside(source, relpath, folder)):
        raise _failure(token, f"include {name!r} leads out of {folder or 'the site'}")
    return relpath


def _inside(source: Path, relpath: str, folder: str) -> bool:
    """Whether the file leads, links followed, to a place within the folder of the
    source, the folder's links followed too."""
    base = os.path.realpath(source / folder if folder else source).rstrip(os.sep) + os.sep
    return os.path.realpath(source / relpath).startswith(base)


def _in_site(source: Path, relpath: str) -> bool:
    """A path a `link` or `post_url` names: one in the source, by name and by links."""
    parts = relpath.split("/")
    return ".." not in parts and not relpath.startswith("/") and _inside(source, relpath, "")


@cache
def _include(env: JekyllEnvironment, relpath: str, seen: Stamp) -> BoundTemplate:
    """The include, parsed once a process while it keeps its stamp (`seen`)."""
    del seen
    path = env.source / relpath
    if not S_ISREG(path.stat().st_mode):
        raise OSError("not a file")
    return env.from_string(path.read_text(encoding="utf-8-sig"), name=relpath)


class PostUrlTag(Tag):
    name = "post_url"
    block = False

    def parse(self, stream: TokenStream) -> Node:
        token, markup = _markup(stream)
        return TextNode(token, markup.strip(), lambda context, name: _post_url(context, name))


class LinkTag(Tag):
    name = "link"
    block = False

    def parse(self, stream: TokenStream) -> Node:
        token, markup = _markup(stream)
        return TextNode(token, markup.strip(), lambda context, path: _link(context, path))


def _post_url(context: RenderContext, name: str) -> str:
    env = context.env
    assert isinstance(env, JekyllEnvironment)
    name = _rendered(context, name) if "{{" in name else name
    relpath = _find_post(env.source, name.strip().strip("/"))
    if relpath is None or not _in_site(env.source, relpath):
        raise LiquidError(f"post_url: no post named {name!r}", token=None)
    return _relative_url(context, _url_of(env, relpath))


def _link(context: RenderContext, path: str) -> str:
    env = context.env
    assert isinstance(env, JekyllEnvironment)
    path = (_rendered(context, path) if "{{" in path else path).strip().strip("/")
    if not _in_site(env.source, path):
        raise LiquidError(f"link: no file {path!r} in the site", token=None)
    if "/_posts/" in f"/{path}":
        return _relative_url(context, _url_of(env, path))
    _note(env.source, path)
    if not (env.source / path).is_file():
        raise LiquidError(f"link: no file {path!r} in the site", token=None)
    stem, dot, ext = path.rpartition(".")
    page = f"/{stem}.html" if dot and ext in ("md", "markdown") else f"/{path}"
    return _relative_url(context, page.removesuffix("index.html"))


def _find_post(source: Path, name: str) -> str | None:
    """The path of the post `name` names (its name within a _posts folder, without
    extension): in the top _posts folders first, then anywhere, listed once a process
    and again when it is not found there (a post added since)."""
    for pattern in (f"_posts/{glob.escape(name)}.*", f"*/_posts/{glob.escape(name)}.*"):
        found = sorted(p.relative_to(source).as_posix() for p in source.glob(pattern))
        if found:
            return found[0]
    relpath = _posts_by_name(source).get(name)
    if relpath is None:
        _posts_by_name.cache_clear()
        relpath = _posts_by_name(source).get(name)
    return relpath


@cache
def _posts_by_name(source: Path) -> dict[str, str]:
    """Each post's name within its _posts folder, without extension -> its path."""
    found: dict[str, str] = {}
    for folder, dirs, files in os.walk(source):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "_site")
        rel = Path(folder).relative_to(source).as_posix()
        inside = f"/{rel}/".partition("/_posts/")[2] if "/_posts/" in f"/{rel}/" else None
        for file in files if inside is not None else ():
            stem = file.rsplit(".", 1)[0]
            found.setdefault(f"{inside}{stem}", f"{rel}/{file}")
    return found


def _url_of(env: JekyllEnvironment, relpath: str) -> str:
    """Another post's URL path, as this build makes it."""
    _note(env.source, relpath)
    return _post_path(env, relpath, _READS.get()[-1])


@cache
def _post_path(env: JekyllEnvironment, relpath: str, seen: Stamp) -> str:
    """_url_of, once a process while the post keeps its stamp (`seen`)."""
    del seen
    try:
        text = read_post(env.source / relpath, relpath)
        if text is None:
            raise PostError(relpath, "read", "not a post")
        categories = tuple(p for p in relpath.partition("_posts/")[0].split("/") if p)
        fields = post_fields(relpath, load_front_matter(text.front, relpath), env.site, categories)
    except Exception as exc:  # its reason, whatever it is, names the post it could not read
        raise LiquidError(f"cannot read {relpath}: {exc}", token=None) from exc
    url = fields[5]
    return url[len(env.site.url) :] if url.startswith(env.site.url) else url


def _relative_url(context: RenderContext, path: object) -> str:
    text = str(path if path is not None else "")
    if re.match(r"[a-z][a-z0-9+.-]*://", text, re.IGNORECASE):
        return text
    site = context.resolve("site", default={})
    base = str(site.get("baseurl") or "") if isinstance(site, Mapping) else ""
    joined = "/".join(p.strip("/") for p in (base, text) if p.strip("/"))
    return as_uri("/" + joined + ("/" if text.endswith("/") and joined else ""))


def _absolute_url(context: RenderContext, path: object) -> str:
    text = str(path if path is not None else "")
    if re.match(r"[a-z][a-z0-9+.-]*://", text, re.IGNORECASE):
        return text
    site = context.resolve("site", default={})
    url = str(site.get("url") or "") if isinstance(site, Mapping) else ""
    return url.rstrip("/") + _relative_url(context, text)


def _as_date(value: object) -> datetime | date | None:
    if isinstance(value, datetime | date):
        return value
    try:
        return datetime.fromisoformat(str(value).strip())
    except ValueError:
        return None


def _date_filter(fmt: str) -> Callable[[object], object]:
    def apply(value: object) -> object:
        when = _as_date(value)
        return when.strftime(fmt) if when is not None else value

    return apply


def _xmlschema(value: object) -> object:
    when = _as_date(value)
    return when.isoformat() if when is not None else value


def _where(items: object, prop: str, value: object) -> list[Any]:
    if isinstance(items, Mapping):
        items = list(items.values())
    if not isinstance(items, list | tuple):
        return []
    return [i for i in items if isinstance(i, Mapping) and str(i.get(prop)) == str(value)]


def _sentence(items: object, connector: str = "and") -> str:
    texts = [str(i) for i in items] if isinstance(items, list | tuple) else [str(items)]
    if len(texts) < 3:
        return f" {connector} ".join(texts)
    return f"{', '.join(texts[:-1])}, {connector} {texts[-1]}"


def _filters(env: JekyllEnvironment) -> dict[str, Callable[..., Any]]:
    """Jekyll's filters that a post's body uses (lib/jekyll/filters.rb)."""
    smart = env.smart_quotes
    return {
        "relative_url": _with_context(_relative_url),
        "absolute_url": _with_context(_absolute_url),
        "date_to_xmlschema": _xmlschema,
        "date_to_rfc822": _date_filter("%a, %d %b %Y %H:%M:%S %z"),
        "date_to_string": _date_filter("%d %b %Y"),
        "date_to_long_string": _date_filter("%d %B %Y"),
        "xml_escape": lambda v: html.escape(str(v)) if v is not None else "",
        "cgi_escape": lambda v: quote_plus(str(v)),
        "uri_escape": lambda v: quote(str(v), safe="!#$&'()*+,/:;=?@[]~-._"),
        "jsonify": lambda v: json.dumps(v, ensure_ascii=False, default=str),
        "markdownify": lambda v: render_markdown(str(v), smart_quotes=smart),
        "slugify": lambda v, mode="default": slugify(str(v), pretty=mode == "pretty"),
        "number_of_words": lambda v: len(words(str(v))),
        "array_to_sentence_string": _sentence,
        "normalize_whitespace": lambda v: " ".join(str(v).split()),
        "where": _where,
        "inspect": lambda v: repr(v),
    }


def _with_context(function: Callable[[RenderContext, object], str]) -> Callable[..., str]:
    @with_context
    def apply(value: object, *, context: RenderContext) -> str:
        return function(context, value)

    return apply
