"""feeds watch: a build each time the source changes, from the changed paths only.

The source is watched with watchfiles (inotify). Events are gathered while a build runs
and make the next one; each build is given the last listing with the changed files'
stamps (see incremental.listing.changed_listing), so no folder is read and no other file
asked. A full check (the listing `feeds build` makes) runs at start, after a failure, when
the config or the source folder itself changes, and every `full_every` seconds, to catch
a missed event or an overflowed inotify queue.

Each build takes the build lock for itself only, as `feeds build` does, so that a cron
build and a watch share an output folder. A failed build publishes nothing (as `feeds
build`) and is tried again, after a pause that doubles up to a minute. So is a hub
ping that failed: the pings a build left owed are sent again on their own, with no build,
so that a hub back up hears of a feed within a minute while the source stays quiet.
"""

import signal
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from stat import S_ISDIR
from types import FrameType

from feeds.config import AUTHORS_FILES, Config
from feeds.errors import ConfigError, LockedError, PublishError
from feeds.incremental.listing import Stamp, changed_listing, stamp_changes
from feeds.model import Report
from feeds.pipeline import ping_owed, publish
from feeds.source.discover import Listing

DEBOUNCE_MS = 200  # the longest a burst's events are gathered before a build starts
STEP_MS = 50  # a build starts once no event came for this long
WAKE_MS = 1000  # how often the loop wakes without events: retries, full checks, config
FULL_EVERY = 600.0  # seconds between full checks
BACKOFF_FIRST, BACKOFF_CAP = 1.0, 60.0  # seconds before a failed build is tried again
LOCK_WAIT = 1.0  # seconds a build waits for the lock before it is tried again later

Log = Callable[[str], None]


@dataclass
class Pending:
    """What changed since the last build: paths relative to the source, and whether the
    next build must be a full check."""

    paths: set[str] = field(default_factory=set)
    full: bool = True

    def __bool__(self) -> bool:
        return self.full or bool(self.paths)


@dataclass(frozen=True)
class Counts:
    added: int
    edited: int
    deleted: int

    def __str__(self) -> str:
        return f"{self.added} added, {self.edited} edited, {self.deleted} deleted"


def stamp_counts(listing: Listing, stamps: dict[str, Stamp | None]) -> Counts:
    """How many of the changed files are new, edited or gone against the listing."""
    known = [listing.index(relpath) is not None for relpath in stamps]
    present = [stamp is not None for stamp in stamps.values()]
    pairs = list(zip(known, present, strict=True))
    return Counts(pairs.count((False, True)), pairs.count((True, True)), pairs.count((True, False)))


def listing_counts(before: Listing, after: Listing) -> Counts:
    """How many files a full check found new, edited or gone against the last listing."""
    changed, gone = after.changes(before.relpaths, before.sizes, before.mtimes)
    added = sum(1 for i in changed if before.index(after.relpaths[i]) is None)
    return Counts(added, len(changed) - added, len(gone))


def relative(path: str, root: str) -> str | None:
    """path relative to the root folder ("" for the root itself); None outside it."""
    if path == root:
        return ""
    return path[len(root) + 1 :] if path.startswith(f"{root}/") else None


def editor_leftover(relpath: str) -> bool:
    """A name no listing holds, nor any folder a listing reads: hidden (swap files, a
    scraper's `.tmp` before its rename), Emacs' `#autosave#` and `.#lock`, `backup~`."""
    name = relpath.rpartition("/")[2]
    return (
        any(part.startswith(".") for part in relpath.split("/"))
        or name.startswith(("#", "~"))
        or name.endswith(("~", ".orig"))
    )


