"""The pipeline: discover, parse, group, render, clean, write. The only module that knows
the order of the stages; each stage is a function of its own module.
"""

import json
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bs4 import BeautifulSoup

from feeds.config import Config
from feeds.discover import SourceFile, find_post_files
from feeds.errors import BuildError, PostError
from feeds.group import by_category, category_title, combined_groups, feed_title, newest_first
from feeds.model import Entry, Post, Report
from feeds.output import build_lock, confined, remove_stale_temp_files, write_if_changed
from feeds.posts import Unpublished, load_front_matter, parse_post, read_post
from feeds.render import render_markdown
from feeds.slugs import category_slugs
from feeds.text import one_line
from feeds.writer import Format, feed_xml

STATE_NAME = ".feeds-state.json"
FORMATS: tuple[tuple[Format, str], ...] = (("atom", "atom.xml"), ("rss", "rss.xml"))


@dataclass(frozen=True)
class Built:
    """The feed files of one build, not yet written: relative path -> bytes."""

    files: dict[str, bytes]
    posts: int


def publish(config: Config, *, now: datetime, report: Report) -> None:
    """Build every feed and replace the published ones, or raise BuildError and touch none."""
    if not config.source.is_dir():
        raise BuildError(f"{config.source}: the source folder does not exist (is it mounted?)")
    with build_lock(config.out, config.lock_timeout):
        built = build(config, now=now, report=report)
        if config.strict and report.errors:
            raise BuildError(f"--strict: {len(report.errors)} post(s) skipped; nothing published")
        state = _read_state(config.out)
        _guard(config, built, state)
        with _timed(report, "write"):
            _write(config.out, built, state, report)


def build(config: Config, *, now: datetime, report: Report) -> Built:
    """Every feed document of the source folder, in memory. Writes nothing."""
    with _timed(report, "discover"):
        files = find_post_files(config.source, exclude=(config.out,))
    with _timed(report, "parse"):
        parsed = _unique_ids(read_posts(files, config, report), report)
        posts = [p for p in parsed if config.future or p.published <= now]
        report.posts_ignored += len(parsed) - len(posts)  # dated in the future
    if not posts:
        raise BuildError(f"{config.source}: no publishable posts found; nothing published")
    with _timed(report, "render"):
        files_out = dict(_feeds(posts, config, report))
    return Built(files_out, len(posts))


def read_posts(files: Iterable[SourceFile], config: Config, report: Report) -> list[Post]:
    """Posts from candidate files; bad ones reported and skipped, non-posts ignored."""
    posts = []
    for source in files:
        try:
            text = read_post(source.path, source.relpath)
            if text is None:
                continue
            front = load_front_matter(text.front, source.relpath)
            posts.append(parse_post(source.relpath, front, config.site, source.dir_categories))
        except Unpublished:
            report.posts_ignored += 1
        except PostError as exc:
            report.errors.append(str(exc))
            continue
        report.posts_read += 1
    return posts


def _unique_ids(posts: list[Post], report: Report) -> list[Post]:
    seen: dict[str, Post] = {}
    for post in posts:
        if post.id in seen:
            report.errors.append(
                str(
                    PostError(
                        post.relpath,
                        "id",
                        f"same id as {seen[post.id].relpath} ({post.id}); give one an 'id:' key",
                    )
                )
            )
            report.posts_read -= 1
            continue
        seen[post.id] = post
    return list(seen.values())


def _feeds(posts: list[Post], config: Config, report: Report) -> Iterator[tuple[str, bytes]]:
    entries = _EntryCache(config, report)
    site = config.site
    ordered = newest_first(posts)
    combined = _take(map(entries.best, combined_groups(ordered)), config.limit)
    yield from _pair("", site.title, site.description, combined, config)
    groups = by_category(posts)
    pinned = {c: s.slug for c, s in config.categories.items() if s.slug}
    slugs = category_slugs(groups, pinned)
    for category, members in groups.items():
        chosen = _take(map(entries.get, members), config.limit)
        if not chosen:
            continue
        name = category_title(category, members, config.categories)
        yield from _pair(
            slugs[category] + "/",
            feed_title(site, name),
            site.description or site.title,
            chosen,
            config,
        )


