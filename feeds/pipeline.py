"""The pipeline: the stages in order, and nothing else. The source is listed (source/),
the cache brought up to date with it (incremental/), the feeds planned from the cache's
posts (plan/) and their entries (content/), the changed ones rendered by each format
(formats/), then guarded and written (publish/).

The modules that parse, clean and write (and so import PyYAML, lxml, nh3 and feedgen)
are imported where they are used: a rebuild that finds nothing changed never loads them.

A build costs what changed: an unchanged source is noticed from the directory listing
alone; new and edited files are scanned (in worker processes), the rest comes from the
cache; only the posts that land in a feed are rendered, and only feeds whose content
changed are generated and written.
"""

import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING

from feeds.config import Config
from feeds.errors import BuildError
from feeds.files import source_folder
from feeds.incremental.cache import CACHE_NAME, Cache, with_cache
from feeds.incremental.fingerprints import cache_fingerprint, settings_fingerprint
from feeds.incremental.listing import list_source
from feeds.model import Post, Report
from feeds.publish.lock import build_lock
from feeds.publish.state import State, read_state, replay, up_to_date
from feeds.source.discover import Listing, link_out_message, misnamed_message, unlisted_message
from feeds.workers import Journal, Progress, no_progress

if TYPE_CHECKING:  # imported where used: a rebuild that finds nothing changed never loads it
    from feeds.incremental.documents import FeedDoc


def publish(
    config: Config,
    *,
    now: datetime,
    report: Report,
    jobs: int = 1,
    progress: Progress = no_progress,
    listing: Listing | None = None,
) -> Listing:
    """Build every feed and replace the published ones, or raise BuildError and touch none.
    `listing`: the source's, when the caller knows it (feeds watch: the last one with the
    changed files' stamps), so that no folder is read and no other file asked. Return the
    listing the build went by."""
    if not config.source.is_dir():
        raise BuildError(f"{config.source}: the source folder does not exist (is it mounted?)")
    with build_lock(config.out, config.lock_timeout):
        previous = read_state(config.out)
        cache_path = config.cache or config.out / CACHE_NAME
        with _timed(report, "discover"):
            # A new cache reads every file: each is asked its size and mtime as it is opened.
            found = listing
            if found is None:
                found = list_source(
                    config.source,
                    config.out,
                    jobs=jobs,
                    stat=cache_path.exists(),
                    meanwhile=None if "feeds.formats.atom_rss" in sys.modules else _import_stages,
                )
        digest = found.digest() if found.stated else ""  # else known once scanned
        settings = settings_fingerprint(config, found.jekyll)
        if (
            found.stated
            and not found.unlisted
            and up_to_date(previous, digest, settings, found, now, config.out)
        ):
            replay(previous, report)
            _check_strict(config, report)
            return found
        report.errors.extend(map(misnamed_message, found.misnamed))
        report.errors.extend(map(link_out_message, found.links_out))
        report.errors.extend(unlisted_message(*folder) for folder in found.unlisted)

        def build(cache: Cache) -> tuple[State, tuple[list["FeedDoc"], list["FeedDoc"], Listing]]:
            state = State(listing=digest, settings=settings)
            return state, _build(cache, found, config, now, report, state, previous, jobs, progress)

        fingerprint = cache_fingerprint(config, found.jekyll)
        state, (docs, pages, synced) = with_cache(cache_path, fingerprint, report, build)
        if found.unlisted:
            state.listing = ""  # the folders that could not be listed are read again next time
        _check_strict(config, report)
        from feeds.publish.guard import guard
        from feeds.publish.write import write_feeds

        guard(
            state, previous, now, source=config.source, max_drop=config.max_drop, force=config.force
        )
        with _timed(report, "write"):
            folder = source_folder(config.out, config.source)
            write_feeds(config.out, docs, pages, state, previous, report, folder, config.formats)
        return synced


