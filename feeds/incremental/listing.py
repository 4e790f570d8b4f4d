"""The source's listing, made from the folders file where the folders' stamps allow: a
rebuild that finds nothing changed costs little more than this."""

import contextlib
import os
import time
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from stat import S_ISDIR, S_ISREG

from feeds.incremental.folders import read_folders, write_folders
from feeds.source.discover import (
    SKIPPED_DIRS,
    Listing,
    find_post_files,
    ignored_file,
    is_utf8,
)

RACY_NS = 2_000_000_000  # a file changed this close to a scan may keep its size and mtime


def list_source(
    source: Path,
    out: Path,
    private: Path,
    *,
    jobs: int,
    stat: bool,
    meanwhile: Callable[[], None] | None,
) -> Listing:
    """The files that may be posts; `stat`: with their sizes and mtimes (a new cache reads
    every file, each asked as it is opened); `meanwhile`: see find_post_files. The output
    and state (`private`) folders are never read as sources."""
    known, taken_ns = read_folders(private, source)
    listed_ns = time.time_ns()
    found = find_post_files(
        source,
        exclude=(out, private),
        jobs=jobs,
        known=known,
        trusted_before=taken_ns - RACY_NS,
        stat=stat,
        meanwhile=meanwhile,
    )
    if found.reread:
        with contextlib.suppress(OSError):  # a cache only: the next build reads again
            write_folders(private, source, found.folders, listed_ns)
    return found


Stamp = tuple[int, int]  # a file's size and st_mtime_ns


def changed_listing(listing: Listing, stamps: Mapping[str, Stamp | None]) -> Listing:
    """The listing with these files' stamps: added or replaced, or (None) gone. What a
    build given the changed paths lists without reading a folder or asking another file
    (see feeds watch); the folders it holds are left as last read."""
    relpaths: list[str] = []
    sizes, mtimes = array("q"), array("q")
    categories: list[tuple[str, ...]] = []
    old, start = listing.relpaths, 0
    for relpath in sorted(stamps):
        at = bisect_left(old, relpath, start)
        relpaths += old[start:at]
        sizes += listing.sizes[start:at]
        mtimes += listing.mtimes[start:at]
        categories += listing.categories[start:at]
        start = at + 1 if at < len(old) and old[at] == relpath else at
        stamp = stamps[relpath]
        if stamp is not None:
            relpaths.append(relpath)
            sizes.append(stamp[0])
            mtimes.append(stamp[1])
            categories.append(dir_categories(relpath, listing.jekyll))
    relpaths += old[start:]
    sizes += listing.sizes[start:]
    mtimes += listing.mtimes[start:]
    categories += listing.categories[start:]
    return replace(
        listing,
        relpaths=relpaths,
        sizes=sizes,
        mtimes=mtimes,
        categories=categories,
        reread=False,
        stated=True,
    )


def dir_categories(relpath: str, jekyll: bool) -> tuple[str, ...]:
    """A file's folder categories: in a Jekyll site, the folders above its `_posts`."""
    if not jekyll:
        return ()
    parts = relpath.split("/")[:-1]
    return tuple(parts[: parts.index("_posts")])


def is_candidate(relpath: str, jekyll: bool) -> bool:
    """Whether the listing would hold a file at relpath (see find_post_files): below no
    hidden or skipped folder, not an editor's leftover, in a Jekyll site below `_posts`."""
    *folders, name = relpath.split("/")
    if not name or ignored_file(name):
        return False
    if any(not f or f.startswith(".") or f in SKIPPED_DIRS for f in folders):
        return False
    return "_posts" in folders if jekyll else True


def stamp_changes(
    source: Path, listing: Listing, relpaths: Iterable[str]
) -> dict[str, Stamp | None] | None:
    """The stamps of these changed files below source, None for those gone; None for all
    when a change needs the folders read again: a folder added, removed or renamed, a
    file now a link or a fifo."""
    stamps: dict[str, Stamp | None] = {}
    for relpath in relpaths:
        if not is_utf8(relpath):
            return None  # reported by the listing (see misnamed_message)
        path = f"{source}/{relpath}"
        try:
            st = os.lstat(path)
        except (FileNotFoundError, NotADirectoryError):
            if _holds_files(listing, relpath):
                return None  # a folder gone
            if listing.index(relpath) is not None:
                stamps[relpath] = None
            continue
        except OSError:
            return None
        if S_ISDIR(st.st_mode) or not S_ISREG(st.st_mode):
            return None
        if is_candidate(relpath, listing.jekyll):
            stamps[relpath] = st.st_size, st.st_mtime_ns
    return stamps


def _holds_files(listing: Listing, rel_dir: str) -> bool:
    """Whether the listing holds a file below rel_dir."""
    at = bisect_left(listing.relpaths, f"{rel_dir}/")
    return at < len(listing.relpaths) and listing.relpaths[at].startswith(f"{rel_dir}/")
