"""The pipeline: the stages in order, and nothing else. The source is listed (source/),
the cache brought up to date with it (incremental/), the feeds planned from the cache's
posts (plan/) and their entries (content/), the changed ones rendered by each format
(formats/), then guarded and written (publish/); the WebSub hubs are pinged for the
feeds that changed once the lock is released (publish/hubs.py).

The modules that parse, clean and write (and so import PyYAML, lxml, nh3 and feedgen)
are imported where they are used: a rebuild that finds nothing changed never loads them.

A build costs what changed: an unchanged source is noticed from the directory listing
alone; new and edited files are scanned (in worker processes), the rest comes from the
cache; only the posts that land in a feed are rendered, and only feeds whose content
changed are generated and written.
"""

import sys
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from feeds.config import Config, state_folder
from feeds.errors import BuildError, LockedError
from feeds.files import source_folder
from feeds.incremental.cache import CACHE_NAME, Cache, with_cache
from feeds.incremental.fingerprints import cache_fingerprint, settings_fingerprint
from feeds.incremental.listing import list_source
from feeds.model import Post, Report
from feeds.publish.lock import build_lock
from feeds.publish.state import (
    Ping,
    State,
    due_pings,
    inputs_hold,
    owe_pings,
    read_state,
    replay,
    settle_pings,
    up_to_date,
    write_state,
)
from feeds.publish.statedir import adopt_legacy_files, make_state_folder
from feeds.source.discover import Listing, link_out_message, misnamed_message, unlisted_message
from feeds.workers import Journal, Progress, no_progress

if TYPE_CHECKING:  # imported where used: a rebuild that finds nothing changed never loads it
    from feeds.incremental.documents import FeedDoc

    # The feed files, the site-level pages, the copies for jekyll-feed's subscribers, and
    # the listing the cache now records.
    Built = tuple[list[FeedDoc], list[FeedDoc], dict[str, str], Listing]


def publish(
    config: Config,
    *,
    now: datetime,
    report: Report,
    jobs: int = 1,
    progress: Progress = no_progress,
    listing: Listing | None = None,
) -> Listing:
    """Build every feed and replace the published ones, or raise BuildError and touch none;
    then ping the WebSub hubs for the feeds that changed, and those pings still owed.
    `listing`: the source's, when the caller knows it (feeds watch: the last one with the
    changed files' stamps), so that no folder is read and no other file asked. Return the
    listing the build went by."""
    if not config.source.is_dir():
        raise BuildError(f"{config.source}: the source folder does not exist (is it mounted?)")
    report.warnings.extend(config.warnings)
    with build_lock(config.out, config.lock_timeout) as still_locked:
        owed, used = _publish(config, now, report, jobs, progress, listing, still_locked)
    if owed:  # with the lock released: a slow hub never holds up the next build
        _ping(config, owed, report)
    return used