def _build(
    cache: Cache,
    found: Listing,
    config: Config,
    now: datetime,
    report: Report,
    state: State,
    previous: State,
    jobs: int,
    progress: Progress,
) -> tuple[list["FeedDoc"], list["FeedDoc"], Listing]:
    """Bring the cache up to date with the source, then make the feeds from it, and the
    site-level pages that list them; and the listing the cache now records."""
    from feeds.config import FORMAT_FILES
    from feeds.incremental.documents import FeedFiles, page_docs
    from feeds.incremental.entries import JOURNAL_NAME, EntryCache, retry_crashed
    from feeds.incremental.published import shared_ids
    from feeds.incremental.sync import sync
    from feeds.plan.feeds import Rules, plan_feeds
    from feeds.plan.slugs import feed_slugs  # here: python-slugify is slow to import
    from feeds.plan.updates import Updates
    from feeds.publish.state import record_posts, record_problems

    # A cache being filled keeps no entry's XML: a cold build would pay to write it
    # all, while a rebuild regenerates a few feeds, of entries mostly written before.
    keep_xml = cache.meta("listing") is not None
    state.scanned_ns = time.time_ns()
    with _timed(report, "scan"):
        synced = sync(cache, found, config.source, config.site, jobs, progress, report)
    if synced is not found:
        state.listing = synced.digest()
    cache.set_meta("scanned_ns", str(state.scanned_ns))
    cache.db.commit()
    with _timed(report, "render"):
        until = float("inf") if config.future else now.timestamp()
        journal = Journal(config.out / JOURNAL_NAME)
        retry_crashed(cache, config.source, config.cleaning, journal)
        excluded = shared_ids(cache, report.errors, config.out, previous.files, previous.slugs)
        record_posts(state, cache, excluded, until, report, config.source, previous.held)
        updates = Updates(now)

        def kept(posts: Iterable[Post]) -> Iterator[Post]:
            return (updates.settle(p) for p in posts if p.relpath not in excluded)

        categories = cache.categories(until)
        taken = source_folder(config.out, config.source)
        slugs = feed_slugs(
            categories, config.categories, previous.slugs, taken, config.out, report.warnings
        )
        state.slugs = slugs
        rules = Rules(
            config.site, config.limit, config.categories, config.formats, config.index_page
        )
        feeds = plan_feeds(
            kept(cache.newest(until)),
            categories,
            slugs,
            lambda category: kept(cache.newest_in(category, until)),
            rules,
        )
        entries = EntryCache(
            cache, config.source, config.cleaning, report, keep_xml, updates.held, journal
        )
        try:
            entries.prepare([p for feed in feeds for group in feed.first for p in group], jobs)
            # A feed written under other settings (site facts, code) is never reused as it is.
            reusable = previous.files if previous.settings == state.settings else {}
            files = FeedFiles(entries, rules, config.out, reusable)
            docs = [doc for feed in feeds for doc in files.of(feed)]
            entries.finish()
            reused = previous.pages if previous.settings == state.settings else {}
            opml_file = FORMAT_FILES[config.opml_format]
            pages = page_docs(
                files.summaries,
                config.site,
                opml_file,
                config.index_page,
                config.out,
                reused,
                report.warnings,
            )
        finally:
            entries.close()
        record_problems(state, previous, report, updates.warnings, updates.due)
        cache.db.commit()
        return docs, pages, synced


def _import_stages() -> None:
    """Load what a build that scans, renders and writes imports, a tenth of a second of a
    small rebuild: see find_post_files."""
    import feeds.content.entries
    import feeds.formats.atom_rss
    import feeds.incremental.documents
    import feeds.incremental.scan
    import feeds.plan.slugs  # noqa: F401


def _check_strict(config: Config, report: Report) -> None:
    if config.strict and report.errors:
        raise BuildError(f"--strict: {len(report.errors)} post(s) skipped; nothing published")


@contextmanager
def _timed(report: Report, stage: str) -> Iterator[None]:
    start = time.perf_counter()
    try:
        yield
    finally:
        report.timings[stage] = report.timings.get(stage, 0.0) + time.perf_counter() - start
