"""The cache brought up to date with the source: new and changed files scanned (in worker
processes), gone ones dropped. What a post left out is reported as it is scanned: once,
while it stays as it is."""

import contextlib
import errno
import os
import stat
from array import array
from collections.abc import Callable
from itertools import compress
from pathlib import Path

from feeds.errors import BuildError, PostError
from feeds.incremental.cache import BAD, GONE, NOT_A_POST, POST, Cache, FileRow
from feeds.incremental.listing import RACY_NS
from feeds.model import Report, Site
from feeds.source.discover import Listing, with_sizes, with_stats
from feeds.workers import Progress

HELD = "its last published version stays in the feeds until the file is fixed or deleted"
LOST = (
    "no longer a post, and its last published version was lost with the cache; it is out "
    "of the feeds until the file is fixed or deleted"
)


def sync(
    cache: Cache,
    found: Listing,
    source: Path,
    site: Site,
    jobs: int,
    progress: Progress,
    report: Report,
    meanwhile: Callable[[], object] | None = None,
) -> Listing:
    """Bring the cache up to date with the source: scan new and changed files, drop gone ones.
    Return the listing recorded: `found`, with its sizes and mtimes if it had none. What a
    post left out is reported as it is scanned: once, while it stays as it is.
    `meanwhile`: see workers.map_chunks."""
    previous = cache.listing()
    if previous is not None and not found.stated:  # the cache was there after all
        found = with_stats(found, source, jobs)
    gone: list[str] = []
    if previous is None and found.unlisted:  # no record of what lies below: never drop it
        rel_dir, reason = found.unlisted[0]
        raise BuildError(
            f"{rel_dir or '.'}: read: cannot list the folder ({reason}), and no cache "
            "records its posts; nothing published"
        )
    if previous is None:  # a new cache
        todo = list(range(len(found)))
        # But for the posts held by the cache it replaced (see cache._held_rows): those
        # no longer listed are held again as no file, or forgotten.
        carried = [r for r in cache.held() if found.index(r) is None]
        cache.forget(_hold_no_file(cache, carried, source))
    else:
        todo, gone = found.changes(*previous)
        # Unknown, not gone: they stay as last scanned, and in the feeds.
        gone = [relpath for relpath in gone if not found.below_unlisted(relpath)]
        gone = _hold_no_file(cache, gone, source)
    # Scanned again: a file changed so close to the last scan that its stamp may lie, and
    # one that could not be read.
    racy = int(cache.meta("scanned_ns") or 0) - RACY_NS
    again = set(compress(range(len(found)), map(racy.__le__, found.mtimes)))
    again.update(i for i in map(found.index, cache.unreadable()) if i is not None)
    again.update(i for i in map(found.index, cache.held()) if i is not None)
    # Read again only for the margin: their warnings were said when they were stored.
    unchanged = {found.relpaths[i] for i in again.difference(todo)}
    todo = sorted(again.union(todo))
    # Files scanned again (or held ones carried over): their old categories go first.
    replacing = previous is not None or bool(cache.held())
    cache.forget(gone)
    files = found.files(todo)
    advance = progress("scanning", len(files))
    done = 0
    stored: set[str] | None = None if previous is None else set()
    from feeds.incremental.scan import scan_files

    sizes, mtimes = array("q"), array("q")  # as the scan found them, for an unstated listing
    with cache.bulk_load() if previous is None else contextlib.nullcontext():
        for rows in scan_files(files, source, site, jobs=jobs, meanwhile=meanwhile):
            done += len(rows)
            if not found.stated:
                sizes.extend([row.size for row in rows])
                mtimes.extend([row.mtime_ns for row in rows])
                rows = [row for row in rows if row.kind != GONE]
            if replacing:
                rows = _hold(cache, rows, source)
            said = cache.digests([r.relpath for r in rows if r.relpath in unchanged])
            cache.store(rows, replacing=replacing)
            report.warnings.extend(
                line
                for row in rows
                if row.kind == POST and row.message and said.get(row.relpath) != row.digest
                for line in row.message.split("\n")
            )
            if stored is not None:
                stored.update(row.id for row in rows if row.kind == POST and row.id)
            advance(done)
    if not found.stated:  # every file was scanned, in order
        found = with_sizes(found, sizes, mtimes)
    cache.set_listing(found.relpaths, found.sizes, found.mtimes)
    cache.refresh_shared_ids(stored)
    return found


def _hold(cache: Cache, rows: list[FileRow], source: Path) -> list[FileRow]:
    """The rows less those of posts whose files are now unreadable or no post: a
    half-written file or a failing disk must not take a post out of the feeds unsaid.
    Each is kept as it was, reported, and read again at every build (see Cache.hold)."""
    lost = [r for r in rows if r.kind == NOT_A_POST or (r.kind == BAD and not r.digest)]
    if not lost:
        return rows
    held = cache.were_posts([r.relpath for r in lost])
    if not held:
        return rows
    for row in lost:
        if row.relpath in held:
            said = row.message or f"{row.relpath}: read: no longer a post: {_why(source, row)}"
            cache.hold(row.relpath, f"{said}; {HELD}")
    return [r for r in rows if r.relpath not in held]


def _hold_no_file(cache: Cache, gone: list[str], source: Path) -> list[str]:
    """The gone files less the posts whose name is still there as no regular file: a
    dangling link (a mount gone missing), a folder, a fifo. Each is held as _hold does,
    until the name is a file again or removed."""
    held = cache.were_posts(gone) if gone else set()
    kept: set[str] = set()
    for relpath in sorted(held):
        what = _standing_at(source / relpath)
        if what is None:
            continue  # deleted: the operator's intent
        cache.hold(relpath, f"{relpath}: read: no longer a regular file: {what}; {HELD}")
        kept.add(relpath)
    return [relpath for relpath in gone if relpath not in kept]


_NOTHING = (errno.ENOENT, errno.ENOTDIR, errno.ELOOP)


def _standing_at(path: Path) -> str | None:
    """What stands at a listed file's name now that it is no regular file; None when
    nothing does."""
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        if exc.errno not in _NOTHING:
            return exc.strerror or str(exc)
        return "a link to nothing" if path.is_symlink() else None
    return "a folder" if stat.S_ISDIR(mode) else "not a regular file"


def lost_held(cache: Cache, were_held: list[str], source: Path) -> list[str]:
    """The posts the last build held (see Cache.hold) that this cache no longer holds, as
    it was discarded (a new version or config, damage, deletion), while their files are
    still there and still no posts: out of the feeds now, and so named until fixed or
    deleted."""
    held = set(cache.held())
    gone = [r for r in were_held if r not in held]
    if not gone:
        return []
    fixed = cache.were_posts(gone)
    return [r for r in gone if r not in fixed and os.path.lexists(source / r)]


def _why(source: Path, row: FileRow) -> str:
    """Why a file that was a post is none now, read again: rare, and not worth a column."""
    from feeds.source.posts import not_a_post_reason, read_bytes

    try:
        return not_a_post_reason(read_bytes(source / row.relpath, row.relpath))
    except PostError as exc:
        return exc.reason
