"""Markdown to HTML, as Jekyll would render a post body. No business logic."""

import re
import string
from html import unescape

import cmarkgfm
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


def render_markdown(body: str, *, smart_quotes: bool = True) -> str:
    """Render a post body (Markdown mixed with raw HTML) to an HTML fragment; with
    `smart_quotes`, as kramdown does by default: ’ “ ” – — … in the text."""
    if "&#" in body:
        body = _NONCHARACTER_REFERENCE.sub("&#xFFFD;", body)
    options = _OPTIONS | Options.CMARK_OPT_SMART if smart_quotes else _OPTIONS
    html: str = cmarkgfm.markdown_to_html_with_extensions(
        body, options=options, extensions=_EXTENSIONS
    )
    return html


# A title's ASCII punctuation, escaped but for what smart punctuation reads (' " - .):
# nothing else in it is read as Markdown. The no-break space before it keeps a leading
# `- `, `1. ` or `---` from starting a list or a rule, and counts as the line's start.
_TITLE_ESCAPES = str.maketrans({c: "\\" + c for c in string.punctuation if c not in "'\"-."})
_TITLE_START = "\u00a0"


def smartify(text: str) -> str:
    """Text with typographic quotes, dashes and ellipses, as a body's text gets them
    (render_markdown): Jekyll's `smartify`, which jekyll-feed applies to titles."""
    source = _TITLE_START + text.translate(_TITLE_ESCAPES)
    rendered: str = cmarkgfm.markdown_to_html_with_extensions(
        source, options=Options.CMARK_OPT_SMART, extensions=()
    )
    inner = rendered.removeprefix("<p>").removesuffix("</p>\n")
    if len(inner) == len(rendered) - len("<p></p>\n") and inner.startswith(_TITLE_START):
        return unescape(inner)[len(_TITLE_START) :]
    return text  # not one paragraph: no title a person writes
