"""Which entries each feed holds, and the planned feeds (model.PlannedFeed) made of them.

The combined feed, one feed per category and, when the site asks (jekyll-feed's `feed:
tags:`), one per tag, each filled newest first with up to `limit`
articles. Copies of one article (an aggregator's and the outlet's) are folded into the
one with the richest attribution. The posts come from the cache's ordered queries and the
entries from the entry cache, as the pipeline hands them in: no I/O here.
"""

import hashlib
from collections.abc import (
    Callable,
    Collection,
    Iterable,
    Iterator,
    Mapping,
    MutableMapping,
    Sequence,
)
from dataclasses import dataclass
from itertools import chain, islice
from typing import Protocol, TypeVar

from feeds.config import FORMAT_FILES, TAG_FOLDER, CategoryConfig, TagFeeds
from feeds.content.markdown import smartify
from feeds.model import Author, Entry, PlannedEntry, PlannedFeed, Post, Site
from feeds.plan.group import category_title, combined_groups, feed_title, same_articles

Copy = TypeVar("Copy", bound="Attributed")


class Attributed(Protocol):
    @property
    def outlet(self) -> str | None: ...

    @property
    def original_url(self) -> str | None: ...


@dataclass(frozen=True)
class Rules:
    """What planning needs of the settings."""

    site: Site
    limit: int  # entries per feed; 0: all
    categories: Mapping[str, CategoryConfig]  # the config's titles and slugs
    files: tuple[str, ...] = tuple(FORMAT_FILES.values())  # of the formats switched on
    index_page: str = "index.html"  # the page listing every feed, in the output folder
    hubs: tuple[str, ...] = ()  # the WebSub hubs every feed names
    icon: str | None = None  # absolute URLs (config.JekyllFeed)
    logo: str | None = None
    # Titles, the feeds' and the posts', with typographic quotes (config.smart_quotes), as
    # jekyll-feed's `smartify` gives them: `site` holds the site's title so already.
    smart_quotes: bool = False


def shown_title(title: str, rules: Rules) -> str:
    """A title as feeds show it: smartified when the site's Markdown is."""
    return smartify(title) if rules.smart_quotes else title


@dataclass
class FeedPlan:
    """A feed to write: its place, its title, and its posts as groups of copies."""

    prefix: str
    key: str | None  # its category or tag; None: the combined feed
    subtitle: str
    first: list[list[Post]]  # the groups that fill it when every post renders
    more: Iterator[list[Post]]  # the rest, for when some do not
    tag: bool = False  # `key` is a tag


def plan_feeds(
    newest: Iterable[Post],
    categories: Sequence[str],
    slugs: Mapping[str, str],
    newest_in: Callable[[str], Iterable[Post]],
    rules: Rules,
    tagged: Mapping[str, Sequence[Post]] | None = None,
    tag_slugs: Mapping[str, str] | None = None,
) -> list[FeedPlan]:
    """The combined feed, of `newest`, then one feed per category, in its slug's folder,
    of `newest_in(category)`, then one per tag of `tagged`, in TAG_FOLDER: newest first."""

    def feed(prefix: str, key: str | None, groups: Iterator[list[Post]], tag: bool) -> FeedPlan:
        first = list(islice(groups, rules.limit) if rules.limit else groups)
        subtitle = rules.site.description or rules.site.title
        return FeedPlan(prefix, key, subtitle, first, groups, tag)

    feeds = [feed("", None, combined_groups(newest), False)]
    for category in categories:
        groups = ([p] for p in newest_in(category))
        feeds.append(feed(slugs[category] + "/", category, groups, False))
    for tag, posts in (tagged or {}).items():
        prefix = f"{TAG_FOLDER}{(tag_slugs or {})[tag]}/"
        feeds.append(feed(prefix, tag, ([p] for p in posts), True))
    return feeds


def tagged_posts(posts: Iterable[Post], tags: TagFeeds) -> dict[str, list[Post]]:
    """The posts of each tag that gets a feed (`only` those, all but `excluded`), newest
    first as `posts` are, by tag name."""
    found: dict[str, list[Post]] = {}
    excluded = set(tags.excluded)
    only = None if tags.only is None else set(tags.only)
    for post in posts:
        for tag in dict.fromkeys(post.tags):
            if tag not in excluded and (only is None or tag in only):
                found.setdefault(tag, []).append(post)
    return dict(sorted(found.items()))


def most_used(
    tagged: Mapping[str, list[Post]], most: int, had_feeds: Collection[str]
) -> dict[str, list[Post]]:
    """Of the tags, the `most` of the most posts (all when 0), by name. Among tags of as
    many posts, those that had a feed come first: a feed is not removed for a tie."""
    if not most or len(tagged) <= most:
        return dict(tagged)
    ranked = sorted(tagged, key=lambda tag: (-len(tagged[tag]), tag not in had_feeds, tag))
    return {tag: tagged[tag] for tag in sorted(ranked[:most])}


