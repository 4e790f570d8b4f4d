"""The pipeline: discover, scan, select, render and clean, write. The only module that
knows the order of the stages; each stage is a function of its own module.

The modules that parse, clean and write (and so import PyYAML, lxml, nh3 and feedgen)
are imported where they are used: a rebuild that finds nothing changed never loads them.

A build costs what changed: an unchanged source is noticed from the directory listing
alone; new and edited files are scanned (in worker processes), the rest comes from the
cache; only the posts that land in a feed are rendered, and only feeds whose content
changed are generated and written.
"""

import contextlib
import hashlib
import re
import sqlite3
import sys
import time
from array import array
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from itertools import chain, compress, islice
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from feeds.cache import (
    BAD,
    GONE,
    NOT_A_POST,
    POST,
    UNPUBLISHED,
    Cache,
    EntryStub,
    FileRow,
    discard,
    entry_digest,
)
from feeds.config import Config
from feeds.discover import (
    Listing,
    find_post_files,
    link_out_message,
    misnamed_message,
    unlisted_message,
    with_sizes,
    with_stats,
)
from feeds.errors import BuildError, Crashed, PostError
from feeds.group import category_title, combined_groups, feed_title, same_articles
from feeds.model import Entry, Post, Report
from feeds.output import (
    OutputError,
    build_lock,
    confined,
    remove_stale_temp_files,
    write_if_changed,
)
from feeds.state import (
    Published,
    State,
    cache_fingerprint,
    file_intact,
    outputs_intact,
    read_folders,
    read_state,
    recent_peaks,
    settings_fingerprint,
    write_folders,
    write_state,
)
from feeds.workers import Journal

if TYPE_CHECKING:  # imported where used: a rebuild that finds nothing changed never loads it
    from feedgen.entry import FeedEntry

    from feeds.writer import FeedDocument

CACHE_NAME = ".feeds-cache.sqlite"
JOURNAL_NAME = ".feeds-rendering"  # see workers.Journal
FORMATS: tuple[tuple[Literal["atom", "rss"], str], ...] = (("atom", "atom.xml"), ("rss", "rss.xml"))
# The feed files feeds writes, and so may remove: combined and per category (see slugs).
FEED_PATH = re.compile(r"(?:[a-z0-9]+(?:-[a-z0-9]+)*/)?(?:atom|rss)\.xml")
HELD = "its last published version stays in the feeds until the file is fixed or deleted"
RACY_NS = 2_000_000_000  # a file changed this close to a scan may keep its size and mtime

Progress = Callable[[str, int], Callable[[int], None]]


def no_progress(label: str, total: int) -> Callable[[int], None]:
    return lambda done: None


@dataclass(frozen=True)
class FeedDoc:
    """One feed file of this build; `data` is None when the published file is current."""

    relpath: str
    fingerprint: str
    data: bytes | None


def publish(
    config: Config,
    *,
    now: datetime,
    report: Report,
    jobs: int = 1,
    progress: Progress = no_progress,
) -> None:
    """Build every feed and replace the published ones, or raise BuildError and touch none."""
    if not config.source.is_dir():
        raise BuildError(f"{config.source}: the source folder does not exist (is it mounted?)")
    with build_lock(config.out, config.lock_timeout):
        previous = read_state(config.out)
        cache_path = config.cache or config.out / CACHE_NAME
        # A new cache reads every file: each is asked its size and mtime as it is opened.
        new_cache = not cache_path.exists()
        with _timed(report, "discover"):
            known, taken_ns = read_folders(config.out, config.source)
            listed_ns = time.time_ns()
            found = find_post_files(
                config.source,
                exclude=(config.out,),
                jobs=jobs,
                known=known,
                trusted_before=taken_ns - RACY_NS,
                stat=not new_cache,
                meanwhile=None if "feeds.writer" in sys.modules else _import_build_stages,
            )
            if found.reread:
                with contextlib.suppress(OSError):  # a cache only: the next build reads again
                    write_folders(config.out, config.source, found.folders, listed_ns)
        listing = found.digest() if found.stated else ""  # else known once scanned
        settings = settings_fingerprint(config, found.jekyll)
        if (
            found.stated
            and not found.unlisted
            and _nothing_changed(previous, listing, settings, found, now, config.out)
        ):
            _replay(previous, report)
            _check_strict(config, report)
            return
        report.errors.extend(map(misnamed_message, found.misnamed))
        report.errors.extend(map(link_out_message, found.links_out))
        report.errors.extend(unlisted_message(*folder) for folder in found.unlisted)
        said = len(report.errors), len(report.warnings)
        for attempt in (1, 2):
            state = State(listing=listing, settings=settings)
            try:
                docs = _cached_build(
                    cache_path, found, config, now, report, state, previous, jobs, progress
                )
                break
            except sqlite3.DatabaseError as exc:
                if type(exc) is not sqlite3.DatabaseError or attempt == 2:
                    raise  # locked, read-only, disk full (the operator's to fix), or damaged again
                # A damaged page surfaces only when it is read: start the cache again, once.
                discard(cache_path)
                del report.errors[said[0] :], report.warnings[said[1] :]
                report.warnings.append(f"{cache_path}: damaged ({exc}); rebuilt from the posts")
        if found.unlisted:
            state.listing = ""  # the folders that could not be listed are read again next time
        _check_strict(config, report)
        _guard(config, state, previous, now)
        with _timed(report, "write"):
            _write(config.out, docs, state, previous, report, _source_folder(config))


