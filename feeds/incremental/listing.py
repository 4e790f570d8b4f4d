"""The source's listing, made from the folders file where the folders' stamps allow: a
rebuild that finds nothing changed costs little more than this."""

import contextlib
import time
from collections.abc import Callable
from pathlib import Path

from feeds.incremental.folders import read_folders, write_folders
from feeds.source.discover import Listing, find_post_files

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