def choose(feed: FeedPlan, best: Callable[[list[Post]], list[Entry]], limit: int) -> list[Entry]:
    """The feed's entries: `best` of each group of copies (see fold), up to `limit`,
    taken from the groups beyond the first when some posts failed to render."""
    chosen = _take(chain.from_iterable(map(best, feed.first)), limit)
    if limit and len(chosen) < limit:  # some failed: take from the rest
        more = chain.from_iterable(map(best, feed.more))
        chosen += _take(more, limit - len(chosen))
    return chosen


def _take(entries: Iterable[Entry], limit: int) -> list[Entry]:
    return list(islice(entries, limit) if limit else entries)


def fold(copies: Sequence[Copy], article_of: Callable[[Copy], str]) -> list[Copy]:
    """Of copies of possibly several articles, the one with the richest attribution for
    each article they are (see group.same_articles)."""
    return [max(group, key=_attribution_richness) for group in same_articles(copies, article_of)]


def article(entry: Entry, article_of: Callable[[str], str]) -> str:
    """Which article an entry is: the one its original URL names, else its body's."""
    if entry.original_url:
        return article_of(entry.original_url)
    return hashlib.blake2b(entry.html.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def _attribution_richness(copy: Attributed) -> int:
    return (copy.outlet is not None) + (copy.original_url is not None)


def title(feed: FeedPlan, posts: list[Post], rules: Rules) -> str:
    if feed.key is None:
        return rules.site.title
    if feed.tag:
        return shown_title(feed_title(rules.site, f"#{feed.key}"), rules)
    return shown_title(
        feed_title(rules.site, category_title(feed.key, posts, rules.categories)), rules
    )


def planned_feed(
    feed: FeedPlan,
    feed_title: str,
    entries: Sequence[Entry],
    site: Site,
    kept: Callable[[Entry], Mapping[str, bytes]],
    files: tuple[str, ...] = tuple(FORMAT_FILES.values()),
    index_page: str = "index.html",
    hubs: tuple[str, ...] = (),
    icon: str | None = None,
    logo: str | None = None,
    smart_quotes: bool = False,
    made: MutableMapping[str, tuple[Entry, PlannedEntry]] | None = None,
) -> PlannedFeed:
    """The feed as the formats get it. `kept`: what the formats made of an entry at an
    earlier build, by file (see PlannedEntry.kept). `files`: the feed's files, of the
    formats switched on, which each of them names as its siblings. `smart_quotes`: the
    entries' titles smartified (Rules.smart_quotes). `made`: the entries planned for the
    build's feeds before this one, with the same `site`, `kept` and `smart_quotes`, by
    relpath: a post is in two feeds or more."""
    newest = max(entries, key=lambda e: e.post.updated.timestamp()).post.updated
    return PlannedFeed(
        path=feed.prefix,
        url=f"{site.url}/{feed.prefix}",
        home=site.url + "/",
        index=f"{site.url}/{index_page}",
        files=files,
        title=feed_title,
        subtitle=feed.subtitle,
        language=site.language,
        author=site.author or Author(site.title),
        updated=newest,
        entries=tuple(_planned(entry, site, kept, smart_quotes, made) for entry in entries),
        hubs=hubs,
        icon=icon,
        logo=logo,
    )


def _planned(
    entry: Entry,
    site: Site,
    kept: Callable[[Entry], Mapping[str, bytes]],
    smart_quotes: bool,
    made: MutableMapping[str, tuple[Entry, PlannedEntry]] | None,
) -> PlannedEntry:
    """planned_entry, made once for an Entry: the entry cache gives every feed of a
    build the same Entry of a post; any other is planned anew."""
    known = None if made is None else made.get(entry.post.relpath)
    if known is not None and known[0] is entry:
        return known[1]
    planned = planned_entry(entry, site, kept(entry), smart_quotes=smart_quotes)
    if made is not None:
        made[entry.post.relpath] = (entry, planned)
    return planned


def planned_entry(
    entry: Entry, site: Site, kept: Mapping[str, bytes], *, smart_quotes: bool = False
) -> PlannedEntry:
    post = entry.post
    author = post.author or site.author
    shown = smartify(post.title) if smart_quotes else post.title
    return PlannedEntry(
        relpath=post.relpath,
        id=post.id,
        title=shown,
        published=post.published,
        updated=post.updated,
        link=post.url,
        authors=() if author is None else (author,),
        categories=tuple(dict.fromkeys((*post.categories, *post.tags))),
        html=entry.html,
        summary=entry.summary or shown,
        outlet=entry.outlet,
        original_url=entry.original_url,
        image=post.image,
        excerpt_only=post.excerpt_only,
        language=post.lang if post.lang != site.language else None,
        kept=kept,
    )
