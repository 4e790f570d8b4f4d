"""Which posts go in which feed, in which order. Pure functions, no I/O."""

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime

from feeds.config import CategoryConfig
from feeds.model import Post, Site


def newest_first(posts: Iterable[Post]) -> list[Post]:
    """Newest first; posts of the same second in a stable order, by id."""
    return sorted(posts, key=lambda p: (-p.published.timestamp(), p.id))


def limited(posts: Sequence[Post], limit: int) -> list[Post]:
    """The first `limit` posts; 0 means all."""
    return list(posts[:limit] if limit else posts)


def by_category(posts: Iterable[Post]) -> dict[str, list[Post]]:
    """Each category's posts, newest first."""
    groups: dict[str, list[Post]] = defaultdict(list)
    for post in posts:
        for category in post.categories:
            groups[category].append(post)
    return {category: newest_first(items) for category, items in sorted(groups.items())}


def duplicate_key(post: Post) -> tuple[str, datetime]:
    """One article published twice (an aggregator copy and the outlet's) shares these."""
    return post.title, post.published


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
