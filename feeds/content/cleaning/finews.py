"""Cleaning rules for the finews archive (eastmoney pages scraped into Jekyll posts).

Only this archive's junk lives here: chart widgets, ticker links, the site's
navigation footer, image credit lines and the `（文章来源：…）` convention. Rules
true of any HTML are reused from ``generic.py``, never repeated. No I/O.
"""

import re
from urllib.parse import urlsplit

from lxml import etree  # type: ignore[import-untyped, unused-ignore]
from lxml.html import HtmlElement  # type: ignore[import-untyped, unused-ignore]

from feeds.content.cleaning import generic
from feeds.content.cleaning.attribution import (
    Attribution,
    same_article,
    take_outlet_line,
    take_source_autolink,
)
from feeds.content.cleaning.generic import BLANK, Rule, neighbour
from feeds.content.cleaning.tree import (
    Node,
    comments,
    contents,
    is_comment,
    is_element,
    new_element,
    remove,
    select,
    tags,
    text_of,
    unwrap_all,
)

WIDGET_START = "EM_StockImg_Start"
WIDGET_END = "EM_StockImg_End"
CHART_IMAGE_HOSTS = frozenset({"webquoteklinepic.eastmoney.com"})
KEYWORD_LINK_CLASSES = frozenset({"infokey", "keytip"})
TICKER_SPAN_ID_PREFIXES = ("Info.", "bk_", "bkquote_", "quote_", "stock_")
TICKER_SPAN_CLASSES = frozenset({"em_stock_key_common"})
SCRAPER_ATTRIBUTES = frozenset({"orginial_src", "web"})
NAV_LINK_PREFIX = "返回"
NAV_SEPARATORS = "｜|"
OUTLET_LINE = re.compile(r"[（(]\s*文章来源\s*[：:]\s*(?P<outlet>.+?)\s*[）)]")
_IMAGES = etree.XPath("descendant::img[@src]")
_MAY_BE_NAV_FOOTERS = etree.XPath("descendant::p[a[contains(., '返回')]]")
_LINKS_WITH_CLASS = etree.XPath("descendant::a[@class]")
_SPANS_WITH_ATTRIBUTES = etree.XPath("descendant::span[@id or @web or @class]")
_WITH_SCRAPER_ATTRIBUTES = etree.XPath("(descendant::*/@orginial_src | descendant::*/@web)/..")
# The aggregator's copy links the article on eastmoney (`news/1353,<code>.html`), the
# outlet's copy its share page (`NewsShare.html?infoCode=NW<code>`): the code is one.
ARTICLE_CODE = re.compile(r"(?:/news/\d+,|[?&]infoCode=NW)(\d+)(?:\.html)?$")
IMAGE_CREDIT = re.compile(r"(?:图源|图片来源|图片|图|摄影|制图|供图)\s*[：:]\s*\S.*")


def is_marker(node: Node, marker: str) -> bool:
    """Tell whether a node is the `<!-- marker -->` comment."""
    return is_comment(node) and (node.text or "").strip() == marker  # type: ignore[union-attr]


def widget_nodes(start: HtmlElement) -> list[HtmlElement]:
    """List the start marker, the nodes after it, and the end marker; just the start if unclosed."""
    nodes = [start]
    for sibling in start.itersiblings():
        nodes.append(sibling)
        if is_marker(sibling, WIDGET_END):
            return nodes
    return [start]


def is_chart_image(image: HtmlElement) -> bool:
    """Tell whether an image is an eastmoney K-line chart, whatever its scheme."""
    src = image.get("src")
    try:
        host = urlsplit(src).hostname if src is not None else None
    except ValueError:
        return False
    return host in CHART_IMAGE_HOSTS


def classes(tag: HtmlElement) -> list[str]:
    """An element's classes."""
    return (tag.get("class") or "").split()


def is_keyword_link(tag: HtmlElement) -> bool:
    """Tell whether a link is a ticker or keyword tooltip (`a.keytip`, `a.infokey`)."""
    return tag.tag == "a" and not KEYWORD_LINK_CLASSES.isdisjoint(classes(tag))


def is_ticker_span(tag: HtmlElement) -> bool:
    """Tell whether a span wraps a ticker: `span#stock_…`, `span#quote_…`, `span[web]`."""
    span_id = tag.get("id")
    return (
        (span_id is not None and span_id.startswith(TICKER_SPAN_ID_PREFIXES))
        or "web" in tag.attrib
        or not TICKER_SPAN_CLASSES.isdisjoint(classes(tag))
    )


def is_nav_link(node: Node) -> bool:
    """Tell whether a node is a `返回…` navigation link."""
    return (
        is_element(node)
        and node.tag == "a"  # type: ignore[union-attr]
        and text_of(node).strip(BLANK).startswith(NAV_LINK_PREFIX)
    )


