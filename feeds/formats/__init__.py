"""The output formats: one module each, turning planned feeds (model.PlannedFeed) into
bytes. A format gets plain data only: never a post file, the config or the cache.

Adding a format is one module here, with a `Writer` as atom_rss has, and one line in
FORMATS naming it and the files it writes into each feed's folder. The modules are
imported when a feed of theirs is written: a rebuild that finds nothing changed never
loads them (nor feedgen and lxml).
"""

from collections.abc import Iterable, Sequence
from importlib import import_module
from typing import Protocol

from feeds.model import PlannedFeed, Rendered

# module of feeds.formats -> the files it writes into each feed's folder
FORMATS: dict[str, tuple[str, ...]] = {
    "atom_rss": ("atom.xml", "rss.xml"),
    "jsonfeed": ("feed.json",),
}
# file name -> what a person and a reader call it: its label and its media type
KINDS: dict[str, tuple[str, str]] = {
    "atom.xml": ("Atom", "application/atom+xml"),
    "rss.xml": ("RSS", "application/rss+xml"),
    "feed.json": ("JSON Feed", "application/feed+json"),
}


class Writer(Protocol):
    """One format's writer, made once a build: `keep` asks it for each entry's own XML,
    which the next builds give back in PlannedEntry.kept."""

    def __init__(self, *, keep: bool = False) -> None: ...

    def render(self, feed: PlannedFeed, files: Sequence[str]) -> Rendered: ...

    def forget(self, relpaths: Iterable[str]) -> None:
        """What it made of these posts' entries for the build's feeds is needed no more."""


def file_names() -> tuple[str, ...]:
    """Every file a feed's folder holds, in the order the formats name them."""
    return tuple(name for names in FORMATS.values() for name in names)


def writer(module: str, *, keep: bool) -> Writer:
    made: Writer = import_module(f"feeds.formats.{module}").Writer(keep=keep)
    return made
