"""Which posts go in which feed, and under which title. Pure functions, no I/O.

The order itself (newest first, then by id) comes from the cache's ordered queries.
"""

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import TypeVar

from feeds.config import CategoryConfig
from feeds.model import Post, Site

T = TypeVar("T")


def duplicate_key(post: Post) -> tuple[str, datetime]:
    """One article published twice (an aggregator copy and the outlet's) shares these; so
    may two articles (a daily column's title), told apart once rendered: same_articles."""
    return post.title, post.published


def same_articles(copies: Iterable[T], article: Callable[[T], str]) -> list[list[T]]:
    """Copies grouped by the article each is, in the order each article comes first."""
    groups: dict[str, list[T]] = {}
    for copy in copies:
        groups.setdefault(article(copy), []).append(copy)
    return list(groups.values())


def combined_groups(posts: Iterable[Post]) -> Iterator[list[Post]]:
    """The combined feed's entries as groups of copies of one article, newest first.

    `posts` is newest first. Copies share a date, so a group is complete once an older
    post arrives; it is yielded then, and the caller stops taking when its feed is full.
    """
    pending: dict[tuple[str, datetime], list[Post]] = {}
    current: datetime | None = None
    for post in posts:
        if current is not None and post.published != current:
            yield from pending.values()
            pending = {}
        current = post.published
        pending.setdefault(duplicate_key(post), []).append(post)
    yield from pending.values()


def category_title(
    category: str, posts: Sequence[Post], configured: Mapping[str, CategoryConfig]
) -> str:
    """The config's title, else the one tag every post of the category carries, else the name.

    The archive tags each post with its outlet in the outlet's own words (上海证券报新闻).
    """
    if category in configured and configured[category].title:
        return str(configured[category].title)
    counts = Counter(tag for post in posts for tag in set(post.tags))
    common = [tag for tag, n in counts.items() if n == len(posts)]
    return common[0] if len(common) == 1 else category


def feed_title(site: Site, category_name: str | None) -> str:
    return f"{category_name} · {site.title}" if category_name else site.title