def _publish(
    config: Config,
    now: datetime,
    report: Report,
    jobs: int,
    progress: Progress,
    listing: Listing | None,
    still_locked: Callable[[], None],
) -> tuple[list[Ping], Listing]:
    """Build and write the feeds that changed, under the lock (`still_locked` raises
    BuildError once the output folder is not the one locked): the hub pings owed, and the
    listing the build went by."""
    private = state_folder(config)
    make_state_folder(private)
    if adopt_legacy_files(config.out, private, cache=config.cache is None):
        report.warnings.append(f"{config.out}: feeds' private files moved to {private}")
    previous = read_state(private)
    cache_path = config.cache or private / CACHE_NAME
    with _timed(report, "discover"):
        # A new cache reads every file: each is asked its size and mtime as it is opened.
        found = listing
        if found is None:
            found = list_source(
                config.source,
                config.out,
                private,
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
        and inputs_hold(previous, config.source)
    ):
        replay(previous, report)
        _check_strict(config, report)
        return _still_owed(previous, config), found
    report.errors.extend(map(misnamed_message, found.misnamed))
    report.errors.extend(map(link_out_message, found.links_out))
    report.errors.extend(unlisted_message(*folder) for folder in found.unlisted)

    def build(cache: Cache) -> tuple[State, "Built"]:
        state = State(listing=digest, settings=settings)
        return state, _build(cache, found, config, now, report, state, previous, jobs, progress)

    fingerprint = cache_fingerprint(config, found.jekyll)
    state, (docs, pages, copies, synced) = with_cache(cache_path, fingerprint, report, build)
    if found.unlisted:
        state.listing = ""  # the folders that could not be listed are read again next time
    _check_strict(config, report)
    from feeds.publish.guard import guard
    from feeds.publish.write import write_feeds

    guard(state, previous, now, source=config.source, max_drop=config.max_drop, force=config.force)
    with _timed(report, "write"):
        folder = source_folder(config.out, config.source)
        still_locked()
        if config.hubs:
            urls = [_feed_url(config, doc.relpath) for doc in docs if doc.data is not None]
            owe_pings(private, previous, config.hubs, urls, time.time_ns())
        write_feeds(
            config.out,
            private,
            docs,
            pages,
            state,
            previous,
            report,
            folder,
            config.formats,
            copies,
        )
        # Those of the feeds written, saved before them too (owe_pings): never forgotten.
        state.pings = due_pings(
            previous.pings,
            config.hubs,
            [_feed_url(config, relpath) for relpath in report.written],
            {_feed_url(config, relpath) for relpath in state.files},
            time.time_ns(),
        )
        still_locked()
        write_state(private, state)
    return state.pings, synced


def _feed_url(config: Config, relpath: str) -> str:
    """The URL a feed file of the output folder is served at, as its hubs know it."""
    return f"{config.site.url}/{relpath}"


def _still_owed(state: State, config: Config) -> list[Ping]:
    """The pings a state owes to hubs the config still names."""
    return [p for p in state.pings if p.hub in config.hubs]


def ping_owed(config: Config, report: Report) -> None:
    """Ping the hubs for the pings the last build left owed, with no build: feeds watch
    tries a failed ping again this way, without waiting for the next change. The state is
    read without the lock (it is replaced whole); what is heard is settled under it."""
    owed = _still_owed(read_state(state_folder(config)), config)
    if owed:
        _ping(config, owed, report)


