"""What readers already have, read back from the published Atom feeds: asked only when
several posts share an id, to tell which of them readers know under it."""

import contextlib
from collections.abc import Iterable
from pathlib import Path

from lxml import etree

from feeds.model import Post
from feeds.output import OutputError, confined
from feeds.state import State

_ATOM = "{http://www.w3.org/2005/Atom}"


def published_links(
    out: Path, previous: State, ids: set[str], posts: Iterable[Post]
) -> dict[str, str]:
    """id -> the link published under it, for those of the ids found in the combined feed
    and the feeds of the posts' categories, as the last build wrote them."""
    names = ["atom.xml"]
    for post in posts:
        names.extend(
            f"{previous.slugs[c]}/atom.xml" for c in post.categories if c in previous.slugs
        )
    paths = []
    for name in dict.fromkeys(names):
        if name in previous.files:
            with contextlib.suppress(OutputError):  # a tampered state names it: not read
                paths.append(confined(out, name))
    return links_in(paths, ids)


def links_in(feeds: Iterable[Path], ids: set[str]) -> dict[str, str]:
    """id -> the link of the entry published under it, for those of the ids found in these
    Atom feeds; the first feed that has one wins. A feed that is missing or cannot be
    parsed tells nothing."""
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
