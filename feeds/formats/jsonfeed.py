"""JSON Feed 1.1 (https://jsonfeed.org/version/1.1), from a planned feed, with orjson:
the same entries as the Atom feed, with the same ids, in the same order.

Byte-stable: keys in a fixed order (as written here, never a set's), UTF-8 (not ASCII
escapes), indented by two spaces, and a trailing newline: the bytes of the standard
library's `json.dumps(..., ensure_ascii=False, indent=2)`, which an indent confines to its
pure-Python encoder (three to six times slower; tests/test_jsonfeed.py compares the two).
No entry is kept between builds (PlannedEntry.kept is for Atom and RSS): the feed is made
whole from the planned feed whenever it changes, which costs less than feedgen's entries.
"""

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import orjson

from feeds.model import Author, PlannedEntry, PlannedFeed, Rendered
from feeds.text import field_text

VERSION = "https://jsonfeed.org/version/1.1"
FILE = "feed.json"  # see formats.FORMATS


class Writer:
    """JSON Feed for one build; it keeps nothing (`keep` is for the XML formats)."""

    def __init__(self, *, keep: bool = False) -> None:
        self.keep = keep
        self.items: Items = {}

    def render(self, feed: PlannedFeed, files: Sequence[str]) -> Rendered:
        return Rendered({name: document(feed, self.items) for name in files}, {})

    def forget(self, relpaths: Iterable[str]) -> None:
        """Drop the items of these posts: no feed of this build holds them now."""
        for relpath in relpaths:
            self.items.pop(relpath, None)


# Each entry's item, by post, with the PlannedEntry and the feed language it was made of:
# a post is in two feeds or more, and plan.feeds.planned_feed plans its entry once.
Items = dict[str, tuple[PlannedEntry, str | None, dict[str, Any]]]


def document(feed: PlannedFeed, items: Items | None = None) -> bytes:
    """The feed's JSON Feed document, UTF-8, ending in a newline. `items`: those made for
    the build's feeds before this one."""
    top: dict[str, Any] = {
        "version": VERSION,
        "title": field_text(feed.title),
        "home_page_url": feed.home,
        "feed_url": feed.url + FILE,
        "description": field_text(feed.subtitle or feed.title),
    }
    # JSON Feed's icon is the large one (512 pixels), its favicon the small one: the
    # logo and the icon of jekyll-feed's settings, each where only that one is set.
    if feed.logo or feed.icon:
        top["icon"] = feed.logo or feed.icon
    if feed.icon:
        top["favicon"] = feed.icon
    if feed.language:
        top["language"] = feed.language
    top["authors"] = [_author(feed.author)]
    if feed.hubs:
        top["hubs"] = [{"type": "WebSub", "url": hub} for hub in feed.hubs]
    known = {} if items is None else items
    top["items"] = [_item_of(entry, feed.language, known) for entry in feed.entries]
    return orjson.dumps(top, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE)


def _item_of(entry: PlannedEntry, language: str | None, items: Items) -> dict[str, Any]:
    made = items.get(entry.relpath)
    if made is None or made[0] is not entry or made[1] != language:
        made = items[entry.relpath] = (entry, language, _item(entry, language))
    return made[2]


def _item(entry: PlannedEntry, language: str | None) -> dict[str, Any]:
    item: dict[str, Any] = {"id": entry.id, "url": entry.link}
    if entry.original_url:
        item["external_url"] = entry.original_url
    item["title"] = field_text(entry.title)
    if not entry.excerpt_only:
        item["content_html"] = entry.html
    else:  # excerpt only: JSON Feed wants a content, and the summary is text
        item["content_text"] = field_text(entry.summary)
    item["summary"] = field_text(entry.summary)
    if entry.image:
        item["image"] = entry.image
    item["date_published"] = _date(entry.published)
    item["date_modified"] = _date(entry.updated)
    if entry.authors:
        item["authors"] = [_author(author) for author in entry.authors]
    if entry.categories:
        item["tags"] = [field_text(term) for term in entry.categories]
    if entry.language or language:
        item["language"] = entry.language or language
    return item


def _author(author: Author) -> dict[str, str]:
    """JSON Feed's author has a name and a url, no e-mail address: a uri, else none."""
    result = {"name": field_text(author.name)}
    if author.uri:
        result["url"] = author.uri
    return result


def _date(when: datetime) -> str:
    """RFC 3339, in the post's own offset, as Atom writes it."""
    return when.isoformat()