def _pair(
    prefix: str, title: str, subtitle: str, entries: Sequence[Entry], config: Config
) -> Iterator[tuple[str, bytes]]:
    for fmt, name in FORMATS:
        relpath = prefix + name
        yield (
            relpath,
            feed_xml(
                fmt,
                site=config.site,
                title=title,
                subtitle=subtitle,
                self_url=f"{config.site.url}/{relpath}",
                entries=entries,
            ),
        )


def _take(entries: Iterable[Entry | None], limit: int) -> list[Entry]:
    chosen: list[Entry] = []
    for entry in entries:
        if entry is not None:
            chosen.append(entry)
            if limit and len(chosen) >= limit:
                break
    return chosen


class _EntryCache:
    """Renders and cleans each published post once per build; a failure skips the post."""

    def __init__(self, config: Config, report: Report) -> None:
        self.config = config
        self.report = report
        self.done: dict[str, Entry | None] = {}

    def get(self, post: Post) -> Entry | None:
        if post.id not in self.done:
            try:
                self.done[post.id] = make_entry(post, self.config)
            except PostError as exc:
                self.report.errors.append(str(exc))
                self.done[post.id] = None
        return self.done[post.id]

    def best(self, copies: list[Post]) -> Entry | None:
        """Of several copies of one article, the one with the richest attribution."""
        made = [e for e in map(self.get, copies) if e is not None]
        if not made:
            return None
        return max(made, key=lambda e: (e.outlet is not None) + (e.original_url is not None))


def make_entry(post: Post, config: Config) -> Entry:
    """Read the post's body again, render it and clean it."""
    from feeds.cleaning import clean_body

    text = read_post(config.source / post.relpath, post.relpath)
    if text is None:
        raise PostError(post.relpath, "read", "no longer a post")
    html = render_markdown(text.body) if post.markdown else text.body
    try:
        cleaned = clean_body(
            html,
            base_url=post.url,
            profile=config.cleaning,
            outlet=post.source_name,
            original_url=post.source_url,
        )
    except Exception as exc:  # a cleaning bug must cost one post, not the build
        raise PostError(post.relpath, "clean", f"{type(exc).__name__}: {exc}") from exc
    summary = _plain(post.summary) if post.summary else cleaned.summary
    return Entry(post, cleaned.html, summary, cleaned.outlet, cleaned.original_url)


def _plain(html: str) -> str:
    return one_line(BeautifulSoup(html, "lxml").get_text(" ")) if "<" in html else one_line(html)


def _read_state(out: Path) -> dict[str, object]:
    try:
        data = json.loads((out / STATE_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _guard(config: Config, built: Built, state: dict[str, object]) -> None:
    """Refuse to publish when far fewer posts are found than last time: a missing mount."""
    before = state.get("posts")
    if config.force or not isinstance(before, int) or before <= 0:
        return
    if built.posts < before * (1 - config.max_drop):
        raise BuildError(
            f"{config.source}: {built.posts} publishable posts, down from {before} at the last "
            f"build (more than {config.max_drop:.0%} fewer); nothing published. Check the "
            "source folder, or run with --force if the posts really were removed"
        )


def _write(out: Path, built: Built, state: dict[str, object], report: Report) -> None:
    remove_stale_temp_files(out)
    for relpath, data in sorted(built.files.items()):
        if write_if_changed(confined(out, relpath), data):
            report.feeds_written += 1
        else:
            report.feeds_unchanged += 1
    previous = state.get("files")
    for relpath in previous if isinstance(previous, list) else []:
        if isinstance(relpath, str) and relpath not in built.files:
            _remove_feed(out, relpath, report)
    new_state = {"posts": built.posts, "files": sorted(built.files)}
    write_if_changed(out / STATE_NAME, json.dumps(new_state, indent=1).encode() + b"\n")


def _remove_feed(out: Path, relpath: str, report: Report) -> None:
    try:
        path = confined(out, relpath)
        path.unlink(missing_ok=True)
        if path.parent != out and not any(path.parent.iterdir()):
            path.parent.rmdir()
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
