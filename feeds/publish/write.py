"""The feed files written into the output folder, and those of vanished feeds removed;
the caller saves the published state (publish.state) once they are."""

import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from feeds.config import TAG_FOLDER
from feeds.files import (
    OutputError,
    confined,
    remove_stale_temp_files,
    replace_files,
    sync_folders,
    unchanged,
    write_if_changed,
)
from feeds.formats import file_names
from feeds.incremental.documents import FeedDoc
from feeds.incremental.fingerprints import Published, file_intact
from feeds.model import Report
from feeds.publish.state import State

COPY = "copy"  # the state's mark of a copy feeds wrote (see _write_copies)
# The feed files feeds writes, and so may remove: combined, per category and per tag (see
# slugs).
FEED_PATH = re.compile(
    f"(?:(?:{re.escape(TAG_FOLDER)})?[a-z0-9]+(?:-[a-z0-9]+)*/)?(?:"
    + "|".join(map(re.escape, file_names()))
    + ")"
)


def write_feeds(
    out: Path,
    private: Path,
    docs: Sequence[FeedDoc],
    pages: Sequence[FeedDoc],
    state: State,
    previous: State,
    report: Report,
    source_folder: frozenset[str],
    formats: Sequence[str] = file_names(),
    copies: Mapping[str, str] | None = None,
) -> None:
    """Write the feeds that changed, remove those the last build wrote and this one does
    not (of a vanished category, or of a format switched off: not in `formats`, the files
    of those switched on), write the site-level `pages` that changed (never removed: every
    build has them), and write the `copies` of feeds (where -> which feed). Records in
    `state` the files' fingerprints and stamps as written, and in `report` the feed files
    whose bytes changed; saving it is the caller's, in the state folder (`private`, where
    stale temporary files are removed too)."""
    written = _folders_written(out, [*previous.files, *(d.relpath for d in docs)])
    remove_stale_temp_files([*written, private])
    folders: list[Path] = []  # synced once each, after the files written into them
    try:
        _write_all(out, docs, pages, state, report, folders)
    finally:
        sync_folders(folders)
    for relpath, known in previous.files.items():
        if relpath not in state.files:
            why = (
                "its format is switched off (`formats` in the config)"
                if relpath.rpartition("/")[2] not in formats
                else "its tag has no posts any more, no feed in _config.yml feed.tags, or fewer "
                "posts than the `max_tag_feeds` tags of the most"
                if relpath.startswith(TAG_FOLDER)
                else "its category has no posts any more"
            )
            _remove_feed(out, relpath, known, source_folder, report, why)
    _write_copies(out, copies or {}, state, previous, report, source_folder)


def _write_all(
    out: Path,
    docs: Sequence[FeedDoc],
    pages: Sequence[FeedDoc],
    state: State,
    report: Report,
    folders: list[Path],
) -> None:
    """The feeds and pages that changed, in one batch (replace_files), their folders left
    to sync."""
    feeds = [(doc, confined(out, doc.relpath)) for doc in sorted(docs, key=lambda d: d.relpath)]
    own_pages = [(doc, confined(out, doc.relpath)) for doc in pages if doc.data is not None]
    batch = [
        (path, doc.data)
        for doc, path in [*feeds, *own_pages]
        if doc.data is not None and not unchanged(path, doc.data)
    ]
    replace_files(batch, folders)
    written = {path for path, _ in batch}
    for doc, path in feeds:
        if path in written:
            report.feeds_written += 1
            report.written.append(doc.relpath)
        else:
            report.feeds_unchanged += 1
        stat = path.stat()
        state.files[doc.relpath] = Published(doc.fingerprint, stat.st_size, stat.st_mtime_ns)
    for doc in pages:
        try:  # another program's page (no fingerprint) as it is: a link is not followed
            stat = (out / doc.relpath).lstat()
        except OSError:
            continue
        state.pages[doc.relpath] = Published(doc.fingerprint, stat.st_size, stat.st_mtime_ns)


