"""The last line of defence: an allow-list sanitizer, then XML-compatible markup.

The policy is data (sets of tags, attributes and URL schemes) handed to nh3, a
maintained sanitizer; nothing here parses HTML by hand. The sanitized fragment is
then re-serialized so that it is well-formed XML as well as HTML. No site knowledge.
"""

from functools import cache

import nh3
from lxml import etree  # type: ignore[import-untyped, unused-ignore]
from lxml.html import HtmlElement  # type: ignore[import-untyped, unused-ignore]

from feeds.content.cleaning.generic import REMOVED_WITH_CONTENT, remove_xml_forbidden_characters
from feeds.content.cleaning.tree import check_shape, html_parser, serialize_children

ALLOWED_TAGS = frozenset(
    {
        "a",
        "abbr",
        "b",
        "blockquote",
        "br",
        "caption",
        "cite",
        "code",
        "dd",
        "del",
        "div",
        "dl",
        "dt",
        "em",
        "figcaption",
        "figure",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "i",
        "img",
        "ins",
        "kbd",
        "li",
        "mark",
        "ol",
        "p",
        "pre",
        "q",
        "s",
        "samp",
        "small",
        "strong",
        "sub",
        "sup",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "u",
        "ul",
        "var",
    }
)
ALLOWED_ATTRIBUTES: dict[str, frozenset[str]] = {
    "a": frozenset({"href", "title"}),
    "abbr": frozenset({"title"}),
    "img": frozenset({"alt", "src", "title"}),
    "ol": frozenset({"start"}),
    "td": frozenset({"colspan", "rowspan"}),
    "th": frozenset({"colspan", "rowspan", "scope"}),
}
# On every tag ("*"): ammonia's default.
GENERIC_ATTRIBUTES = frozenset({"lang", "title"})
URL_SCHEMES = frozenset({"http", "https", "mailto"})
# XML has no void elements: every other element needs an end tag, or an HTML parser
# reading `<a href="…"/>` back would leave the link open over the rest of the entry.
VOID_ELEMENTS = frozenset({"br", "hr", "img"})


@cache
def cleaner() -> nh3.Cleaner:
    """Build the nh3 cleaner once: relative URLs denied, no rel added, comments stripped."""
    return nh3.Cleaner(
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(REMOVED_WITH_CONTENT),
        attributes={
            "*": set(GENERIC_ATTRIBUTES),
            **{tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        },
        url_schemes=set(URL_SCHEMES),
        url_relative="deny",
        link_rel=None,
        strip_comments=True,
    )


def sanitize(html: str) -> str:
    """Keep only allowed tags, attributes and URL schemes (XSS vectors, tests/test_sanitize.py)."""
    return remove_xml_forbidden_characters(cleaner().clean(html))


def parse_fragment(html: str) -> HtmlElement:
    """Parse a sanitized fragment into the children of a wrapper <div>. nh3 can nest it
    deeper than it was (a <tbody> in each table), so its depth is checked again; its
    elements have the few attributes the policy allows, never too many.

    The tree lxml.html.fragment_fromstring builds, without moving each element into a
    new <div> of a document of its own, where each would be looked up in Python again
    (a third of what reading the fragment cost): the body is the <div>, and a leading
    string of white space only is dropped, as that function drops it."""
    check_shape(html, attributes=False)
    document = etree.fromstring(f"<html><body>{html}</body></html>", html_parser())
    wrapper: HtmlElement = document.find("body")
    if wrapper.text and not wrapper.text.strip():
        wrapper.text = None
    wrapper.tag = "div"
    return wrapper


def serialize_fragment(root: HtmlElement) -> str:
    """Write the wrapper's content as markup that is both XML and HTML (`<br/>`, `&amp;`)."""
    return serialize_children(root, VOID_ELEMENTS)
