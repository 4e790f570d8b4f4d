"""Cleaning rules true of any scraped HTML, whatever site it came from.

A rule is a small function that edits a parsed body in place; a profile lists the
rules it needs, in order. Nothing here names a site: each archive's own junk lives
in its own module (see ``finews.py``). Pure functions over the parse tree, no I/O.
"""

from collections.abc import Callable
from urllib.parse import quote, urljoin, urlsplit

from lxml import etree  # type: ignore[import-untyped, unused-ignore]
from lxml.html import HtmlElement  # type: ignore[import-untyped, unused-ignore]

from feeds.content.cleaning.tree import (
    Node,
    comments,
    contents,
    is_element,
    remove,
    remove_all,
    select,
    tags,
    text_before,
    text_of,
    unwrap_all,
)
from feeds.text import xml_safe

Rule = Callable[[HtmlElement], None]  # edits the parsed body in place

VOID_ELEMENTS = frozenset(
    {"base", "embed", "input", "keygen", "link", "meta", "param", "source", "track", "wbr"}
)
REMOVED_WITH_CONTENT = frozenset(
    {
        "applet",
        "base",
        "button",
        "embed",
        "frame",
        "frameset",
        "head",
        "iframe",
        "input",
        "link",
        "math",
        "meta",
        "noembed",
        "noframes",
        "noscript",
        "object",
        "plaintext",
        "script",
        "select",
        "style",
        "svg",
        "template",
        "textarea",
        "title",
        "xmp",
    }
)
PRESENTATIONAL_ATTRIBUTES = frozenset(
    {
        "align",
        "bgcolor",
        "border",
        "cellpadding",
        "cellspacing",
        "class",
        "color",
        "face",
        "height",
        "hspace",
        "size",
        "style",
        "target",
        "valign",
        "vspace",
        "width",
    }
)
BLOCK_TAGS = frozenset(
    {
        "address",
        "article",
        "aside",
        "blockquote",
        "body",
        "dd",
        "div",
        "dl",
        "dt",
        "figcaption",
        "figure",
        "footer",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "td",
        "th",
        "ul",
    }
)
TEXT_BLOCK_TAGS = frozenset(
    {"dd", "dt", "figcaption", "h1", "h2", "h3", "h4", "h5", "h6", "li", "p"}
)
MEDIA_TAGS = frozenset({"audio", "img", "picture", "video"})
URL_ATTRIBUTES = frozenset({"cite", "href", "src"})
SAFE_URL_SCHEMES = frozenset({"http", "https", "mailto"})
# Feed readers want URIs, not IRIs (`·` in 2022-05-25-NW202205252391453833.md's footer):
# RFC 3986 reserved characters and "%" stay, anything else outside ASCII is percent-encoded.
URI_SAFE = "!#$%&'()*+,/:;=?@[]~"
BLANK = " \t\n\r\f\v\u00a0\u200b\u3000\ufeff"
# The elements with one of the attributes, as the parents of those attributes: libxml2
# finds them in half the time it takes to test each element for each name.
_MAY_BE_HIDDEN = etree.XPath("(descendant::*/@hidden | descendant::*/@style)/..")
_WITH_ATTRIBUTES = etree.XPath("descendant::*/@*/..")
_WITH_URL_OR_IMAGE = etree.XPath(
    "(descendant::*/@href | descendant::*/@src | descendant::*/@cite)/.. | descendant::img"
)


