"""What readers already have, read back from the published Atom feeds: asked only when
several posts share an id, to tell which of them readers know under it."""

from collections.abc import Iterable
from pathlib import Path

from lxml import etree

_ATOM = "{http://www.w3.org/2005/Atom}"


def published_links(feeds: Iterable[Path], ids: set[str]) -> dict[str, str]:
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
