"""Cleaning rules for the finews archive (eastmoney pages scraped into Jekyll posts).

Only this archive's junk lives here: chart widgets, ticker links, the site's
navigation footer, image credit lines and the `（文章来源：…）` convention. Rules
true of any HTML are reused from ``generic.py``, never repeated. No I/O.
"""

import re
from urllib.parse import urlsplit

from bs4 import BeautifulSoup, Comment, Tag
from bs4.element import PageElement

from feeds.cleaning import generic
from feeds.cleaning.attribution import Attribution, take_outlet_line, take_source_autolink
from feeds.cleaning.generic import BLANK, Rule, is_text, neighbour, tags

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
IMAGE_CREDIT = re.compile(r"(?:图源|图片来源|图片|图|摄影|制图|供图)\s*[：:]\s*\S.*")


def is_marker(node: PageElement, marker: str) -> bool:
    """Tell whether a node is the `<!-- marker -->` comment."""
    return isinstance(node, Comment) and node.strip() == marker


def widget_nodes(start: Comment) -> list[PageElement]:
    """List the start marker, what follows it, and the end marker; just the start if unclosed."""
    nodes: list[PageElement] = [start]
    for sibling in start.next_siblings:
        nodes.append(sibling)
        if is_marker(sibling, WIDGET_END):
            return nodes
    return [start]


def is_chart_image(image: Tag) -> bool:
    """Tell whether an image is an eastmoney K-line chart, whatever its scheme."""
    src = image.get("src")
    try:
        host = urlsplit(src).hostname if isinstance(src, str) else None
    except ValueError:
        return False
    return host in CHART_IMAGE_HOSTS


def is_keyword_link(tag: Tag) -> bool:
    """Tell whether a link is a ticker or keyword tooltip (`a.keytip`, `a.infokey`)."""
    return tag.name == "a" and not KEYWORD_LINK_CLASSES.isdisjoint(tag.get_attribute_list("class"))


def is_ticker_span(tag: Tag) -> bool:
    """Tell whether a span wraps a ticker: `span#stock_…`, `span#quote_…`, `span[web]`."""
    span_id = tag.get("id")
    return (
        (isinstance(span_id, str) and span_id.startswith(TICKER_SPAN_ID_PREFIXES))
        or tag.has_attr("web")
        or not TICKER_SPAN_CLASSES.isdisjoint(tag.get_attribute_list("class"))
    )


def is_nav_link(node: PageElement) -> bool:
    """Tell whether a node is a `返回…` navigation link."""
    return (
        isinstance(node, Tag)
        and node.name == "a"
        and node.get_text().strip(BLANK).startswith(NAV_LINK_PREFIX)
    )


def is_nav_separator(node: PageElement) -> bool:
    """Tell whether a node only separates navigation links: blanks, `｜`, or a <br>."""
    if isinstance(node, Tag):
        return node.name == "br"
    return is_text(node) and not str(node).strip(BLANK + NAV_SEPARATORS)


def is_nav_footer(paragraph: Tag) -> bool:
    """Tell whether a paragraph is only `返回…` links and separators, in any of the 4 forms."""
    links = [node for node in paragraph.contents if is_nav_link(node)]
    rest = [node for node in paragraph.contents if not is_nav_link(node)]
    return bool(links) and all(is_nav_separator(node) for node in rest)


def is_image_credit(node: PageElement | None) -> bool:
    """Tell whether a node is a credit paragraph such as `图源：央视新闻`."""
    return (
        isinstance(node, Tag)
        and node.name == "p"
        and IMAGE_CREDIT.fullmatch(node.get_text().strip(BLANK)) is not None
    )


# Rules: each takes the parsed body and edits it in place.


def remove_widget_blocks(soup: BeautifulSoup) -> None:
    """Drop `<!-- EM_StockImg_Start -->…End -->` chart widgets (two in 2022-02-11-NW…017262.md)."""
    starts = [node for node in soup.descendants if is_marker(node, WIDGET_START)]
    for start in [node for node in starts if isinstance(node, Comment)]:
        for node in widget_nodes(start):
            node.extract()


def remove_chart_images(soup: BeautifulSoup) -> None:
    """Drop K-line charts outside widget markers, link and paragraph too (2022-06-14-NW…033.md)."""
    for image in tags(soup, "img"):
        if is_chart_image(image):
            generic.remove_with_empty_ancestors(image)


def remove_nav_footer(soup: BeautifulSoup) -> None:
    """Drop the `[返回…新闻](…)｜[返回首页](…)` footer in all forms (2021-12-08-…206928461.md)."""
    for paragraph in tags(soup, "p"):
        if is_nav_footer(paragraph):
            paragraph.decompose()


def unwrap_keyword_links(soup: BeautifulSoup) -> None:
    """Keep the text of `a.keytip`/`a.infokey` quote links, not the link (2022-01-21-…099936.md)."""
    for link in tags(soup, "a"):
        if is_keyword_link(link):
            link.unwrap()


def unwrap_ticker_spans(soup: BeautifulSoup) -> None:
    """Keep the text of `span#stock_…` and `span[web]` ticker spans (2022-05-30-…396671291.md)."""
    for span in tags(soup, "span"):
        if is_ticker_span(span):
            span.unwrap()


def attach_image_credits(soup: BeautifulSoup) -> None:
    """Move a `图源：央视新闻` line after a figure into its figcaption (2022-01-25-NW…386140.md)."""
    for figure in tags(soup, "figure"):
        credit = neighbour(figure, forward=True)
        if isinstance(credit, Tag) and is_image_credit(credit):
            caption = soup.new_tag("figcaption")
            caption.extend(list(credit.contents))
            credit.decompose()
            figure.append(caption)


def drop_scraper_attributes(soup: BeautifulSoup) -> None:
    """Drop attributes the scraper invented, like the misspelt `orginial_src` (…311033.md)."""
    for tag in tags(soup):
        for attribute in SCRAPER_ATTRIBUTES.intersection(tag.attrs):
            del tag[attribute]


def take_attribution(soup: BeautifulSoup) -> Attribution:
    """Take out the `<http://…>` link and `（文章来源：…）` line (2022-01-21-…2257099936.md)."""
    original_url = take_source_autolink(soup)
    outlet = take_outlet_line(soup, OUTLET_LINE)
    return Attribution(outlet, original_url)


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
