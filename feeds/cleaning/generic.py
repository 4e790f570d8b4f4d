"""Cleaning rules true of any scraped HTML, whatever site it came from.

A rule is a small function that edits a parsed body in place; a profile lists the
rules it needs, in order. Nothing here names a site: each archive's own junk lives
in its own module (see ``finews.py``). Pure functions over the parse tree, no I/O.
"""

import re
from collections.abc import Callable
from urllib.parse import quote, urljoin, urlsplit

from bs4 import BeautifulSoup, Tag
from bs4.element import NavigableString, PageElement, PreformattedString

Rule = Callable[[BeautifulSoup], None]

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
# Characters XML 1.0 forbids (C0 controls but tab, LF, CR; lone surrogates; U+FFFE/U+FFFF),
# plus DEL and C1 controls, which it discourages and which are never text in a scraped page.
XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
# Feed readers want URIs, not IRIs (`·` in 2022-05-25-NW202205252391453833.md's footer):
# RFC 3986 reserved characters and "%" stay, anything else outside ASCII is percent-encoded.
URI_SAFE = "!#$%&'()*+,/:;=?@[]~"
BLANK = " \t\n\r\f\v\u00a0\u200b\u3000\ufeff"


def normalize_newlines(text: str) -> str:
    """Turn CRLF and lone CR into LF (2022-01-25-NW202201252261386140.md separates with CRLF)."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def remove_xml_forbidden_characters(text: str) -> str:
    """Delete characters an XML 1.0 feed may not carry (none in the corpus; a feed must parse)."""
    return XML_FORBIDDEN.sub("", text)


def is_blank(text: str) -> bool:
    """Tell whether text is only whitespace, NBSP or ideographic spaces (2022-05-31-…034850.md)."""
    return not text.strip(BLANK)


def tags(root: Tag, names: frozenset[str] | str | None = None) -> list[Tag]:
    """List the elements under root with one of the given names, in document order."""
    # A plain walk: bs4's find_all runs every node through its filter objects, which made
    # it most of the cost of cleaning a post.
    if names is None:
        return [node for node in root.descendants if isinstance(node, Tag)]
    wanted = {names} if isinstance(names, str) else names
    return [node for node in root.descendants if isinstance(node, Tag) and node.name in wanted]


def outermost(found: list[Tag]) -> list[Tag]:
    """Keep the elements that are not inside another listed one, so each is removed once."""
    listed = {id(tag) for tag in found}
    return [tag for tag in found if not any(id(parent) in listed for parent in tag.parents)]


def style_declarations(style: str) -> dict[str, str]:
    """Read an inline style into lower-cased property -> value, spaces and !important dropped."""
    declarations: dict[str, str] = {}
    for declaration in style.split(";"):
        name, _, value = declaration.partition(":")
        value = "".join(value.lower().replace("!important", "").split())
        if name.strip() and value:
            declarations[name.strip().lower()] = value
    return declarations


def is_hidden(tag: Tag) -> bool:
    """Tell whether `hidden` or an inline style hides an element (2022-01-21-…2257099936.md)."""
    if tag.has_attr("hidden"):
        return True
    style = tag.get("style")
    declarations = style_declarations(style) if isinstance(style, str) else {}
    return declarations.get("display") == "none" or declarations.get("visibility") in {
        "hidden",
        "collapse",
    }


def is_block(node: PageElement | None) -> bool:
    """Tell whether a node is a block-level element."""
    return isinstance(node, Tag) and node.name in BLOCK_TAGS


def is_text(node: PageElement) -> bool:
    """Tell whether a node is visible text, not a comment or other markup-only string."""
    return isinstance(node, NavigableString) and not isinstance(node, PreformattedString)


def is_blank_node(node: PageElement) -> bool:
    """Tell whether a node is whitespace-only text."""
    return is_text(node) and is_blank(str(node))


def neighbour(node: PageElement, *, forward: bool) -> PageElement | None:
    """Return the nearest sibling that is neither blank text nor a <br>, or None at the edge."""
    sibling = node.next_sibling if forward else node.previous_sibling
    while sibling is not None and (
        is_blank_node(sibling) or (isinstance(sibling, Tag) and sibling.name == "br")
    ):
        sibling = sibling.next_sibling if forward else sibling.previous_sibling
    return sibling


def is_stray_break(br: Tag) -> bool:
    """Tell whether a <br> opens or ends a block, or sits between blocks (2022-01-21-…099936.md)."""
    if not is_block(br.parent):
        return False
    before = neighbour(br, forward=False)
    after = neighbour(br, forward=True)
    return before is None or after is None or is_block(before) or is_block(after)


def has_media(tag: Tag) -> bool:
    """Tell whether an element holds an image or other media."""
    return tag.name in MEDIA_TAGS or bool(tags(tag, MEDIA_TAGS))


def shows_nothing(tag: Tag) -> bool:
    """Tell whether an element shows nothing: no text but blanks, no media."""
    return is_blank(tag.get_text()) and not has_media(tag)


def remove_with_empty_ancestors(tag: Tag) -> None:
    """Remove an element, then each ancestor left with nothing to show."""
    parent = tag.parent
    tag.decompose()
    while isinstance(parent, Tag) and parent.name not in {"body", "[document]"}:
        if not shows_nothing(parent):
            return
        grandparent = parent.parent
        parent.decompose()
        parent = grandparent


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


def absolutize_urls(soup: BeautifulSoup, base_url: str) -> None:
    """Make href/src/cite absolute, dropping bad ones and sourceless images (…206928461.md)."""
    for tag in tags(soup):
        for attribute in URL_ATTRIBUTES.intersection(tag.attrs):
            value = tag.get(attribute)
            url = absolute_url(value, base_url) if isinstance(value, str) else None
            if url is None:
                del tag[attribute]
            else:
                tag[attribute] = url
        if tag.name == "img" and not tag.has_attr("src"):
            tag.decompose()


# Rules: each takes the parsed body and edits it in place.


def remove_non_content_elements(soup: BeautifulSoup) -> None:
    """Drop scripts, styles, embeds, form controls, head matter and their content (XSS vectors)."""
    # libxml2 does not know <embed> and a few others are void and nests what follows them.
    for tag in tags(soup, REMOVED_WITH_CONTENT & VOID_ELEMENTS):
        tag.unwrap()
    for tag in outermost(tags(soup, REMOVED_WITH_CONTENT)):
        tag.decompose()


def remove_hidden_elements(soup: BeautifulSoup) -> None:
    """Drop elements the page never shows (`display:none` paragraphs, 2022-01-21-…099936.md)."""
    for tag in outermost([tag for tag in tags(soup) if is_hidden(tag)]):
        tag.decompose()


def remove_comments(soup: BeautifulSoup) -> None:
    """Drop comments, CDATA, doctypes, PIs (`<!-- EM_StockImg_End -->`, 2022-01-21-…099936.md)."""
    for node in [n for n in soup.descendants if isinstance(n, PreformattedString)]:
        node.extract()


def center_images_to_figures(soup: BeautifulSoup) -> None:
    """Make `<center><img></center>` a figure, other centers divs (2022-01-25-NW…386140.md)."""
    for center in tags(soup, "center"):
        content = [node for node in center.contents if not is_blank_node(node)]
        images_only = bool(content) and all(
            isinstance(node, Tag) and node.name == "img" for node in content
        )
        center.name = "figure" if images_only else "div"


def drop_presentational_attributes(soup: BeautifulSoup) -> None:
    """Drop style, class, sizes, borders, target and data-* attributes (2022-06-14-NW…311033.md)."""
    for tag in tags(soup):
        for attribute in list(tag.attrs):
            if attribute in PRESENTATIONAL_ATTRIBUTES or attribute.startswith("data-"):
                del tag[attribute]


def remove_stray_breaks(soup: BeautifulSoup) -> None:
    """Drop <br> at block edges or between blocks (`…。<br /></p>` in -202205262391921712.md)."""
    for br in [br for br in tags(soup, "br") if is_stray_break(br)]:
        br.decompose()


def remove_empty_paragraphs(soup: BeautifulSoup) -> None:
    """Drop paragraphs with nothing to show (`<p> </p>`, 2022-05-31-202205312398034850.md)."""
    for paragraph in outermost([tag for tag in tags(soup, "p") if shows_nothing(tag)]):
        paragraph.decompose()


def strip_block_edges(soup: BeautifulSoup) -> None:
    """Trim blanks at text-block edges (`<p> AI业内…`, 2022-01-25-NW202201252261386140.md)."""
    for block in tags(soup, TEXT_BLOCK_TAGS):
        if block.contents and is_text(block.contents[0]):
            _replace_text(block.contents[0], str(block.contents[0]).lstrip(BLANK))
        if block.contents and is_text(block.contents[-1]):
            _replace_text(block.contents[-1], str(block.contents[-1]).rstrip(BLANK))


def _replace_text(node: PageElement, text: str) -> None:
    # Only where the text changes: replace_with is the cost of cleaning.
    if str(node) != text:
        node.replace_with(text)


def unwrap_bare_spans(soup: BeautifulSoup) -> None:
    """Unwrap <span>s left without attributes: they only split the text."""
    for span in tags(soup, "span"):
        if not span.attrs:
            span.unwrap()


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