def _cached_build(
    cache_path: Path,
    found: Listing,
    config: Config,
    now: datetime,
    report: Report,
    state: State,
    previous: State,
    jobs: int,
    progress: Progress,
) -> list[FeedDoc]:
    """Bring the cache up to date with the source, then make the feeds from it."""
    with Cache.open(cache_path, cache_fingerprint(config, found.jekyll)) as cache:
        # A cache being filled keeps no entry's XML: a cold build would pay to write it
        # all, while a rebuild regenerates a few feeds, of entries mostly written before.
        keep_xml = cache.meta("listing") is not None
        state.scanned_ns = time.time_ns()
        with _timed(report, "scan"):
            synced = _sync(cache, found, config, jobs, progress, report)
        if synced is not found:
            state.listing = synced.digest()
        cache.set_meta("scanned_ns", str(state.scanned_ns))
        cache.db.commit()
        with _timed(report, "render"):
            return _build(cache, config, now, report, state, previous, jobs, keep_xml)


def _import_build_stages() -> None:
    """Load what a build that scans, renders and writes imports, a tenth of a second of a
    small rebuild: see find_post_files."""
    import feeds.entries
    import feeds.scan
    import feeds.slugs
    import feeds.writer  # noqa: F401


def _nothing_changed(
    state: State,
    listing: str,
    settings: str,
    found: Listing,
    now: datetime,
    out: Path,
) -> bool:
    if not state.files or (state.listing, state.settings) != (listing, settings):
        return False
    if state.next_due is not None and now.timestamp() >= state.next_due:
        return False  # a post dated in the future is due now
    if found.newest_mtime() >= state.scanned_ns - RACY_NS:
        return False
    return outputs_intact(out, state)


def _replay(state: State, report: Report) -> None:
    """Report what the last build found, since nothing has changed since."""
    report.posts_read = state.read
    report.posts_ignored = state.ignored
    report.errors.extend(state.errors)
    report.feeds_unchanged = len(state.files)


def _check_strict(config: Config, report: Report) -> None:
    if config.strict and report.errors:
        raise BuildError(f"--strict: {len(report.errors)} post(s) skipped; nothing published")


