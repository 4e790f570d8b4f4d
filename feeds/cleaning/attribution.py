"""Where a story comes from: the outlet that published it and the original article.

Holds the mechanics of finding both at the end of a scraped body, of letting front
matter override them, and of writing the visible credit line. Which text patterns
an archive uses is up to its cleaning profile (see ``feeds.cleaning.finews``).
"""

import re
from dataclasses import dataclass
from html import escape
from urllib.parse import unquote, urlsplit

from bs4 import BeautifulSoup, Tag

from feeds.cleaning.generic import (
    absolute_url,
    is_blank,
    is_blank_node,
    remove_xml_forbidden_characters,
    tags,
)

CREDIT_LABEL = "来源："
ORIGINAL_LABEL = "原文"
SEPARATOR = " · "
EMPTY_AUTOLINK = "<>"
AUTOLINK_SCHEMES = frozenset({"http", "https"})


@dataclass(frozen=True)
class Attribution:
    """The outlet's name and the original article's absolute URL, each when known."""

    outlet: str | None = None
    original_url: str | None = None


def no_attribution(soup: BeautifulSoup) -> Attribution:
    """Find nothing: for archives whose bodies carry no attribution convention."""
    return Attribution()


def normalize_outlet(name: str | None) -> str | None:
    """Collapse blanks and drop control characters in an outlet name; None when nothing is left."""
    collapsed = " ".join(remove_xml_forbidden_characters(name or "").split())
    return collapsed or None


def last_block(soup: BeautifulSoup) -> Tag | None:
    """Return the body's last top-level element, if it ends with one."""
    root = soup.body or soup
    for node in reversed(root.contents):
        if isinstance(node, Tag):
            return node
        if not is_blank_node(node):
            return None
    return None


def autolink_url(paragraph: Tag) -> str | None:
    """Return the URL of a paragraph that is only a bare http(s) link, like `<http://…>` renders."""
    content = [node for node in paragraph.contents if not is_blank_node(node)]
    if len(content) != 1 or not isinstance(content[0], Tag) or content[0].name != "a":
        return None
    href = content[0].get("href")
    if not isinstance(href, str) or unquote(href) != unquote(content[0].get_text().strip()):
        return None
    return href if urlsplit(href).scheme.lower() in AUTOLINK_SCHEMES else None


def take_source_autolink(soup: BeautifulSoup) -> str | None:
    """Remove the closing autolink or empty `<>` and return its URL (2021-12-08-…206870651.md)."""
    block = last_block(soup)
    if block is None or block.name != "p":
        return None
    if block.get_text().strip() == EMPTY_AUTOLINK:
        block.decompose()
        return None
    url = autolink_url(block)
    if url is not None:
        block.decompose()
    return url


def take_outlet_line(soup: BeautifulSoup, pattern: re.Pattern[str]) -> str | None:
    """Remove the last paragraph matching pattern and return its `outlet` group."""
    for paragraph in reversed(tags(soup, "p")):
        text = paragraph.get_text()
        if is_blank(text):
            continue
        match = pattern.fullmatch(text.strip())
        if match:
            paragraph.decompose()
            return normalize_outlet(match.group("outlet"))
    return None


def resolve_attribution(
    found: Attribution, *, base_url: str, outlet: str | None, original_url: str | None
) -> Attribution:
    """Let front matter values win over what the body gave; keep only usable http(s) URLs."""
    given_url = absolute_url(original_url, base_url) if original_url else None
    found_url = absolute_url(found.original_url, base_url) if found.original_url else None
    url = given_url or found_url
    if url is not None and urlsplit(url).scheme not in AUTOLINK_SCHEMES:
        url = None
    return Attribution(normalize_outlet(outlet) or normalize_outlet(found.outlet), url)


def credit_line(attribution: Attribution) -> str:
    """Write `<p>来源：上海证券报 · <a href="…">原文</a></p>`, or "" when nothing is known."""
    parts = []
    if attribution.outlet:
        parts.append(escape(attribution.outlet, quote=False))
    if attribution.original_url:
        parts.append(f'<a href="{escape(attribution.original_url)}">{ORIGINAL_LABEL}</a>')
    return f"<p>{CREDIT_LABEL}{SEPARATOR.join(parts)}</p>" if parts else ""