def is_nav_separator(node: Node) -> bool:
    """Tell whether a node only separates navigation links: blanks, `｜`, or a <br>."""
    if isinstance(node, str):
        return not node.strip(BLANK + NAV_SEPARATORS)
    return node.tag == "br"  # type: ignore[no-any-return]


def is_nav_footer(paragraph: HtmlElement) -> bool:
    """Tell whether a paragraph is only `返回…` links and separators, in any of the 4 forms."""
    found = False
    for node in contents(paragraph):  # each node read once, to the first that is neither
        if is_nav_link(node):
            found = True
        elif not is_nav_separator(node):
            return False
    return found


def is_image_credit(node: Node | None) -> bool:
    """Tell whether a node is a credit paragraph such as `图源：央视新闻`."""
    return (
        node is not None
        and is_element(node)
        and node.tag == "p"  # type: ignore[union-attr]
        and IMAGE_CREDIT.fullmatch(text_of(node).strip(BLANK)) is not None
    )


# Rules: each takes the parsed body and edits it in place.


def remove_widget_blocks(body: HtmlElement) -> None:
    """Drop `<!-- EM_StockImg_Start -->…End -->` chart widgets (two in 2022-02-11-NW…017262.md)."""
    for start in [node for node in comments(body) if is_marker(node, WIDGET_START)]:
        if start.getparent() is None:  # inside a widget already taken out
            continue
        nodes = widget_nodes(start)
        for node in nodes[:-1]:  # the text inside goes too; the text after the end stays
            node.tail = None
        for node in nodes:
            remove(node)


def remove_chart_images(body: HtmlElement) -> None:
    """Drop K-line charts outside widget markers, link and paragraph too (2022-06-14-NW…033.md)."""
    charts = [image for image in select(body, _IMAGES) if is_chart_image(image)]
    generic.remove_with_empty_ancestors(body, charts)


def remove_nav_footer(body: HtmlElement) -> None:
    """Drop the `[返回…新闻](…)｜[返回首页](…)` footer in all forms (2021-12-08-…206928461.md)."""
    for paragraph in select(body, _MAY_BE_NAV_FOOTERS):
        if is_nav_footer(paragraph):
            remove(paragraph)


def unwrap_keyword_links(body: HtmlElement) -> None:
    """Keep the text of `a.keytip`/`a.infokey` quote links, not the link (2022-01-21-…099936.md)."""
    unwrap_all([link for link in select(body, _LINKS_WITH_CLASS) if is_keyword_link(link)])


def unwrap_ticker_spans(body: HtmlElement) -> None:
    """Keep the text of `span#stock_…` and `span[web]` ticker spans (2022-05-30-…396671291.md)."""
    unwrap_all([span for span in select(body, _SPANS_WITH_ATTRIBUTES) if is_ticker_span(span)])


def attach_image_credits(body: HtmlElement) -> None:
    """Move a `图源：央视新闻` line after a figure into its figcaption (2022-01-25-NW…386140.md)."""
    for figure in tags(body, "figure"):
        credit = neighbour(figure, forward=True)
        if credit is None or isinstance(credit, str) or not is_image_credit(credit):
            continue
        caption = new_element(figure, "figcaption")
        caption.text = credit.text
        caption.extend(list(credit))
        remove(credit)
        figure.append(caption)


def drop_scraper_attributes(body: HtmlElement) -> None:
    """Drop attributes the scraper invented, like the misspelt `orginial_src` (…311033.md)."""
    for tag in select(body, _WITH_SCRAPER_ATTRIBUTES):
        attributes = tag.attrib
        for attribute in SCRAPER_ATTRIBUTES.intersection(attributes):
            del attributes[attribute]


def take_attribution(body: HtmlElement) -> Attribution:
    """Take out the `<http://…>` link and `（文章来源：…）` line (2022-01-21-…2257099936.md)."""
    original_url = take_source_autolink(body)
    outlet = take_outlet_line(body, OUTLET_LINE)
    return Attribution(outlet, original_url)


def article_of(url: str) -> str:
    """The article an original URL names: its eastmoney code, whichever copy links it
    (2022-01-07-202201072239307540.md and 2022-01-07-NW202201072239307540.md)."""
    code = ARTICLE_CODE.search(url)
    return f"eastmoney:{code[1]}" if code else same_article(url)


RULES: tuple[Rule, ...] = (
    remove_widget_blocks,  # needs the comments, so before generic.remove_comments
    remove_chart_images,
    generic.remove_non_content_elements,
    generic.remove_hidden_elements,  # needs the style attribute
    generic.remove_comments,
    remove_nav_footer,
    unwrap_keyword_links,
    unwrap_ticker_spans,
    generic.center_images_to_figures,
    attach_image_credits,
    generic.drop_presentational_attributes,
    drop_scraper_attributes,
    generic.unwrap_bare_spans,
    generic.remove_stray_breaks,
    generic.remove_empty_paragraphs,
    generic.strip_block_edges,
)