class Watcher:
    """The watch loop; `load` reads the config again when its files change."""

    def __init__(
        self,
        load: Callable[[], Config],
        config_path: Path | None,
        *,
        jobs: int,
        log: Log,
        quiet: bool,
        debounce_ms: int = DEBOUNCE_MS,
        full_every: float = FULL_EVERY,
    ) -> None:
        self.load = load
        self.config = load()
        self.config_path = config_path
        self.jobs = jobs
        self.log = log
        self.quiet = quiet
        self.debounce_ms = debounce_ms
        self.full_every = full_every
        self.stop = threading.Event()
        self.stopped_by = ""
        self.listing: Listing | None = None
        self.said: set[str] = set()  # the skipped posts last named: named again only if new
        self.builds = 0
        self.failures = 0
        self.retry_at = 0.0
        self.ping_failures = 0
        self.ping_at: float | None = None  # when the pings still owed are sent again
        self.last_full = float("-inf")
        self.config_stamps = self._config_stamps()

    def run(self) -> None:
        """Build as the source changes, until SIGTERM or SIGINT."""
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self._on_signal)
        pending = Pending()
        self.log(f"feeds watch: watching {self.config.source}")
        while not self.stop.is_set():
            if self._identity() is None:  # gone or unmounted: said, and tried again later
                pending.full = True
                self._maybe_build(pending)
                self._pause(lambda: self._identity() is not None)
                continue
            self._watch(pending)
            self._pause(lambda: False)
        self.log(f"feeds watch: stopped ({self.stopped_by or 'done'})")

    def _watch(self, pending: Pending) -> None:
        """One watcher on the source, until the source folder itself changes."""
        import watchfiles  # here: `feeds build` never loads it

        identity = self._identity()
        root = str(self.config.source.absolute())
        pending.full = True
        try:
            for changes in watchfiles.watch(
                root,
                watch_filter=self._filter(root),
                debounce=self.debounce_ms,
                step=STEP_MS,
                stop_event=self.stop,
                rust_timeout=WAKE_MS,
                yield_on_timeout=True,
                raise_interrupt=False,
            ):
                moved = self._take(changes, pending, root) or self._identity() != identity
                if self._config_changed():
                    moved = self._reload() or moved
                    pending.full = True
                if moved:
                    pending.full = True
                    return
                if time.monotonic() - self.last_full >= self.full_every:
                    pending.full = True
                self._maybe_build(pending)
                self._maybe_ping()
                if self.stop.is_set():
                    return
        except (OSError, RuntimeError) as exc:  # lost its folder, or inotify's watch limit
            self._failed(Report(), f"watching {root}: {exc}", self._backoff())

    def _pause(self, back: Callable[[], bool]) -> None:
        """Wait until the next try, or until back() (the source is there again)."""
        while not self.stop.is_set() and time.monotonic() < self.retry_at:
            if back():
                self.retry_at = 0.0
                return
            self.stop.wait(min(WAKE_MS / 1000, self.retry_at - time.monotonic()))

    def _filter(self, root: str) -> Callable[[object, str], bool]:
        """Events worth a look: not under the output folder or the cache, no editor's."""
        out, cache = self.config.out, self.config.cache
        # As given and as resolved: the output folder may be reached by a link.
        mine = {f"{path}/" for path in (out.absolute(), out.resolve())}
        mine.update(str(path) for path in ((cache.absolute(), cache.resolve()) if cache else ()))

        def relevant(change: object, path: str) -> bool:
            rel = relative(path, root)
            return (
                rel is not None
                and not path.startswith(tuple(mine))
                and not (rel and editor_leftover(rel))
            )

        return relevant

    def _take(self, changes: Iterable[tuple[object, str]], pending: Pending, root: str) -> bool:
        """Add the events' paths to pending; whether the source folder itself changed."""
        moved = False
        for _, path in changes:
            rel = relative(path, root)
            if rel == "":
                moved = True
            elif rel is not None:
                pending.paths.add(rel)
        return moved

    def _maybe_build(self, pending: Pending) -> None:
        if pending and time.monotonic() >= self.retry_at:
            self._build(pending)

    def _build(self, pending: Pending) -> None:
        """One build from what is pending; on failure, a full check later."""
        started = time.perf_counter()
        listing, counts = None, None
        if not pending.full and self.listing is not None:
            stamps = stamp_changes(self.config.source, self.listing, sorted(pending.paths))
            if stamps is not None and not stamps:  # only files no listing holds
                pending.paths.clear()
                return
            if stamps is not None:
                counts = stamp_counts(self.listing, stamps)
                listing = changed_listing(self.listing, stamps)
        full = listing is None
        asked = set(pending.paths)
        pending.paths.clear()
        pending.full = False
        report = Report()
        # The lock is waited for briefly, and asked again at the next wake: a signal is
        # then never kept waiting behind a long cron build.
        config = replace(self.config, lock_timeout=min(self.config.lock_timeout, LOCK_WAIT))
        try:
            found = publish(
                config, now=datetime.now(UTC), report=report, jobs=self.jobs, listing=listing
            )
        except LockedError as exc:  # nothing was read: the same build, at the next try
            self._failed(report, str(exc), LOCK_WAIT, locked=True)
            pending.paths.update(asked)
            pending.full = full
            return
        except (PublishError, OSError, sqlite3.Error) as exc:
            self._failed(report, _reason(exc), self._backoff())
            pending.full = True
            return
        except Exception as exc:  # a bug: said on one line, and tried again later
            self._failed(report, f"internal error: {type(exc).__name__}: {exc}", self._backoff())
            pending.full = True
            return
        if full:
            counts = listing_counts(self.listing, found) if self.listing is not None else None
            self.last_full = time.monotonic()
        self.listing = found
        self.failures = 0
        self.retry_at = 0.0
        self.builds += 1
        self._problems(report)
        again = self._schedule_pings(report)
        if not self.quiet:
            self.log(_build_line(self.builds, full, counts, report, started, again))

    def _maybe_ping(self) -> None:
        """Send the pings still owed again, once their pause is over."""
        if self.ping_at is None or time.monotonic() < self.ping_at or self.stop.is_set():
            return
        report = Report()
        ping_owed(self.config, report)
        for line in report.pings_failed:
            self.log(line)
        pause = self._schedule_pings(report)
        line = f"feeds watch: hub pings tried again: {report.pings_heard} heard"
        if pause is not None:
            failed = report.pings_sent - report.pings_heard
            self.log(f"{line}, {failed} failed; next try in {pause:g} s")
        elif report.pings_sent and not self.quiet:
            self.log(line)

    def _schedule_pings(self, report: Report) -> float | None:
        """After pings were sent: none left owed, or the next try after a pause that
        doubles with each failure in a row (returned)."""
        if not report.pings_failed:
            self.ping_failures, self.ping_at = 0, None
            return None
        pause = min(BACKOFF_CAP, BACKOFF_FIRST * 2.0 ** min(self.ping_failures, 16))
        self.ping_at = time.monotonic() + pause
        self.ping_failures += 1
        return pause

    def _failed(self, report: Report, message: str, pause: float, *, locked: bool = False) -> None:
        """Say what failed, and when it is tried again; the lock: once a wait, as no
        failure (a cron build holds it)."""
        self._problems(report)
        if locked:
            if self.failures == 0:
                self.log(f"feeds watch: waiting: {message}")
        else:
            said = "" if message.endswith("nothing published") else "; nothing published"
            self.log(f"feeds watch: error: {message}{said}; next try in {pause:g} s")
        self.retry_at = time.monotonic() + pause
        self.failures += 1

    def _backoff(self) -> float:
        return min(BACKOFF_CAP, BACKOFF_FIRST * 2.0 ** min(self.failures, 16))

    def _problems(self, report: Report) -> None:
        """The skipped posts not named at the last build, and this build's warnings."""
        for line in report.errors:
            if line not in self.said:
                self.log(line)
        self.said = set(report.errors)
        for line in [*report.warnings, *report.pings_failed]:
            self.log(line)

    def _identity(self) -> tuple[int, int] | None:
        """The source folder's device and inode: another after a remount; None if gone."""
        try:
            st = self.config.source.stat()
        except OSError:
            return None
        return (st.st_dev, st.st_ino) if S_ISDIR(st.st_mode) else None

    def _config_files(self) -> list[Path]:
        return [
            *([self.config_path] if self.config_path else []),
            self.config.source / "_config.yml",
            *(self.config.source / name for name in AUTHORS_FILES),
        ]

    def _config_stamps(self) -> list[tuple[int, int, int] | None]:
        stamps: list[tuple[int, int, int] | None] = []
        for path in self._config_files():
            try:
                st = path.stat()
                stamps.append((st.st_ino, st.st_size, st.st_mtime_ns))
            except OSError:
                stamps.append(None)
        return stamps

    def _config_changed(self) -> bool:
        stamps = self._config_stamps()
        changed, self.config_stamps = stamps != self.config_stamps, stamps
        return changed

    def _reload(self) -> bool:
        """Read the config again; a bad one is reported and the last good one kept.
        Whether the source or output folder moved."""
        try:
            config = self.load()
        except ConfigError as exc:
            self.log(f"feeds watch: config error: {exc}; building with the last good config")
            return False
        moved = (config.source, config.out, config.cache, config.state_dir) != (
            self.config.source,
            self.config.out,
            self.config.cache,
            self.config.state_dir,
        )
        self.config = config
        self.config_stamps = self._config_stamps()
        self.log("feeds watch: config read again")
        return moved

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        """Stop once the build under way, if any, is done; a second signal ends the
        process at once (a build is safe to kill: see tests/test_kill.py)."""
        self.stopped_by = signal.Signals(signum).name
        self.stop.set()
        signal.signal(signum, signal.SIG_DFL)


def _build_line(
    number: int,
    full: bool,
    counts: Counts | None,
    report: Report,
    started: float,
    pings_again: float | None = None,
) -> str:
    what = "full check" if full else "changes"
    found = f"{what}: {counts}" if counts else f"{what}: {report.posts_read} posts"
    wrote = f"wrote {report.feeds_written} feeds ({report.feeds_unchanged} unchanged)"
    if report.feeds_removed:
        wrote += f", removed {report.feeds_removed}"
    skipped = f", skipped {report.posts_skipped} posts" if report.errors else ""
    if report.pings_sent:
        failed = report.pings_sent - report.pings_heard
        skipped += f", pinged hubs for {report.pings_sent} feed URLs"
        skipped += f" ({failed} failed; next try in {pings_again:g} s)" if failed else ""
    stages = ", ".join(f"{k} {v:.2f}" for k, v in report.timings.items())
    took = time.perf_counter() - started
    return f"feeds watch: build {number}: {found}; {wrote}{skipped}; {took:.2f} s ({stages})"


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and not isinstance(exc, PublishError):
        where = f"{exc.filename}: " if exc.filename else ""
        return f"{where}{exc.strerror or exc}"
    return str(exc)