def _write_copies(
    out: Path,
    copies: Mapping[str, str],
    state: State,
    previous: State,
    report: Report,
    source_folder: frozenset[str],
) -> None:
    """Each feed copied where jekyll-feed served it, and the copies the last build wrote
    and this one does not, removed. A file there that feeds did not write is another
    program's: never replaced, with a warning; kept in the state without the COPY mark,
    so that a build runs again once it is gone, and writes the copy."""
    for relpath, target in sorted(copies.items()):
        if relpath in state.files or relpath in state.pages:
            report.warnings.append(f"{out / relpath}: feeds writes a feed there: no copy")
            continue
        if target not in state.files:
            continue
        try:
            path = confined(out, relpath)
            if relpath.partition("/")[0] in source_folder:
                raise OutputError(path, "in the folder of the source; no copy")
            if not _ours(path, previous.copies.get(relpath)):
                report.warnings.append(f"{path}: not a file feeds wrote; not replaced by {target}")
                stat = path.lstat()
                state.copies[relpath] = Published("", stat.st_size, stat.st_mtime_ns)
                continue
            write_if_changed(path, (out / target).read_bytes())
            stat = path.stat()
        except OutputError as exc:
            report.warnings.append(str(exc))
            continue
        state.copies[relpath] = Published(COPY, stat.st_size, stat.st_mtime_ns)
    for relpath, known in previous.copies.items():
        if relpath not in state.copies and relpath not in state.files and known.fingerprint:
            _remove_copy(out, relpath, known, source_folder, report)


def _ours(path: Path, known: Published | None) -> bool:
    """Whether feeds may write a copy at path: there is nothing there, or the copy the
    last build wrote, as it was written. Never through a link."""
    if path.is_symlink():
        return False
    if not path.exists():
        return True
    return known is not None and known.fingerprint == COPY and file_intact(path, known)


def _remove_copy(
    out: Path, relpath: str, known: Published, source_folder: frozenset[str], report: Report
) -> None:
    """Remove a copy the last build wrote, if it is still as written, and the folders it
    leaves empty."""
    try:
        path = confined(out, relpath)
        if relpath.partition("/")[0] in source_folder or path.is_symlink():
            return
        if not file_intact(path, known):
            report.warnings.append(f"{path}: changed since feeds wrote it; not removed")
            return
        path.unlink()
        _remove_empty_folders(out, path.parent)
    except (OutputError, OSError):
        return
    report.warnings.append(f"{relpath}: removed: no feed is copied there any more")


def _remove_empty_folders(out: Path, folder: Path) -> None:
    while folder != out and folder.is_relative_to(out) and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent


def _folders_written(out: Path, relpaths: Iterable[str]) -> list[Path]:
    """The output folder and each feed's folder: where feeds leaves its own files."""
    folders = {out}
    for relpath in relpaths:
        folder, slash, _ = relpath.rpartition("/")
        if slash and FEED_PATH.fullmatch(relpath):  # a slug: no link, no `..`
            folders.add(out / folder)
    return sorted(folders)


def _remove_feed(
    out: Path,
    relpath: str,
    known: Published,
    source_folder: frozenset[str],
    report: Report,
    why: str,
) -> None:
    """Remove a feed file of the last build, if it is one: the state file names it, and
    a tampered one must not make us remove another program's file."""
    try:
        path = confined(out, relpath)
        if not FEED_PATH.fullmatch(relpath) or relpath.partition("/")[0] in source_folder:
            raise OutputError(path, "not a feed file feeds writes")
        if path.is_symlink() or (path.exists() and not file_intact(path, known)):
            raise OutputError(path, "changed since feeds wrote it")
        path.unlink(missing_ok=True)
        _remove_empty_folders(out, path.parent)
    except OutputError as exc:  # the state file names it: only a tampered one would
        report.warnings.append(f"{exc}; not removed")
        return
    except OSError:
        return
    report.feeds_removed += 1
    report.warnings.append(f"{relpath}: removed: {why}")
