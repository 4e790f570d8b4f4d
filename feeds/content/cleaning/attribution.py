"""Where a story comes from: the outlet that published it and the original article.

Holds the mechanics of finding both at the end of a scraped body, of letting front
matter override them, and of writing the visible credit line. Which text patterns
an archive uses is up to its cleaning profile (see ``feeds.content.cleaning.finews``).
"""

import re
from dataclasses import dataclass
from html import escape
from urllib.parse import unquote, urlsplit

from lxml.html import HtmlElement  # type: ignore[import-untyped, unused-ignore]

from feeds.content.cleaning.generic import (
    absolute_url,
    is_blank,
    is_blank_node,
    remove_xml_forbidden_characters,
)
from feeds.content.cleaning.tree import contents, is_element, remove, tags, text_of
from feeds.text import field_text
from feeds.urls import safe_link

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


def no_attribution(body: HtmlElement) -> Attribution:
    """Find nothing: for archives whose bodies carry no attribution convention."""
    return Attribution()


def normalize_outlet(name: str | None) -> str | None:
    """Collapse blanks and drop control characters in an outlet name; None when nothing is left."""
    collapsed = " ".join(remove_xml_forbidden_characters(name or "").split())
    return collapsed or None


def last_block(body: HtmlElement) -> HtmlElement | None:
    """Return the body's last top-level element, if it ends with one."""
    if not len(body):
        return None
    last = body[-1]
    if last.tail and not is_blank(last.tail):
        return None
    return last if is_element(last) else None


def autolink_url(paragraph: HtmlElement) -> str | None:
    """Return the URL of a paragraph that is only a bare http(s) link, like `<http://…>` renders."""
    content = [node for node in contents(paragraph) if not is_blank_node(node)]
    if len(content) != 1 or isinstance(content[0], str) or content[0].tag != "a":
        return None
    link = content[0]
    href = link.get("href")
    if href is None or unquote(href) != unquote(text_of(link).strip()):
        return None
    return href if urlsplit(href).scheme.lower() in AUTOLINK_SCHEMES else None


def take_source_autolink(body: HtmlElement) -> str | None:
    """Remove the closing autolink or empty `<>` and return its URL (2021-12-08-…206870651.md)."""
    block = last_block(body)
    if block is None or block.tag != "p":
        return None
    if text_of(block).strip() == EMPTY_AUTOLINK:
        remove(block)
        return None
    url = autolink_url(block)
    if url is not None:
        remove(block)
    return url


def take_outlet_line(body: HtmlElement, pattern: re.Pattern[str]) -> str | None:
    """Remove the last paragraph matching pattern and return its `outlet` group."""
    for paragraph in reversed(tags(body, "p")):
        text = text_of(paragraph)
        if is_blank(text):
            continue
        match = pattern.fullmatch(text.strip())
        if match:
            remove(paragraph)
            return normalize_outlet(match.group("outlet"))
    return None


def resolve_attribution(
    found: Attribution, *, base_url: str, outlet: str | None, original_url: str | None
) -> Attribution:
    """Let front matter values win over what the body gave; keep only usable http(s) URLs."""
    url = absolute_url(original_url, base_url) if original_url else None
    if not url and found.original_url:
        url = absolute_url(found.original_url, base_url)
    if url is not None and safe_link(url) is None:
        url = None
    return Attribution(normalize_outlet(outlet) or normalize_outlet(found.outlet), url)


def same_article(url: str) -> str:
    """What two copies of one article share: the original's URL, but for its scheme,
    the case of its host and its fragment."""
    parts = urlsplit(url)
    query = f"?{parts.query}" if parts.query else ""
    return f"{parts.netloc.lower()}{parts.path}{query}"


def credit_line(attribution: Attribution) -> str:
    """Write `<p>来源：上海证券报 · <a href="…">原文</a></p>`, or "" when nothing is known."""
    parts = []
    if attribution.outlet:
        parts.append(field_text(attribution.outlet, "html"))
    if attribution.original_url:
        parts.append(f'<a href="{escape(attribution.original_url)}">{ORIGINAL_LABEL}</a>')
    return f"<p>{CREDIT_LABEL}{SEPARATOR.join(parts)}</p>" if parts else ""