def _ping(config: Config, owed: list[Ping], report: Report) -> None:
    """Ping the hubs, then forget the pings they heard; those that failed are named, and
    stay owed to the next build."""
    from feeds.publish.hubs import failure_lines, ping_all

    with _timed(report, "ping"):
        results = ping_all([(p.hub, p.url) for p in owed], config.hub_timeout)
    report.pings_sent += len(owed)
    report.pings_failed.extend(failure_lines(results))
    heard = [p for p in owed if results[p.hub, p.url] is None]
    report.pings_heard += len(heard)
    if not heard:
        return
    try:
        with build_lock(config.out, min(config.lock_timeout, config.hub_timeout)):
            settle_pings(state_folder(config), heard)
    except (LockedError, OSError):
        pass  # still owed: pinged again at the next build, which costs a hub one fetch


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
) -> "Built":
    """Bring the cache up to date with the source, then make the feeds from it, the
    site-level pages that list them, where to copy them for jekyll-feed's subscribers, and
    the listing the cache now records."""
    from feeds.incremental.sync import sync

    # A cache being filled keeps no entry's XML: a cold build would pay to write it
    # all, while a rebuild regenerates a few feeds, of entries mostly written before.
    keep_xml = cache.meta("listing") is not None
    state.scanned_ns = time.time_ns()
    with _timed(report, "scan"):
        # The later stages are imported while the workers scan, if they do (a cold build).
        meanwhile = None if "feeds.formats.atom_rss" in sys.modules else _import_stages
        synced = sync(cache, found, config.source, config.site, jobs, progress, report, meanwhile)
    from feeds.config import FORMAT_FILES, jekyll_copies
    from feeds.content.markdown import smartify
    from feeds.incremental.documents import FeedFiles, page_docs
    from feeds.incremental.entries import JOURNAL_NAME, EntryCache, retry_crashed
    from feeds.incremental.published import shared_ids
    from feeds.plan.feeds import Rules, most_used, plan_feeds, tagged_posts
    from feeds.plan.slugs import feed_slugs  # here: python-slugify is slow to import
    from feeds.plan.updates import Updates
    from feeds.publish.state import record_posts, record_problems

    if synced is not found:
        state.listing = synced.digest()
    cache.set_meta("scanned_ns", str(state.scanned_ns))
    cache.db.commit()
    with _timed(report, "render"):
        until = float("inf") if config.future else now.timestamp()
        journal = Journal(state_folder(config) / JOURNAL_NAME)
        retry_crashed(
            cache,
            config.source,
            config.cleaning,
            journal,
            config.site,
            smart_quotes=config.smart_quotes,
        )
        excluded = shared_ids(cache, report.errors, config.out, previous.files, previous.slugs)
        record_posts(state, cache, excluded, until, report, config.source, previous.held)
        updates = Updates(now)

        def kept(posts: Iterable[Post]) -> Iterator[Post]:
            return (updates.settle(p) for p in posts if p.relpath not in excluded)

        categories = cache.categories(until)
        wanted = config.jekyll_feed.categories
        if wanted is not None:  # _config.yml feed.categories: only these have feeds
            categories = [category for category in categories if category in wanted]
        taken = source_folder(config.out, config.source)
        slugs = feed_slugs(
            categories, config.categories, previous.slugs, taken, config.out, report.warnings
        )
        state.slugs = slugs
        tags = config.jekyll_feed.tags
        tagged = {} if tags is None else tagged_posts(kept(cache.newest(until)), tags)
        if len(tagged) > config.max_tag_feeds > 0:
            report.warnings.append(
                f"{config.source / '_config.yml'}: feed.tags: "
                f"{len(tagged) - config.max_tag_feeds} of {len(tagged)} tags get no feed: "
                f"only the {config.max_tag_feeds} tags of the most posts do "
                "(`max_tag_feeds` in feeds.toml; 0 for all)"
            )
            tagged = most_used(tagged, config.max_tag_feeds, previous.tag_slugs)
        tag_slugs = feed_slugs(tagged, {}, previous.tag_slugs, (), config.out, report.warnings)
        state.tag_slugs = tag_slugs
        # The site as feeds show it: its title smartified as jekyll-feed's is (Rules).
        shown = (
            replace(config.site, title=smartify(config.site.title))
            if config.smart_quotes
            else config.site
        )
        rules = Rules(
            shown,
            config.limit,
            config.categories,
            config.formats,
            config.index_page,
            config.hubs,
            config.jekyll_feed.icon,
            config.jekyll_feed.logo,
            config.smart_quotes,
        )
        feeds = plan_feeds(
            kept(cache.newest(until)),
            categories,
            slugs,
            lambda category: kept(cache.newest_in(category, until)),
            rules,
            tagged,
            tag_slugs,
        )
        entries = EntryCache(
            cache,
            config.source,
            config.cleaning,
            report,
            keep_xml,
            updates.held,
            journal,
            config.site,
            config.smart_quotes,
        )
        try:
            entries.prepare([p for feed in feeds for group in feed.first for p in group], jobs)
            # A feed written under other settings (site facts, code) is never reused as it is.
            reusable = previous.files if previous.settings == state.settings else {}
            files = FeedFiles(entries, rules, config.out, reusable, feeds)
            docs = [doc for feed in feeds for doc in files.of(feed)]
            entries.finish()
            state.inputs = entries.inputs()
            reused = previous.pages if previous.settings == state.settings else {}
            opml_file = FORMAT_FILES[config.opml_format]
            pages = page_docs(
                files.summaries,
                shown,
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
        copies = jekyll_copies(config.jekyll_feed, slugs, tag_slugs)
        if copies and "atom.xml" not in config.formats:
            report.warnings.append(
                "jekyll-feed's feeds are Atom: with `atom` switched off in `formats`, "
                "no copy of them is written where jekyll-feed served them"
            )
            copies = {}
        return docs, pages, copies, synced


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