def _sync(
    cache: Cache, found: Listing, config: Config, jobs: int, progress: Progress, report: Report
) -> Listing:
    """Bring the cache up to date with the source: scan new and changed files, drop gone ones.
    Return the listing recorded: `found`, with its sizes and mtimes if it had none. What a
    post left out is reported as it is scanned: once, while it stays as it is."""
    previous = cache.listing()
    if previous is not None and not found.stated:  # the cache was there after all
        found = with_stats(found, config.source, jobs)
    gone: list[str] = []
    if previous is None:  # a new cache
        todo = list(range(len(found)))
    else:
        todo, gone = found.changes(*previous)
        # Unknown, not gone: they stay as last scanned, and in the feeds.
        gone = [relpath for relpath in gone if not found.below_unlisted(relpath)]
    # Scanned again: a file changed so close to the last scan that its stamp may lie, and
    # one that could not be read.
    racy = int(cache.meta("scanned_ns") or 0) - RACY_NS
    again = set(compress(range(len(found)), map(racy.__le__, found.mtimes)))
    again.update(i for i in map(found.index, cache.unreadable()) if i is not None)
    again.update(i for i in map(found.index, cache.held()) if i is not None)
    todo = sorted(again.union(todo))
    replacing = previous is not None  # files scanned again: their old categories go first
    cache.forget(gone)
    files = found.files(todo)
    advance = progress("scanning", len(files))
    done = 0
    stored: set[str] | None = None if previous is None else set()
    from feeds.scan import scan_files

    sizes, mtimes = array("q"), array("q")  # as the scan found them, for an unstated listing
    with cache.bulk_load() if previous is None else contextlib.nullcontext():
        for rows in scan_files(files, config.source, config.site, jobs=jobs):
            done += len(rows)
            if not found.stated:
                sizes.extend([row.size for row in rows])
                mtimes.extend([row.mtime_ns for row in rows])
                rows = [row for row in rows if row.kind != GONE]
            if replacing:
                rows = _hold(cache, rows, config.source)
            cache.store(rows, replacing=replacing)
            report.warnings.extend(
                line
                for row in rows
                if row.kind == POST and row.message
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


def _why(source: Path, row: FileRow) -> str:
    """Why a file that was a post is none now, read again: rare, and not worth a column."""
    from feeds.posts import not_a_post_reason, read_bytes

    try:
        return not_a_post_reason(read_bytes(source / row.relpath, row.relpath))
    except PostError as exc:
        return exc.reason


def _build(
    cache: Cache,
    config: Config,
    now: datetime,
    report: Report,
    state: State,
    previous: State,
    jobs: int,
    keep_xml: bool,
) -> list[FeedDoc]:
    until = float("inf") if config.future else now.timestamp()
    journal = Journal(config.out / JOURNAL_NAME)
    _retry_crashed(cache, config, journal)
    excluded = _shared_ids(cache, report, config.out, previous)
    report.errors.extend(cache.messages())
    report.errors.sort()
    posts = cache.count(POST) - len(excluded)
    due = cache.count_due(until) - sum(1 for p in excluded.values() if p <= until)
    report.posts_read = posts
    report.posts_ignored = cache.count(UNPUBLISHED) + posts - due
    state.read, state.posts, state.ignored = posts, due, report.posts_ignored
    state.next_due = cache.next_due(until)
    if cache.unreadable() or cache.held():
        state.listing = ""  # a file that could not be read, or held, is read again next time
    if due <= 0:
        raise BuildError(
            f"{config.source}: no publishable posts found (is it mounted?); nothing published"
        )
    updates = _Updates(now)
    feeds = _plan(cache, config, until, excluded, state, previous.slugs, updates, report)
    entries = _Entries(cache, config, report, keep_xml, updates.held, journal)
    try:
        entries.prepare([p for feed in feeds for group in feed.first for p in group], jobs)
        # A feed written under other settings (site facts, code) is never reused as it is.
        reusable = previous.files if previous.settings == state.settings else {}
        docs = [doc for feed in feeds for doc in _documents(feed, entries, config, reusable)]
        entries.finish()
    finally:
        entries.close()
    report.errors.sort()
    state.errors = list(report.errors)
    # Said once, while it stays so, as the warnings of a scan are (see _sync).
    state.warnings = sorted(updates.warnings.values())
    said = set(previous.warnings)
    report.warnings.extend(w for w in state.warnings if w not in said)
    if updates.due is not None and (state.next_due is None or updates.due < state.next_due):
        state.next_due = updates.due  # a build must run when a held update comes
    cache.db.commit()
    return docs


def _retry_crashed(cache: Cache, config: Config, journal: Journal) -> None:
    """The post a build was rendering when it died, tried alone in a child process: if
    that dies too, the post is recorded as bad (see errors.Crashed); if not, the build
    was killed for some other reason, and the post is rendered as any other."""
    for relpath in journal.stale():
        post = cache.post(relpath)
        if post is None:
            continue
        from feeds.entries import make_isolated

        made = make_isolated(post, config)
        if isinstance(made, Crashed):
            cache.mark_bad(relpath, str(made))
    journal.close()


def _shared_ids(cache: Cache, report: Report, out: Path, previous: State) -> dict[str, float]:
    """Posts whose id another post keeps: skipped, by path -> date. Of the posts sharing
    an id, the one readers have under it (at the link the published feeds give) keeps it,
    so that a newcomer never takes it over; else the first by path."""
    sharing: dict[str, list[str]] = {}
    for id_, relpath in cache.shared_ids():
        sharing.setdefault(id_, []).append(relpath)
    if not sharing:
        return {}
    from feeds.published import published_links

    posts: dict[str, Post] = {}
    for relpath in chain.from_iterable(sharing.values()):
        post = cache.post(relpath)
        if post is None:  # shared_ids lists posts only: the cache contradicts itself
            raise sqlite3.DatabaseError(f"{relpath} is not a post in the cache")
        posts[relpath] = post
    links = published_links(out, previous, set(sharing), posts.values())
    excluded: dict[str, float] = {}
    for id_, relpaths in sharing.items():
        keeper = next((r for r in relpaths if posts[r].url == links.get(id_)), relpaths[0])
        for relpath in relpaths:
            if relpath == keeper:
                continue
            reason = f"same id as {keeper} ({id_}); give one of them an 'id:' key"
            report.errors.append(str(PostError(relpath, "id", reason)))
            excluded[relpath] = cache.timestamp(relpath)
    return excluded


class _Updates:
    """Each published post's `updated` as its entry shows it (see dates.shown_update), and
    the warnings for the posts whose `last_modified_at` is not shown."""

    def __init__(self, now: datetime) -> None:
        from feeds.dates import FUTURE_ALLOWANCE, shown_update  # see the module docstring

        self.now, self.allowance, self.shown_update = now, FUTURE_ALLOWANCE, shown_update
        self.warnings: dict[str, str] = {}  # by path
        # Posts shown with their date until their update comes: their entries are not
        # kept, as the next builds may show them otherwise, and a build runs then (`due`).
        self.held: set[str] = set()
        self.due: float | None = None

    def settle(self, post: Post) -> Post:
        shown, reason = self.shown_update(post.published, post.updated, self.now)
        if reason is None:
            return post
        error = PostError(post.relpath, "front matter", f"'last_modified_at' {reason}")
        self.warnings[post.relpath] = str(error)
        if post.updated > post.published:
            self.held.add(post.relpath)
            comes = (post.updated - self.allowance).timestamp()
            self.due = comes if self.due is None else min(self.due, comes)
        return replace(post, updated=shown)


@dataclass
class _Feed:
    """A feed pair to write: its place, its title, and its posts as groups of copies."""

    prefix: str
    key: str | None
    subtitle: str
    first: list[list[Post]]  # the groups that fill it when every post renders
    more: Iterator[list[Post]]  # the rest, for when some do not


def _plan(
    cache: Cache,
    config: Config,
    until: float,
    excluded: dict[str, float],
    state: State,
    published: dict[str, str],
    updates: _Updates,
    report: Report,
) -> list[_Feed]:
    def keep(posts: Iterable[Post]) -> Iterator[Post]:
        return (updates.settle(p) for p in posts if p.relpath not in excluded)

    def feed(prefix: str, key: str | None, groups: Iterator[list[Post]]) -> _Feed:
        first = list(islice(groups, config.limit) if config.limit else groups)
        return _Feed(prefix, key, config.site.description or config.site.title, first, groups)

    feeds = [feed("", None, combined_groups(keep(cache.newest(until))))]
    categories = cache.categories(until)
    from feeds.slugs import category_slugs, short_hash  # here: python-slugify is slow to import

    pinned = {c: s.slug for c, s in config.categories.items() if s.slug}
    taken = _source_folder(config)
    slugs = category_slugs(categories, pinned, published, taken)
    for category, slug in slugs.items():
        wanted, _, tail = slug.rpartition("-")
        if wanted in taken and tail == short_hash(category):
            report.warnings.append(
                f"{config.out / slug}: the feeds of category {category!r}: not in "
                f"{config.out / wanted}, which holds the source"
            )
    state.slugs = slugs
    for category in categories:
        groups = ([p] for p in keep(cache.newest_in(category, until)))
        feeds.append(feed(slugs[category] + "/", category, groups))
    return feeds


def _source_folder(config: Config) -> frozenset[str]:
    """The folder of the output folder that holds the source, when the source lies inside
    it: no feed is written or removed there."""
    out, source = config.out.resolve(), config.source.resolve()
    if source != out and source.is_relative_to(out):
        return frozenset(source.relative_to(out).parts[:1])
    return frozenset()


class _Entries:
    """Each published post's cleaned body: from the cache, or rendered once per build.

    The posts the cache lacks are rendered on every core, in the order the feeds ask for
    them; a feed is written as soon as its entries are in, while the rest render.
    """

    def __init__(
        self,
        cache: Cache,
        config: Config,
        report: Report,
        keep_xml: bool,
        held: set[str],
        journal: Journal,
    ) -> None:
        self.cache, self.config, self.report = cache, config, report
        self.held = held  # see _Updates
        self.journal = journal  # names the post being rendered here (see _retry_crashed)
        self.keep_xml = keep_xml  # see writer.FeedDocument
        self.feed_entries: dict[str, FeedEntry] = {}  # see writer.FeedDocument, `shared`
        self.done: dict[str, Entry | None] = {}
        self.stubs: dict[str, EntryStub] = {}  # the stored entries, without their bodies
        self.digests: dict[str, bytes] = {}  # see digest()
        self.coming: set[str] = set()  # being rendered by `prepare`'s workers
        self.rendering: Generator[Entry | PostError, None, None] | None = None
        self.results: Iterator[tuple[Post, Entry | PostError]] = iter(())

    def prepare(self, posts: Sequence[Post], jobs: int) -> None:
        """Start rendering the posts the feeds will need and the cache lacks."""
        from feeds.entries import make_entries

        wanted = {p.relpath: p for p in posts if p.relpath not in self.done}
        self.stubs = self.cache.entry_stubs(list(wanted.values()))
        self.digests.update((relpath, stub.content) for relpath, stub in self.stubs.items())
        todo = [post for relpath, post in wanted.items() if relpath not in self.stubs]
        self.coming = {post.relpath for post in todo}
        self.rendering = make_entries(todo, self.config, jobs=jobs, journal=self.journal)
        self.results = zip(todo, self.rendering, strict=True)

    def finish(self) -> None:
        """Take in the renders nobody asked for yet: they are stored for the next build."""
        for post, made in self.results:
            self._keep(post, made)
        self.coming.clear()

    def written(self, document: "FeedDocument") -> None:
        """Keep the XML the document made for its entries, for later builds' feeds."""
        made = document.made()
        self.cache.store_xml(made)
        for entry in made:  # another feed of this build may hold it too
            if entry.post.relpath in self.done:
                self.done[entry.post.relpath] = entry

    def close(self) -> None:
        """Stop the workers, if the build ends before they are done (a failure)."""
        if self.rendering is not None:
            self.rendering.close()
        self.journal.close()

    def get(self, post: Post) -> Entry | None:
        from feeds.entries import make_entry

        while post.relpath in self.coming:
            ready, made = next(self.results)
            self._keep(ready, made)
        if post.relpath not in self.done:
            cached = self.cache.entry(post)
            if cached is not None:
                self.done[post.relpath] = cached
            else:
                try:
                    with self.journal.working_on(post.relpath):
                        made = make_entry(post, self.config)
                    self._keep(post, made)
                except PostError as exc:
                    self._keep(post, exc)
        return self.done[post.relpath]

    def load(self, posts: Iterable[Post]) -> None:
        """Read the stored entries of these posts at once, rather than one by one."""
        wanted = [p for p in posts if p.relpath not in self.done and p.relpath not in self.coming]
        self.done.update(self.cache.entries(wanted))

    def digest(self, entry: Entry) -> bytes:
        """The entry's digest, made once a build: most entries are in two feeds."""
        known = self.digests.get(entry.post.relpath)
        if known is None:
            known = self.digests[entry.post.relpath] = entry_digest(entry)
        return known

    def best(self, copies: list[Post]) -> list[Entry]:
        """Of posts that may be copies of one article, the one with the richest attribution
        for each article they are (see same_articles)."""
        made = [e for e in map(self.get, copies) if e is not None]
        if len(made) < 2:
            return made
        from feeds.cleaning import get_profile

        article_of = get_profile(self.config.cleaning).article_of
        groups = same_articles(made, lambda entry: _article(entry, article_of))
        return [max(group, key=_attribution_richness) for group in groups]

    def _keep(self, post: Post, made: Entry | PostError) -> None:
        self.coming.discard(post.relpath)
        if isinstance(made, PostError):
            self.report.errors.append(str(made))
            self.done[post.relpath] = None
            if isinstance(made, Crashed):
                self.cache.mark_bad(post.relpath, str(made))
        else:
            held = post.relpath in self.held
            self.digests[post.relpath] = (
                entry_digest(made) if held else self.cache.store_entry(made)
            )
            self.done[post.relpath] = made


def _documents(
    feed: _Feed, entries: _Entries, config: Config, reusable: dict[str, Published]
) -> Iterator[FeedDoc]:
    from feeds.writer import FeedDocument

    unchanged = _unchanged(feed, entries, config, reusable)
    if unchanged is not None:
        yield from unchanged
        return
    entries.load(post for group in feed.first for post in group)
    chosen = _take(chain.from_iterable(map(entries.best, feed.first)), config.limit)
    if config.limit and len(chosen) < config.limit:  # some failed: take from the rest
        more = chain.from_iterable(map(entries.best, feed.more))
        chosen += _take(more, config.limit - len(chosen))
    if not chosen:
        if not feed.first:
            return  # no post of its own left (its posts' ids are earlier ones'): no feed
        # Every post of the feed failed to render (each is reported): keep what was published.
        for _, name in FORMATS:
            relpath = feed.prefix + name
            if _still_published(config, reusable, relpath):
                yield FeedDoc(relpath, reusable[relpath].fingerprint, None)
        return
    site = config.site
    title = _title(feed, [e.post for e in chosen], config)
    content = _content_digest(map(entries.digest, chosen))
    document: FeedDocument | None = None  # made once, for the formats that changed
    for fmt, name in FORMATS:
        relpath = feed.prefix + name
        self_url = f"{site.url}/{relpath}"
        fingerprint = _digest_of((relpath, title, feed.subtitle), content)
        if _still_published(config, reusable, relpath, fingerprint):
            yield FeedDoc(relpath, fingerprint, None)
            continue
        if document is None:
            document = FeedDocument(
                site,
                title,
                feed.subtitle,
                chosen,
                keep=entries.keep_xml,
                shared=entries.feed_entries,
            )
        yield FeedDoc(relpath, fingerprint, document.xml(fmt, self_url))
    if document is not None:
        entries.written(document)


def _take(entries: Iterable[Entry], limit: int) -> list[Entry]:
    return list(islice(entries, limit) if limit else entries)


def _unchanged(
    feed: _Feed, entries: _Entries, config: Config, reusable: dict[str, Published]
) -> list[FeedDoc] | None:
    """Both files of the feed, if they are published as this build would write them: told
    from the stored entries' digests, without reading a body. None if not, or if some
    post of the feed has no stored entry (to render, or failed): then it is worked out
    whole."""
    from feeds.cleaning import get_profile  # loaded by now: see _Entries.prepare

    article_of = get_profile(config.cleaning).article_of
    chosen: list[EntryStub] = []
    for group in feed.first:
        found = [entries.stubs.get(post.relpath) for post in group]
        stubs = [stub for stub in found if stub is not None]
        if len(stubs) < len(found):
            return None
        if len(stubs) > 1 and not all(stub.original_url for stub in stubs):
            return None  # told apart by their bodies (see _article), which stubs do not hold
        if len(stubs) == 1:
            chosen.extend(stubs)
            continue
        for copies in same_articles(stubs, lambda stub: article_of(stub.original_url or "")):
            chosen.append(max(copies, key=_attribution_richness))
    if not chosen:
        return None
    chosen = chosen[: config.limit] if config.limit else chosen
    title = _title(feed, [stub.post for stub in chosen], config)
    content = _content_digest(stub.content for stub in chosen)
    docs = []
    for _, name in FORMATS:
        relpath = feed.prefix + name
        fingerprint = _digest_of((relpath, title, feed.subtitle), content)
        if not _still_published(config, reusable, relpath, fingerprint):
            return None
        docs.append(FeedDoc(relpath, fingerprint, None))
    return docs


def _still_published(
    config: Config, reusable: dict[str, Published], relpath: str, fingerprint: str | None = None
) -> bool:
    """Whether the feed file is published as it was written, for this fingerprint if given."""
    known = reusable.get(relpath)
    return (
        known is not None
        and fingerprint in (None, known.fingerprint)
        and file_intact(config.out / relpath, known)
    )


def _title(feed: _Feed, posts: list[Post], config: Config) -> str:
    if feed.key is None:
        return config.site.title
    return feed_title(config.site, category_title(feed.key, posts, config.categories))


def _article(entry: Entry, article_of: Callable[[str], str]) -> str:
    """Which article an entry is: the one its original URL names, else its body's."""
    if entry.original_url:
        return article_of(entry.original_url)
    return hashlib.blake2b(entry.html.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def _attribution_richness(entry: Entry | EntryStub) -> int:
    return (entry.outlet is not None) + (entry.original_url is not None)


def _content_digest(digests: Iterable[bytes]) -> bytes:
    """The entries a feed holds, as they would be written: their digests in order."""
    h = hashlib.blake2b(digest_size=16)
    for digest in digests:
        h.update(digest)
    return h.digest()


def _digest_of(place: tuple[str, str, str], content: bytes) -> str:
    """Everything a feed's bytes depend on besides the settings (which the state holds)."""
    return hashlib.blake2b(repr(place).encode() + content, digest_size=16).hexdigest()


def _guard(config: Config, state: State, previous: State, now: datetime) -> None:
    """Refuse to publish when far fewer posts are found than lately: a missing mount, or
    one losing files. The mark is the most posts of a build in the last days, or of the
    last build if more; --force publishes anyway and starts the mark again."""
    today = now.astimezone(UTC).date()
    peaks = recent_peaks(previous.peaks, today)
    mark, day = max(((posts, day) for day, posts in peaks.items()), default=(0, ""))
    if previous.posts >= mark:  # the last build (or a state file from before the peaks)
        mark, day = previous.posts, ""
    posts = state.posts
    if config.force:
        peaks = {}
    elif mark > 0 and posts < mark * (1 - config.max_drop):
        when = f"at a build on {day}" if day else "at the last build"
        raise BuildError(
            f"{config.source}: {posts} publishable posts, down from {mark} {when} "
            f"(more than {config.max_drop:.0%} fewer); nothing published. Check the "
            "source folder, or run with --force if the posts really were removed"
        )
    state.peaks = {**peaks, today.isoformat(): max(posts, peaks.get(today.isoformat(), 0))}


def _write(
    out: Path,
    docs: Sequence[FeedDoc],
    state: State,
    previous: State,
    report: Report,
    source_folder: frozenset[str],
) -> None:
    remove_stale_temp_files(_folders_written(out, [*previous.files, *(d.relpath for d in docs)]))
    for doc in sorted(docs, key=lambda d: d.relpath):
        path = confined(out, doc.relpath)
        if doc.data is not None and write_if_changed(path, doc.data):
            report.feeds_written += 1
        else:
            report.feeds_unchanged += 1
        stat = path.stat()
        state.files[doc.relpath] = Published(doc.fingerprint, stat.st_size, stat.st_mtime_ns)
    for relpath, known in previous.files.items():
        if relpath not in state.files:
            _remove_feed(out, relpath, known, source_folder, report)
    write_state(out, state)


def _folders_written(out: Path, relpaths: Iterable[str]) -> list[Path]:
    """The output folder and each feed's folder: where feeds leaves its own files."""
    folders = {out}
    for relpath in relpaths:
        folder, slash, _ = relpath.partition("/")
        if slash and FEED_PATH.fullmatch(relpath):  # a slug: no link, no `..`
            folders.add(out / folder)
    return sorted(folders)


def _remove_feed(
    out: Path, relpath: str, known: Published, source_folder: frozenset[str], report: Report
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
    report.warnings.append(f"{relpath}: removed: its category has no posts any more")


@contextmanager
def _timed(report: Report, stage: str) -> Iterator[None]:
    start = time.perf_counter()
    try:
        yield
    finally:
        report.timings[stage] = report.timings.get(stage, 0.0) + time.perf_counter() - start
