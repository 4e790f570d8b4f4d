"""The feed files written into the output folder, those of vanished feeds removed, and
the published state saved with them."""

import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from feeds.files import OutputError, confined, remove_stale_temp_files, write_if_changed
from feeds.formats import file_names
from feeds.incremental.documents import FeedDoc
from feeds.incremental.fingerprints import Published, file_intact
from feeds.model import Report
from feeds.publish.state import State, write_state

# The feed files feeds writes, and so may remove: combined and per category (see slugs).
FEED_PATH = re.compile(
    r"(?:[a-z0-9]+(?:-[a-z0-9]+)*/)?(?:" + "|".join(map(re.escape, file_names())) + ")"
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
) -> None:
    """Write the feeds that changed, remove those the last build wrote and this one does
    not (of a vanished category, or of a format switched off: not in `formats`, the files
    of those switched on), write the site-level `pages` that changed (never removed: every
    build has them), and save the state in the state folder (`private`): the files'
    fingerprints and stamps as written."""
    written = _folders_written(out, [*previous.files, *(d.relpath for d in docs)])
    remove_stale_temp_files([*written, private])
    for doc in sorted(docs, key=lambda d: d.relpath):
        path = confined(out, doc.relpath)
        if doc.data is not None and write_if_changed(path, doc.data):
            report.feeds_written += 1
        else:
            report.feeds_unchanged += 1
        stat = path.stat()
        state.files[doc.relpath] = Published(doc.fingerprint, stat.st_size, stat.st_mtime_ns)
    for doc in pages:
        if doc.data is not None:
            write_if_changed(confined(out, doc.relpath), doc.data)
        try:  # another program's page (no fingerprint) as it is: a link is not followed
            stat = (out / doc.relpath).lstat()
        except OSError:
            continue
        state.pages[doc.relpath] = Published(doc.fingerprint, stat.st_size, stat.st_mtime_ns)
    for relpath, known in previous.files.items():
        if relpath not in state.files:
            why = (
                "its category has no posts any more"
                if relpath.rpartition("/")[2] in formats
                else "its format is switched off (`formats` in the config)"
            )
            _remove_feed(out, relpath, known, source_folder, report, why)
    write_state(private, state)


def _folders_written(out: Path, relpaths: Iterable[str]) -> list[Path]:
    """The output folder and each feed's folder: where feeds leaves its own files."""
    folders = {out}
    for relpath in relpaths:
        folder, slash, _ = relpath.partition("/")
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
        if path.parent != out and not any(path.parent.iterdir()):
            path.parent.rmdir()
    except OutputError as exc:  # the state file names it: only a tampered one would
        report.warnings.append(f"{exc}; not removed")
        return
    except OSError:
        return
    report.feeds_removed += 1
    report.warnings.append(f"{relpath}: removed: {why}")
