"""What readers already have, read back from the published Atom feeds: asked only when
several posts share an id, to tell which of them readers know under it."""

import contextlib
import sqlite3
from collections.abc import Collection, Iterable, Mapping
from itertools import chain
from pathlib import Path

from feeds.errors import PostError
from feeds.files import OutputError, confined
from feeds.incremental.cache import Cache
from feeds.model import Post

_ATOM = "{http://www.w3.org/2005/Atom}"


def shared_ids(
    cache: Cache,
    errors: list[str],
    out: Path,
    published: Collection[str],
    slugs: Mapping[str, str],
) -> dict[str, float]:
    """Posts whose id another post keeps: skipped, by path -> date, each reported in
    `errors`. Of the posts sharing an id, the one that had it first, as the cache saw,
    keeps it, so that a newcomer never takes it over; without the cache's record (a new
    cache), the one readers have under it (at the link the `published` feeds give); else
    the first by path."""
    sharing: dict[str, list[str]] = {}
    for id_, relpath in cache.shared_ids():
        sharing.setdefault(id_, []).append(relpath)
    if not sharing:
        return {}
    posts: dict[str, Post] = {}
    for relpath in chain.from_iterable(sharing.values()):
        post = cache.post(relpath)
        if post is None:  # shared_ids lists posts only: the cache contradicts itself
            raise sqlite3.DatabaseError(f"{relpath} is not a post in the cache")
        posts[relpath] = post
    links = published_links(out, published, slugs, set(sharing), posts.values())
    first = cache.keepers()
    excluded: dict[str, float] = {}
    for id_, relpaths in sharing.items():
        keeper = next((r for r in relpaths if posts[r].url == links.get(id_)), relpaths[0])
        keeper = first[id_] if first.get(id_) in relpaths else keeper
        for relpath in relpaths:
            if relpath == keeper:
                continue
            reason = f"same id as {keeper} ({id_}); give one of them an 'id:' key"
            errors.append(str(PostError(relpath, "id", reason)))
            excluded[relpath] = cache.timestamp(relpath)
    return excluded


def published_links(
    out: Path,
    files: Collection[str],
    slugs: Mapping[str, str],
    ids: set[str],
    posts: Iterable[Post],
) -> dict[str, str]:
    """id -> the link published under it, for those of the ids found in the combined feed
    and the feeds of the posts' categories, as the last build wrote them (`files`, under
    the categories' `slugs`)."""
    names = ["atom.xml"]
    for post in posts:
        names.extend(f"{slugs[c]}/atom.xml" for c in post.categories if c in slugs)
    paths = []
    for name in dict.fromkeys(names):
        if name in files:
            with contextlib.suppress(OutputError):  # a tampered state names it: not read
                paths.append(confined(out, name))
    return links_in(paths, ids)


def links_in(feeds: Iterable[Path], ids: set[str]) -> dict[str, str]:
    """id -> the link of the entry published under it, for those of the ids found in these
    Atom feeds; the first feed that has one wins. A feed that is missing or cannot be
    parsed tells nothing."""
    from lxml import etree  # here: asked only when posts share an id

    found: dict[str, str] = {}
    for path in feeds:
        try:
            entries = etree.iterparse(
                str(path), tag=f"{_ATOM}entry", resolve_entities=False, no_network=True
            )
            for _, entry in entries:
                id_ = entry.findtext(f"{_ATOM}id")
                if id_ in ids and id_ not in found:
                    link = entry.find(f"{_ATOM}link[@rel='alternate']")
                    if link is not None and link.get("href"):
                        found[id_] = str(link.get("href"))
                entry.clear()
        except (OSError, etree.XMLSyntaxError):
            continue
    return found
