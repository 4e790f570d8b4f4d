"""Markdown to HTML, as Jekyll would render a post body. No business logic."""

import ctypes
import re
import string
from collections.abc import Sequence
from functools import cache
from html import unescape
from typing import Any

from cmarkgfm import _cmark, cmark
from cmarkgfm.cmark import Options

# Jekyll's kramdown reads GFM input: tables and ~~strikethrough~~, footnotes, typographic
# quotes and dashes. cmark-gfm has each, in C, at twice the cost of plain CommonMark (still
# ~0.01 ms a post on the finews archive); no maintained Python parser has the rest of
# kramdown's reading either (docs/design.md, "Markdown"). Raw HTML is passed through: the
# cleaner and nh3 deal with it. Bare URLs are not linked: kramdown does not link them.
_OPTIONS = Options.CMARK_OPT_UNSAFE | Options.CMARK_OPT_FOOTNOTES
_EXTENSIONS = ("table", "strikethrough")
# cmark encodes the references to U+FFFE and U+FFFF as bytes that are not UTF-8, and the
# binding then fails. No XML document may hold them: they become U+FFFD first.
_NONCHARACTER_REFERENCE = re.compile(r"&#(?:[xX]0*[fF]{3}[eEfF]|0*6553[45]);")
# cmarkgfm's markdown_to_html_with_extensions never frees the tree it parses nor the HTML
# it copies out (theacodes/cmarkgfm#53): ~7.5 KB a post, which `feeds watch` kept for
# ever. The same calls, then cmark's own free of each: cmark_node_free is in its library
# but not in the binding's declarations, and the HTML is malloc'd by cmark's default
# allocator, so libc's free releases it.
_FFI, _LIB = _cmark.ffi, _cmark.lib
_CMARK = ctypes.CDLL(_cmark.__file__)
_CMARK.cmark_node_free.argtypes = [ctypes.c_void_p]
_CMARK.cmark_node_free.restype = None
_LIBC_FREE = ctypes.CDLL(None).free
_LIBC_FREE.argtypes = [ctypes.c_void_p]
_LIBC_FREE.restype = None


def _to_html(text: str, options: int, extensions: Sequence[str]) -> str:
    """cmarkgfm.markdown_to_html_with_extensions, freeing what it leaks."""
    found = _syntax_extensions(tuple(extensions))
    parser = cmark.parser_new(options=options)
    try:
        for extension in found:
            cmark.parser_attach_syntax_extension(parser, extension)
        cmark.parser_feed(parser, text)
        root = cmark.parser_finish(parser)
        try:
            if _LIB.cmark_node_get_type(root) == _LIB.CMARK_NODE_NONE:
                raise ValueError("Error parsing markdown!")
            raw = _LIB.cmark_render_html(root, options, cmark.parser_get_syntax_extensions(parser))
            try:
                html: str = _FFI.string(raw).decode("utf-8")
            finally:
                _LIBC_FREE(int(_FFI.cast("uintptr_t", raw)))
        finally:
            _CMARK.cmark_node_free(int(_FFI.cast("uintptr_t", root)))
    finally:
        cmark.parser_free(parser)
    return html


@cache
def _syntax_extensions(names: tuple[str, ...]) -> list[Any]:
    """cmark's extensions by name, looked up once: they live as long as the process."""
    cmark.core_extensions_ensure_registered()
    return [cmark.find_syntax_extension(name) for name in names]


def render_markdown(body: str, *, smart_quotes: bool = True) -> str:
    """Render a post body (Markdown mixed with raw HTML) to an HTML fragment; with
    `smart_quotes`, as kramdown does by default: ’ “ ” – — … in the text."""
    if "&#" in body:
        body = _NONCHARACTER_REFERENCE.sub("&#xFFFD;", body)
    options = _OPTIONS | Options.CMARK_OPT_SMART if smart_quotes else _OPTIONS
    return _to_html(body, options, _EXTENSIONS)


# A title's ASCII punctuation, escaped but for what smart punctuation reads (' " - .):
# nothing else in it is read as Markdown. The no-break space before it keeps a leading
# `- `, `1. ` or `---` from starting a list or a rule, and counts as the line's start.
_TITLE_ESCAPES = str.maketrans({c: "\\" + c for c in string.punctuation if c not in "'\"-."})
_TITLE_START = "\u00a0"


def smartify(text: str) -> str:
    """Text with typographic quotes, dashes and ellipses, as a body's text gets them
    (render_markdown): Jekyll's `smartify`, which jekyll-feed applies to titles."""
    source = _TITLE_START + text.translate(_TITLE_ESCAPES)
    rendered = _to_html(source, Options.CMARK_OPT_SMART, ())
    inner = rendered.removeprefix("<p>").removesuffix("</p>\n")
    if len(inner) == len(rendered) - len("<p></p>\n") and inner.startswith(_TITLE_START):
        return unescape(inner)[len(_TITLE_START) :]
    return text  # not one paragraph: no title a person writes