def normalize_newlines(text: str) -> str:
    """Turn CRLF and lone CR into LF (2022-01-25-NW202201252261386140.md separates with CRLF)."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def remove_xml_forbidden_characters(text: str) -> str:
    """Delete characters an XML 1.0 feed may not carry (none in the corpus; a feed must parse)."""
    return xml_safe(text)


def is_blank(text: str) -> bool:
    """Tell whether text is only whitespace, NBSP or ideographic spaces (2022-05-31-…034850.md)."""
    return not text.strip(BLANK)


def outermost(found: list[HtmlElement]) -> list[HtmlElement]:
    """Keep the elements that are not inside another listed one, so each is removed once."""
    listed = set(found)
    return [tag for tag in found if not any(parent in listed for parent in tag.iterancestors())]


def style_declarations(style: str) -> dict[str, str]:
    """Read an inline style into lower-cased property -> value, spaces and !important dropped."""
    declarations: dict[str, str] = {}
    for declaration in style.split(";"):
        name, _, value = declaration.partition(":")
        value = "".join(value.lower().replace("!important", "").split())
        if name.strip() and value:
            declarations[name.strip().lower()] = value
    return declarations


def is_hidden(tag: HtmlElement) -> bool:
    """Tell whether `hidden` or an inline style hides an element (2022-01-21-…2257099936.md)."""
    if "hidden" in tag.attrib:
        return True
    style = tag.get("style")
    declarations = style_declarations(style) if style else {}
    return declarations.get("display") == "none" or declarations.get("visibility") in {
        "hidden",
        "collapse",
    }


def is_block(node: Node | None) -> bool:
    """Tell whether a node is a block-level element."""
    return node is not None and is_element(node) and node.tag in BLOCK_TAGS  # type: ignore[union-attr]


def is_blank_node(node: Node) -> bool:
    """Tell whether a node is whitespace-only text."""
    return isinstance(node, str) and is_blank(node)


def neighbour(
    node: HtmlElement, *, forward: bool, known: dict[HtmlElement, Node | None] | None = None
) -> Node | None:
    """Return the nearest sibling that is neither blank text nor a <br>, or None at the edge.

    `known`: each <br> walked past, with what was found that way; one <br> of a run then
    finds it without walking the run again, which made 20,000 of them cost 45 s.
    """
    if known is not None and node in known:
        return known[node]
    passed = [node] if node.tag == "br" else []
    while True:
        text = node.tail if forward else text_before(node)
        if text and not is_blank(text):
            found: Node | None = text
            break
        sibling = node.getnext() if forward else node.getprevious()
        if sibling is None or sibling.tag != "br":
            found = sibling
            break
        if known is not None and sibling in known:
            found = known[sibling]
            break
        passed.append(sibling)
        node = sibling
    if known is not None:
        known.update(dict.fromkeys(passed, found))
    return found


def is_stray_break(
    br: HtmlElement,
    before: dict[HtmlElement, Node | None] | None = None,
    after: dict[HtmlElement, Node | None] | None = None,
) -> bool:
    """Tell whether a <br> opens or ends a block, or sits between blocks (2022-01-21-…099936.md).
    `before`, `after`: see neighbour, for the <br>s of one tree."""
    if not is_block(br.getparent()):
        return False
    previous = neighbour(br, forward=False, known=before)
    following = neighbour(br, forward=True, known=after)
    return previous is None or following is None or is_block(previous) or is_block(following)


def has_media(tag: HtmlElement) -> bool:
    """Tell whether an element holds an image or other media."""
    return tag.tag in MEDIA_TAGS or next(tag.iter(*MEDIA_TAGS), None) is not None


def shows_nothing(tag: HtmlElement) -> bool:
    """Tell whether an element shows nothing: no text but blanks, no media."""
    text = tag.text
    if text and text.strip(BLANK):  # most paragraphs: no need to read them whole
        return False
    return is_blank(text_of(tag)) and not has_media(tag)


def remove_with_empty_ancestors(body: HtmlElement, found: list[HtmlElement]) -> None:
    """Remove the elements, then each of their ancestors below body left with nothing to
    show.

    Each ancestor is looked at once, deepest first, after all the elements are out: one
    at a time, each removal read again the whole text of the ancestors it left, which made
    a <div> of 8,500 paragraphs with a chart each take 80 s. An ancestor that shows
    something has every one above it show something too, as one at a time found.
    """
    ancestors: set[HtmlElement] = set()
    for tag in found:
        for ancestor in tag.iterancestors():
            if ancestor is body or ancestor in ancestors:
                break
            ancestors.add(ancestor)
    if not ancestors:
        remove_all(found)
        return
    in_order = [element for element in body.iter(etree.Element) if element in ancestors]
    remove_all(found)
    for ancestor in reversed(in_order):  # a descendant before its ancestors
        if shows_nothing(ancestor):
            remove(ancestor)


def absolute_url(url: str, base_url: str) -> str | None:
    """Resolve a URL against the page, `//…` as https:, None unless http(s)/mailto (…891339.md)."""
    url = url.strip(BLANK)
    if not url:
        return None
    if url.startswith("//"):
        url = "https:" + url
    try:
        joined = urljoin(base_url, url)
        parts = urlsplit(joined)
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in SAFE_URL_SCHEMES or (scheme != "mailto" and not parts.netloc):
        return None
    return quote(joined, safe=URI_SAFE)


def absolutize_urls(body: HtmlElement, base_url: str) -> None:
    """Make href/src/cite absolute, dropping bad ones and sourceless images (…206928461.md)."""
    for tag in select(body, _WITH_URL_OR_IMAGE):
        attributes = tag.attrib
        for attribute in URL_ATTRIBUTES.intersection(attributes):
            url = absolute_url(attributes[attribute], base_url)
            if url is None:
                del attributes[attribute]
            else:
                attributes[attribute] = url
        if tag.tag == "img" and "src" not in attributes:
            remove(tag)


# Rules: each takes the parsed body and edits it in place.


def remove_non_content_elements(body: HtmlElement) -> None:
    """Drop scripts, styles, embeds, form controls, head matter and their content (XSS vectors)."""
    # libxml2 does not know <embed> and a few others are void and nests what follows them.
    unwrap_all(tags(body, REMOVED_WITH_CONTENT & VOID_ELEMENTS))
    remove_all(outermost(tags(body, REMOVED_WITH_CONTENT)))


def remove_hidden_elements(body: HtmlElement) -> None:
    """Drop elements the page never shows (`display:none` paragraphs, 2022-01-21-…099936.md)."""
    remove_all(outermost([tag for tag in select(body, _MAY_BE_HIDDEN) if is_hidden(tag)]))


def remove_comments(body: HtmlElement) -> None:
    """Drop comments and processing instructions (`<!-- EM_StockImg_End -->`, …099936.md)."""
    remove_all(comments(body))


def center_images_to_figures(body: HtmlElement) -> None:
    """Make `<center><img></center>` a figure, other centers divs (2022-01-25-NW…386140.md)."""
    for center in tags(body, "center"):
        content = [node for node in contents(center) if not is_blank_node(node)]
        images_only = bool(content) and all(
            is_element(node) and node.tag == "img"  # type: ignore[union-attr]
            for node in content
        )
        center.tag = "figure" if images_only else "div"


def drop_presentational_attributes(body: HtmlElement) -> None:
    """Drop style, class, sizes, borders, target and data-* attributes (2022-06-14-NW…311033.md)."""
    for tag in select(body, _WITH_ATTRIBUTES):
        attributes = tag.attrib
        for attribute in list(attributes):
            if attribute in PRESENTATIONAL_ATTRIBUTES or attribute.startswith("data-"):
                del attributes[attribute]


def remove_stray_breaks(body: HtmlElement) -> None:
    """Drop <br> at block edges or between blocks (`…。<br /></p>` in -202205262391921712.md)."""
    before: dict[HtmlElement, Node | None] = {}
    after: dict[HtmlElement, Node | None] = {}
    remove_all([br for br in tags(body, "br") if is_stray_break(br, before, after)])


def remove_empty_paragraphs(body: HtmlElement) -> None:
    """Drop paragraphs with nothing to show (`<p> </p>`, 2022-05-31-202205312398034850.md)."""
    remove_all(outermost([tag for tag in tags(body, "p") if shows_nothing(tag)]))


def strip_block_edges(body: HtmlElement) -> None:
    """Trim blanks at text-block edges (`<p> AI业内…`, 2022-01-25-NW202201252261386140.md)."""
    for block in tags(body, TEXT_BLOCK_TAGS):
        text = block.text
        if text and text[0] in BLANK:
            block.text = text = text.lstrip(BLANK)
        if len(block):
            last = block[-1]
            tail = last.tail
            if tail and tail[-1] in BLANK:
                last.tail = tail.rstrip(BLANK)
        elif text and text[-1] in BLANK:
            block.text = text.rstrip(BLANK)


def unwrap_bare_spans(body: HtmlElement) -> None:
    """Unwrap <span>s left without attributes: they only split the text."""
    unwrap_all([span for span in tags(body, "span") if not span.attrib])


GENERIC_RULES: tuple[Rule, ...] = (
    remove_non_content_elements,
    remove_hidden_elements,
    remove_comments,
    center_images_to_figures,
    drop_presentational_attributes,
    unwrap_bare_spans,
    remove_stray_breaks,
    remove_empty_paragraphs,
    strip_block_edges,
)
