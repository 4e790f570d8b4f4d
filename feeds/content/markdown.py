"""Markdown to HTML, as Jekyll would render a post body. No business logic."""

import re

import cmarkgfm
from cmarkgfm.cmark import Options

# CommonMark with raw HTML passed through (the cleaner and nh3 deal with it): scraped
# bodies are mostly HTML blocks, with Markdown blockquotes, autolinks and links around them.
_OPTIONS = Options.CMARK_OPT_UNSAFE
# cmark encodes the references to U+FFFE and U+FFFF as bytes that are not UTF-8, and the
# binding then fails. No XML document may hold them: they become U+FFFD first.
_NONCHARACTER_REFERENCE = re.compile(r"&#(?:[xX]0*[fF]{3}[eEfF]|0*6553[45]);")


def render_markdown(body: str) -> str:
    """Render a post body (Markdown mixed with raw HTML) to an HTML fragment."""
    if "&#" in body:
        body = _NONCHARACTER_REFERENCE.sub("&#xFFFD;", body)
    html: str = cmarkgfm.markdown_to_html(body, options=_OPTIONS)
    return html
