"""Body cleaning: from a rendered, scraped post body to a safe, well-formed feed entry.

`clean_body` parses the body once, applies the chosen profile's rules in order,
takes out the attribution, absolutizes URLs, sanitizes with an allow-list and
serializes markup that is both HTML and XML. A profile is an ordered list of rules
plus how its archive states attribution; another archive's junk is a new profile.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from lxml import etree  # type: ignore[import-untyped, unused-ignore]
from lxml.html import HtmlElement  # type: ignore[import-untyped, unused-ignore]

from feeds.content.cleaning import finews
from feeds.content.cleaning.attribution import (
    Attribution,
    credit_line,
    no_attribution,
    resolve_attribution,
    same_article,
)
from feeds.content.cleaning.generic import (
    GENERIC_RULES,
    Rule,
    absolutize_urls,
    normalize_newlines,
    remove_xml_forbidden_characters,
)
from feeds.content.cleaning.sanitize import (
    parse_fragment,
    sanitize,
    serialize_fragment,
)
from feeds.content.cleaning.tree import (
    collapse_blank_strings,
    parse_document_body,
    select,
    serialize_children,
)
from feeds.content.summary import summarize_fragment

# Told each stage's name as it ends (benchmarks/clean.py times them); by default nothing.
Lap = Callable[[str], None]
# The elements with more than one attribute, as the parents of their second one.
_SEVERAL_ATTRIBUTES = etree.XPath("descendant-or-self::*/@*[2]/..")

__all__ = [
    "PROFILES",
    "CleanBody",
    "Lap",
    "Profile",
    "Rule",
    "clean_body",
    "clean_html",
    "get_profile",
    "no_lap",
]


@dataclass(frozen=True)
class CleanBody:
    """A cleaned entry body, its summary and where the story comes from."""

    html: str  # cleaned + sanitized fragment, well-formed, ending with the attribution line
    summary: str  # plain text, about 150-200 characters, never widget, footer or attribution
    outlet: str | None  # e.g. "上海证券报"
    original_url: str | None  # absolute http(s) URL of the original article


@dataclass(frozen=True)
class Profile:
    """An archive's cleaning rules, in order, and how it states attribution."""

    name: str
    rules: tuple[Rule, ...]
    take_attribution: Callable[[HtmlElement], Attribution]
    # What copies of one article share, from its original URL (see plan.feeds.fold).
    article_of: Callable[[str], str] = same_article


PROFILES: Mapping[str, Profile] = MappingProxyType(
    {
        "finews": Profile("finews", finews.RULES, finews.take_attribution, finews.article_of),
        "generic": Profile("generic", GENERIC_RULES, no_attribution),
    }
)


def get_profile(name: str) -> Profile:
    """Return the named profile, or raise ValueError naming the known ones."""
    try:
        return PROFILES[name]
    except KeyError:
        known = ", ".join(sorted(PROFILES))
        raise ValueError(f"unknown cleaning profile {name!r}; use one of: {known}") from None


def parse_body(html: str) -> HtmlElement:
    """Parse a fragment with lxml, inside an explicit body so leading comments stay in it."""
    body = parse_document_body(remove_xml_forbidden_characters(normalize_newlines(html)))
    collapse_blank_strings(body)
    return body


def apply_rules(body: HtmlElement, rules: tuple[Rule, ...]) -> None:
    """Apply each rule to the parsed body, in order."""
    for rule in rules:
        rule(body)


def serialize_body(body: HtmlElement) -> str:
    """Write the body's content back out, without the body element itself, attributes
    in name order (as feeds written by earlier versions have them)."""
    order_attributes(body)
    return serialize_children(body).strip()


def order_attributes(root: HtmlElement) -> None:
    """Put the attributes of each element below root in name order."""
    for element in select(root, _SEVERAL_ATTRIBUTES):
        attributes = element.attrib
        ordered = sorted(attributes.items())
        if ordered != attributes.items():
            attributes.clear()
            attributes.update(ordered)


def clean_html(html: str, rules: tuple[Rule, ...]) -> str:
    """Parse once, apply the rules in order and serialize, without sanitizing."""
    body = parse_body(html)
    apply_rules(body, rules)
    return serialize_body(body)


def no_lap(stage: str) -> None:
    """A Lap that does nothing: how a build runs."""


def clean_body(
    html: str,
    *,
    base_url: str,
    profile: str = "finews",
    outlet: str | None = None,
    original_url: str | None = None,
    lap: Lap = no_lap,
) -> CleanBody:
    """Clean a rendered post body; `outlet`/`original_url` from front matter win over the body's."""
    chosen = get_profile(profile)
    parsed = parse_body(html)
    lap("parse")
    apply_rules(parsed, chosen.rules)
    found = chosen.take_attribution(parsed)
    absolutize_urls(parsed, base_url)
    lap("rules")
    # nh3 writes HTML5 (`<br>`, `<img …>`); lxml re-reads it so that the entry is
    # written as markup that XML and HTML parsers both accept. nh3 keeps the attributes
    # it allows in the order it reads them: they are put in order once it has dropped
    # the others, on the few elements left with more than one.
    body = parse_fragment(sanitize(serialize_children(parsed).strip()))
    order_attributes(body)
    lap("sanitize")
    attribution = resolve_attribution(
        found, base_url=base_url, outlet=outlet, original_url=original_url
    )
    summary = summarize_fragment(body)
    lap("summary")
    credit = credit_line(attribution)
    content = serialize_fragment(body).strip()
    lap("serialize")
    return CleanBody(
        html="\n".join(part for part in (content, credit) if part),
        summary=summary,
        outlet=attribution.outlet,
        original_url=attribution.original_url,
    )
