"""The cache: a rebuild costs what changed, and gives what a cold build would give."""

import json
import multiprocessing
import os
import shutil
import sqlite3
import time
from array import array
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from synthetic import write_archive

import feeds.content.entries
import feeds.formats.atom_rss
import feeds.incremental.cache
import feeds.incremental.documents
import feeds.incremental.listing
import feeds.incremental.scan
import feeds.source.discover
from conftest import CONFIG, FINEWS, Build, copy_build, feed_files, parse, state_of
from feeds.config import load_config
from feeds.errors import PostError
from feeds.incremental.cache import CACHE_NAME
from feeds.incremental.listing import RACY_NS
from feeds.model import Entry, Post, Report
from feeds.pipeline import publish
from feeds.source.posts import UnreadableFile

NEW_POST = """---
layout: post
title: "新的一篇"
date: 2022-06-20 09:00:00 +0800
categories: {category}
tags: 测试新闻
---
<p>正文。</p><p class="em_media">（文章来源：测试报）</p>

<http://finance.eastmoney.com/news/1354,2022062000000000{n}.html>
"""


@pytest.fixture
def site(tmp_path: Path) -> Path:
    dest = tmp_path / "site"
    shutil.copytree(FINEWS, dest)
    (dest / "_posts" / "-202205262391921712.md").unlink()  # its date is unusable
    return dest


def outputs(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in feed_files(out)}


def list_long_after_changes(source: Path, out: Path, build: Build) -> None:
    """Build, then build again once the folders' last change is older than the racy
    margin: from then on their listing is trusted while their stamps stay."""
    assert build("--source", source, "--out", out).exit_code == 0
    time.sleep(RACY_NS / 1e9 + 0.1)
    assert build("--source", source, "--out", out).exit_code == 0


def cold(source: Path, out: Path, build: Build) -> dict[str, bytes]:
    shutil.rmtree(out, ignore_errors=True)
    assert build("--source", source, "--out", out, "--jobs", "1").exit_code == 0
    return outputs(out)


def edit(site: Path) -> None:
    posts = site / "_posts"
    for n, category in enumerate(["emnews", "sitenews", "brandnew"]):
        (posts / f"2022-06-20-new{n}.md").write_text(
            NEW_POST.format(category=category, n=n), encoding="utf-8"
        )
    edited = posts / "2022-01-25-NW202201252261386140.md"
    edited.write_text(
        edited.read_text(encoding="utf-8").replace("商汤", "商汤集团"), encoding="utf-8"
    )
    (posts / "2022-05-30-202205302396671291.md").unlink()


class Calls:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.scanned: list[str] = []
        self.rendered: list[str] = []
        read_bytes, make_entry = feeds.incremental.scan.read_bytes, feeds.content.entries.make_entry
        monkeypatch.setattr(
            feeds.incremental.scan,
            "read_bytes",
            lambda path, relpath, *a: self.scanned.append(relpath) or read_bytes(path, relpath, *a),
        )
        monkeypatch.setattr(
            feeds.content.entries,
            "make_entry",
            lambda p, *a, **kw: self.rendered.append(p.relpath) or make_entry(p, *a, **kw),
        )


def test_incremental_equals_cold_after_additions_edits_and_deletions(
    site: Path, tmp_path: Path, build: Build
) -> None:
    out = tmp_path / "out"
    assert build("--source", site, "--out", out, "--jobs", "1").exit_code == 0
    edit(site)
    result = build("--source", site, "--out", out, "--jobs", "1")
    assert result.exit_code == 0, result.stderr
    incremental = outputs(out)
    assert incremental == cold(site, tmp_path / "cold", build)
    titles = {e.title for e in parse(out / "atom.xml").entries}
    assert "新的一篇" in titles
    assert "brandnew/atom.xml" in incremental


def test_no_change_rebuild_reads_no_post(
    site: Path, tmp_path: Path, build: Build, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    assert build("--source", site, "--out", out).exit_code == 0
    calls = Calls(monkeypatch)
    monkeypatch.setattr(feeds.incremental.scan, "read_bytes", lambda *a: pytest.fail("read a post"))
    result = build("--source", site, "--out", out, "--jobs", "1")
    assert result.exit_code == 0
    assert (calls.scanned, calls.rendered) == ([], [])
    assert "wrote 0 feeds (45 unchanged)" in result.stderr


def test_a_new_cache_is_filled_without_asking_each_file_first(
    site: Path, tmp_path: Path, build: Build, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cold build reads every file, and takes each one's size and mtime from the open
    file rather than from a `stat` before; the listing it records is the one a rebuild
    then finds unchanged."""
    out = tmp_path / "out"
    asked: list[int] = []
    stat_below = feeds.source.discover._stat_below

    def counted(source: Path, relpaths: list[str], *args: object) -> object:
        asked.append(len(relpaths))
        return stat_below(source, relpaths, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(feeds.source.discover, "_stat_below", counted)
    assert build("--source", site, "--out", out).exit_code == 0
    assert asked == []
    result = build("--source", site, "--out", out)
    assert asked == [len(list((site / "_posts").iterdir()))]
    assert "wrote 0 feeds (45 unchanged)" in result.stderr


def test_new_posts_are_the_only_ones_parsed_and_their_feeds_the_only_ones_written(
    site: Path, tmp_path: Path, build: Build, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    assert build("--source", site, "--out", out).exit_code == 0
    before = {p: p.stat().st_mtime_ns for p in feed_files(out)}
    (site / "_posts" / "2022-06-20-new0.md").write_text(
        NEW_POST.format(category="sitenews", n=0), encoding="utf-8"
    )
    calls = Calls(monkeypatch)
    result = build("--source", site, "--out", out, "--jobs", "1")
    assert result.exit_code == 0
    assert calls.scanned == ["_posts/2022-06-20-new0.md"]
    assert calls.rendered == ["_posts/2022-06-20-new0.md"]
    changed = sorted(
        p.relative_to(out).as_posix() for p in before if p.stat().st_mtime_ns != before[p]
    )
    # feed.xml: atom.xml's copy where jekyll-feed, which the site lists, served it
    assert changed == ["atom.xml", "feed.xml", "rss.xml", "sitenews/atom.xml", "sitenews/rss.xml"]
    assert "wrote 6 feeds (39 unchanged)" in result.stderr


@pytest.mark.parametrize("damage", [b"not a database at all", b""])
def test_a_corrupt_cache_is_rebuilt(
    site: Path, tmp_path: Path, build: Build, damage: bytes
) -> None:
    out = tmp_path / "out"
    expected = cold(site, out, build)
    (state_of(out) / CACHE_NAME).write_bytes(damage)
    (out / "atom.xml").unlink()
    assert build("--source", site, "--out", out).exit_code == 0
    assert outputs(out) == expected


def test_a_cache_damaged_inside_is_rebuilt(site: Path, tmp_path: Path, build: Build) -> None:
    """Damage past the header opens fine and fails only when read: the build starts the
    cache again, says so, and publishes what a cold build would."""
    out = tmp_path / "out"
    expected = cold(site, out, build)
    cache = state_of(out) / CACHE_NAME
    db = sqlite3.connect(cache)
    (root,) = db.execute("SELECT rootpage FROM sqlite_master WHERE name = 'files'").fetchone()
    page = db.execute("PRAGMA page_size").fetchone()[0]
    db.close()
    data = bytearray(cache.read_bytes())
    data[(root - 1) * page : root * page] = b"\xff" * page  # the files table, not meta
    cache.write_bytes(bytes(data))
    (out / "atom.xml").unlink()
    result = build("--source", site, "--out", out)
    assert result.exit_code == 0, result.stderr
    assert "damaged" in result.stderr and "rebuilt from the posts" in result.stderr
    assert outputs(out) == expected
    assert build("--source", site, "--out", out).exit_code == 0


def test_posts_sharing_an_id_are_found_as_a_cold_build_finds_them(
    site: Path, tmp_path: Path, build: Build
) -> None:
    """The ids several posts share are kept up to date from the posts each build stores,
    not looked for among all of them: a twin that comes, changes or goes must show as
    it would in a cold build given the same published feeds. The post published under
    the id keeps it."""
    out = tmp_path / "out"
    original = site / "_posts" / "2022-01-25-NW202201252261386140.md"
    twin = site / "other" / "_posts" / original.name  # the same file name: the same id
    said = f"{twin.relative_to(site).as_posix()}: id: same id as _posts/{original.name}"

    def check(expected_code: int) -> str:
        shutil.rmtree(tmp_path / "cold", ignore_errors=True)
        copy_build(out, tmp_path / "cold", cache=False)
        result = build("--source", site, "--out", out, "--jobs", "1")
        assert result.exit_code == expected_code, result.stderr
        fresh = build("--source", site, "--out", tmp_path / "cold", "--jobs", "1")

        def skipped(stderr: str) -> list[str]:  # not what was written or removed
            return [line for line in stderr.splitlines()[:-1] if ": removed: " not in line]

        assert (fresh.exit_code, skipped(fresh.stderr)) == (
            result.exit_code,
            skipped(result.stderr),
        )
        assert outputs(out) == outputs(tmp_path / "cold")
        return result.stderr

    assert build("--source", site, "--out", out).exit_code == 0
    twin.parent.mkdir(parents=True)
    shutil.copy(original, twin)
    assert said in check(3)
    twin.write_text(twin.read_text(encoding="utf-8") + "\n<p>改过</p>\n", encoding="utf-8")
    assert said in check(3)
    original.unlink()  # the twin is the only one left
    assert "same id" not in check(0)
    shutil.copy(twin, original)  # back, beside the twin readers now have
    assert f"_posts/{original.name}: id: same id as {twin.relative_to(site).as_posix()}" in check(3)
    twin.unlink()
    assert "same id" not in check(0)


def test_a_build_that_fails_while_rendering_leaves_no_worker_running(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Feeds are written while the workers still render; if writing one fails, the
    workers stop with the build, even while the failure is still being handled (the
    damaged-cache retry starts a new scan from there)."""
    source = write_archive(tmp_path / "source", 200)
    config = load_config(CONFIG, source=source, out=tmp_path / "out", overrides={"limit": 0})
    make_entry = feeds.content.entries.make_entry

    def slow(post: Post, source: Path, cleaning: str, *rest: object, **options: bool) -> Entry:
        time.sleep(0.01)  # the workers are still busy when the first feed is written
        return make_entry(post, source, cleaning, *rest, **options)  # type: ignore[arg-type]

    def disk_error(self: feeds.incremental.cache.Cache, entry: Entry) -> None:
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(feeds.content.entries, "make_entry", slow)
    monkeypatch.setattr(feeds.incremental.cache.Cache, "store_entry", disk_error)
    with pytest.raises(sqlite3.OperationalError) as failure:
        publish(config, now=datetime.now(UTC), report=Report(), jobs=2)
    assert failure.traceback  # the failure, and every frame it holds, is still here
    assert multiprocessing.active_children() == []


def indexes(cache: Path) -> set[str]:
    db = sqlite3.connect(cache)
    try:
        return {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    finally:
        db.close()


def test_a_new_cache_keeps_its_indexes_even_when_its_first_build_fails(
    site: Path, tmp_path: Path, build: Build, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new cache is filled with its indexes dropped and built at the end; a build that
    fails half way must not leave an unindexed cache behind."""
    out = tmp_path / "out"
    expected = cold(site, tmp_path / "cold", build)
    wanted = indexes(state_of(tmp_path / "cold") / CACHE_NAME)
    assert {"files_post_order", "categories_order", "files_id"} <= wanted
    store = feeds.incremental.cache.Cache.store

    def fail_late(
        self: feeds.incremental.cache.Cache, rows: list[feeds.incremental.cache.FileRow], **kw: bool
    ) -> None:
        store(self, rows, **kw)
        raise sqlite3.OperationalError("disk I/O error")

    with monkeypatch.context() as patch:
        patch.setattr(feeds.incremental.cache.Cache, "store", fail_late)
        assert build("--source", site, "--out", out, "--jobs", "1").exit_code != 0
    assert indexes(state_of(out) / CACHE_NAME) == wanted
    assert build("--source", site, "--out", out, "--jobs", "1").exit_code == 0
    assert indexes(state_of(out) / CACHE_NAME) == wanted
    assert outputs(out) == expected


def test_a_new_cache_is_made_of_large_pages(site: Path, tmp_path: Path, build: Build) -> None:
    """Filling and indexing 100,000 rows costs less in 16 KiB pages than in SQLite's 4."""
    assert build("--source", site, "--out", tmp_path / "out").exit_code == 0
    db = sqlite3.connect(state_of(tmp_path / "out") / CACHE_NAME)
    try:
        assert db.execute("PRAGMA page_size").fetchone() == (16384,)
    finally:
        db.close()


def test_an_edit_in_place_in_a_folder_read_long_ago_is_seen(
    site: Path, tmp_path: Path, build: Build
) -> None:
    """The listing of a folder is reused while its mtime stays, but an edit in place does
    not change that mtime: each file's own stamp still shows it."""
    out = tmp_path / "out"
    posts = site / "_posts"
    list_long_after_changes(site, out, build)
    folders = state_of(out) / ".feeds-folders.json"
    listed = folders.stat().st_mtime_ns
    folder_mtime = posts.stat().st_mtime_ns
    edited = posts / "2022-01-25-NW202201252261386140.md"
    text = edited.read_text(encoding="utf-8")
    with edited.open("r+", encoding="utf-8") as fh:  # in place: the folder's mtime stays
        fh.write(text.replace("title:", "title: 改过的", 1))
    assert posts.stat().st_mtime_ns == folder_mtime
    result = build("--source", site, "--out", out)
    assert result.exit_code == 0, result.stderr
    assert folders.stat().st_mtime_ns == listed  # the folder's listing was reused
    titles = [e.title for e in parse(out / "atom.xml").entries]
    assert any(t.startswith("改过的") for t in titles)
    assert outputs(out) == cold(site, tmp_path / "cold", build)


@pytest.mark.parametrize("names", [[], ["a.md"], ["_posts/a.md", "_posts/b\udcff.md", "c/d.md"]])
def test_the_listing_file_round_trips_and_names_its_cache(tmp_path: Path, names: list[str]) -> None:
    path = tmp_path / CACHE_NAME
    sizes, mtimes = array("q", range(len(names))), array("q", [-5, 2**62, 7][: len(names)])
    with feeds.incremental.cache.Cache.open(path, "fingerprint") as cache:
        assert cache.listing() is None  # a new cache
        cache.set_listing(names, sizes, mtimes)
        token = cache.meta("listing")
    assert token is not None
    listing = feeds.incremental.cache.listing_path(path)
    assert feeds.incremental.cache.read_listing(listing, token) == (names, sizes, mtimes)
    assert feeds.incremental.cache.read_listing(listing, "0" * 32) is None
    feeds.incremental.cache.discard(path)
    assert not listing.exists() and not path.exists()


def test_a_torn_or_disordered_listing_file_is_not_trusted(tmp_path: Path) -> None:
    names = ["_posts/a.md", "_posts/b.md", "_posts/b.md~", "_posts/c.md"]
    sizes, mtimes = array("q", [1, 2, 3, 4]), array("q", [5, 6, 7, 8])
    data = feeds.incremental.cache.listing_bytes("t" * 32, names, sizes, mtimes)
    path = tmp_path / "listing"
    path.write_bytes(data)
    assert feeds.incremental.cache.read_listing(path, "t" * 32) == (names, sizes, mtimes)
    for cut in range(1, len(data)):  # torn anywhere: `b.md~` cut to `b.md` included
        path.write_bytes(data[:cut])
        assert feeds.incremental.cache.read_listing(path, "t" * 32) is None, cut
    disordered = ["_posts/a.md", "_posts/c.md", "_posts/b.md", "_posts/d.md"]
    path.write_bytes(feeds.incremental.cache.listing_bytes("t" * 32, disordered, sizes, mtimes))
    assert feeds.incremental.cache.read_listing(path, "t" * 32) is None


def test_without_its_listing_file_the_cache_lists_its_rows_in_order(tmp_path: Path) -> None:
    path = tmp_path / CACHE_NAME
    names = ["b/x.md", "a.md", "b.md", "a/z.md", "b-c.md"]
    with feeds.incremental.cache.Cache.open(path, "fingerprint") as cache:
        rows = [
            feeds.incremental.cache.FileRow(
                name, n, 10 * n, "d", feeds.incremental.cache.NOT_A_POST
            )
            for n, name in enumerate(names)
        ]
        cache.store(rows, replacing=False)
        cache.set_listing(sorted(names), array("q", [0] * 5), array("q", [0] * 5))
    feeds.incremental.cache.listing_path(path).unlink()
    with feeds.incremental.cache.Cache.open(path, "fingerprint") as cache:
        listing = cache.listing()
    assert listing is not None
    relpaths, sizes, mtimes = listing
    assert relpaths == sorted(names)
    assert list(sizes) == [names.index(r) for r in relpaths]
    assert list(mtimes) == [10 * names.index(r) for r in relpaths]


@pytest.mark.parametrize("damage", ["truncated", "garbage", "another token", "gone"])
def test_a_lost_or_damaged_listing_file_is_read_from_the_cache_rows(
    site: Path, tmp_path: Path, build: Build, monkeypatch: pytest.MonkeyPatch, damage: str
) -> None:
    out = tmp_path / "out"
    list_long_after_changes(site, out, build)  # no file is scanned again for being recent
    listing = feeds.incremental.cache.listing_path(state_of(out) / CACHE_NAME)
    data = listing.read_bytes()
    if damage == "truncated":
        listing.write_bytes(data[: len(data) // 2])
    elif damage == "garbage":
        listing.write_bytes(b"\xff" * len(data))
    elif damage == "another token":  # a listing of a build whose cache was not committed
        listing.write_bytes(data.replace(data.split(b"\n")[1], b"0" * 32, 1))
    else:
        listing.unlink()
    edit(site)
    calls = Calls(monkeypatch)
    result = build("--source", site, "--out", out)
    assert result.exit_code == 0, result.stderr
    assert sorted(calls.scanned) == [  # what changed, and only that
        "_posts/2022-01-25-NW202201252261386140.md",
        *(f"_posts/2022-06-20-new{n}.md" for n in range(3)),
    ]
    assert outputs(out) == cold(site, tmp_path / "cold", build)


def test_a_tampered_folders_file_is_not_trusted(site: Path, tmp_path: Path, build: Build) -> None:
    """Names in it may not reach outside their folder: the folder is read again instead."""
    out = tmp_path / "out"
    (tmp_path / "outside.md").write_text(NEW_POST.format(category="leak", n=7), encoding="utf-8")
    list_long_after_changes(site, out, build)
    expected = outputs(out)
    folders = state_of(out) / ".feeds-folders.json"
    data = json.loads(folders.read_text(encoding="utf-8"))
    stamp, names, subfolders = data["folders"]["_posts"]
    data["folders"]["_posts"] = [stamp, names + "\0../../outside.md", subfolders]
    folders.write_text(json.dumps(data), encoding="utf-8")
    (out / "atom.xml").unlink()
    assert build("--source", site, "--out", out).exit_code == 0
    assert outputs(out) == expected
    assert not (out / "leak").exists()
    assert "outside" not in folders.read_text(encoding="utf-8")  # read again, rewritten


def test_a_foreign_cache_is_not_trusted(site: Path, tmp_path: Path, build: Build) -> None:
    out = tmp_path / "out"
    expected = cold(site, out, build)
    (state_of(out) / CACHE_NAME).unlink()
    db = sqlite3.connect(state_of(out) / CACHE_NAME)
    db.execute("CREATE TABLE files (relpath TEXT)")
    db.commit()
    db.close()
    (out / "atom.xml").unlink()
    assert build("--source", site, "--out", out).exit_code == 0
    assert outputs(out) == expected


def test_a_changed_config_invalidates_cleaned_bodies(
    site: Path, tmp_path: Path, build: Build
) -> None:
    out = tmp_path / "out"
    cold(site, out, build)
    config = tmp_path / "generic.toml"
    config.write_text(
        CONFIG.read_text(encoding="utf-8").replace('cleaning = "finews"', 'cleaning = "generic"'),
        encoding="utf-8",
    )
    assert build("--source", site, "--out", out, config=config).exit_code == 0
    assert outputs(out) == cold(site, tmp_path / "cold", lambda *a: build(*a, config=config))


def test_a_future_post_is_published_once_it_is_due(site: Path, tmp_path: Path) -> None:
    (site / "_posts" / "2030-01-01-later.md").write_text(
        NEW_POST.format(category="sitenews", n=9).replace(
            "2022-06-20 09:00:00", "2030-01-01 00:00:00"
        ),
        encoding="utf-8",
    )
    config = load_config(CONFIG, source=site, out=tmp_path / "out")
    for year, expected in [(2026, False), (2026, False), (2031, True)]:
        report = Report()
        publish(config, now=datetime(year, 1, 1, tzinfo=UTC), report=report)
        titles = {e.title for e in parse(tmp_path / "out" / "sitenews/atom.xml").entries}
        assert ("新的一篇" in titles) is expected


def backdate(folder: Path) -> None:
    """Files written long before the build: outside the window where mtimes can lie."""
    for path in folder.rglob("*"):
        os.utime(path, (1_600_000_000, 1_600_000_000))


def test_changed_site_facts_reach_every_feed(site: Path, tmp_path: Path, build: Build) -> None:
    out = tmp_path / "out"
    cold(site, out, build)
    config = tmp_path / "renamed.toml"
    config.write_text(
        CONFIG.read_text(encoding="utf-8").replace('author = "ZNing"', 'author = "Editor"'),
        encoding="utf-8",
    )
    result = build("--source", site, "--out", out, config=config)
    assert "wrote 45 feeds" in result.stderr
    for path in feed_files(out):
        assert parse(path).feed.get("author", "Editor") == "Editor", path


def test_a_file_that_could_not_be_read_is_tried_again(
    site: Path, tmp_path: Path, build: Build, monkeypatch: pytest.MonkeyPatch
) -> None:
    backdate(site)
    out = tmp_path / "out"
    flaky = "_posts/2021-12-01-init.md"
    read_bytes, read_new = feeds.incremental.scan.read_bytes, feeds.incremental.scan.read_new

    def failing(path: Path, relpath: str, size: int | None = None) -> bytes:
        if relpath == flaky:
            raise PostError(relpath, "read", "Input/output error")
        return read_bytes(path, relpath, size)

    def failing_new(path: str, relpath: str) -> tuple[bytes, int, int] | None:
        if relpath == flaky:
            st = Path(path).stat()
            raise UnreadableFile(relpath, "Input/output error", st.st_size, st.st_mtime_ns)
        return read_new(path, relpath)

    # Once in a new cache (where files are opened without a `stat` first), once in a
    # cache that has the others.
    for new_cache in (True, False):
        if not new_cache:  # the file changed, and is read again
            stamp = (site / flaky).stat().st_mtime_ns + 10**9
            os.utime(site / flaky, ns=(stamp, stamp))
        monkeypatch.setattr(feeds.incremental.scan, "read_bytes", failing)
        monkeypatch.setattr(feeds.incremental.scan, "read_new", failing_new)
        result = build("--source", site, "--out", out)
        assert result.exit_code == 3 and f"{flaky}: read: Input/output error" in result.stderr
        assert (state_of(out) / CACHE_NAME).exists()
        monkeypatch.setattr(feeds.incremental.scan, "read_bytes", read_bytes)  # the mount is back
        monkeypatch.setattr(feeds.incremental.scan, "read_new", read_new)
        result = build("--source", site, "--out", out)
        assert result.exit_code == 0, result.stderr
        assert "开站大吉" in {e.title for e in parse(out / "sitenews/atom.xml").entries}


def test_a_feed_whose_posts_all_fail_to_render_keeps_its_last_version(
    site: Path, tmp_path: Path, build: Build, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    cold(site, out, build)
    before = (out / "sitenews/atom.xml").read_bytes()
    (site / "_posts" / "2021-12-01-init.md").write_text(
        (site / "_posts" / "2021-12-01-init.md").read_text(encoding="utf-8") + "\nmore",
        encoding="utf-8",
    )
    make_entry = feeds.content.entries.make_entry

    def failing(post: Post, source: Path, cleaning: str, *rest: object, **options: bool) -> Entry:
        if "sitenews" in post.categories:
            raise PostError(post.relpath, "clean", "ValueError: a bug")
        return make_entry(post, source, cleaning, *rest, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(feeds.content.entries, "make_entry", failing)
    result = build("--source", site, "--out", out, "--jobs", "1")
    assert result.exit_code == 3
    assert "_posts/2021-12-01-init.md: clean: ValueError: a bug" in result.stderr
    assert "removed" not in result.stderr
    assert (out / "sitenews/atom.xml").read_bytes() == before


def test_a_no_change_rebuild_reports_what_the_build_before_it_did(
    site: Path, tmp_path: Path, build: Build
) -> None:
    (site / "_posts" / "2099-01-01-later.md").write_text(
        NEW_POST.format(category="sitenews", n=8).replace("2022-06-20", "2099-01-01"),
        encoding="utf-8",
    )
    (site / "_posts" / "2021-12-09-bad.md").write_text("---\ntitle: [\n---\n", encoding="utf-8")
    backdate(site)
    out = tmp_path / "out"
    first = build("--source", site, "--out", out)
    second = build("--source", site, "--out", out)
    assert first.exit_code == second.exit_code == 3
    assert "left out 1 unpublished or future" in first.stderr
    assert (
        first.stderr.replace("wrote 45 feeds (0 unchanged)", "wrote 0 feeds (45 unchanged)")
        == second.stderr
    )


def test_a_feed_url_survives_a_new_category_spelt_like_its_slug(
    site: Path, tmp_path: Path, build: Build
) -> None:
    out = tmp_path / "out"
    (site / "_posts" / "2022-06-20-new0.md").write_text(
        NEW_POST.format(category="Sitenews", n=0), encoding="utf-8"
    )
    (site / "_posts" / "2021-12-01-init.md").unlink()
    assert build("--source", site, "--out", out).exit_code == 0
    assert {e.title for e in parse(out / "sitenews/atom.xml").entries} == {"新的一篇"}
    (site / "_posts" / "2022-06-21-new1.md").write_text(
        NEW_POST.format(category="sitenews", n=1).replace("2022-06-20", "2022-06-21"),
        encoding="utf-8",
    )
    assert build("--source", site, "--out", out).exit_code == 0
    feed = parse(out / "sitenews/atom.xml")
    assert [e.published[:10] for e in feed.entries] == ["2022-06-20"]  # still Sitenews's


def test_unchanged_feeds_are_told_from_stored_digests_without_reading_bodies(
    site: Path, tmp_path: Path, build: Build, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rebuild after a new post reads back the stored bodies of the feeds it changes
    only; the others are fingerprinted from each entry's stored digest. Worked out whole,
    every feed gets the same fingerprint and the same bytes."""
    out, whole = tmp_path / "out", tmp_path / "whole"
    assert build("--source", site, "--out", out, "--limit", "3").exit_code == 0
    (site / "_posts" / "2022-06-20-new0.md").write_text(
        NEW_POST.format(category="sitenews", n=0), encoding="utf-8"
    )
    copy_build(out, whole)
    read: list[str] = []
    entries = feeds.incremental.cache.Cache.entries

    def spy(self: feeds.incremental.cache.Cache, posts: list[Post]) -> dict[str, Entry]:
        read.extend(post.relpath for post in posts)
        return entries(self, posts)

    monkeypatch.setattr(feeds.incremental.cache.Cache, "entries", spy)
    result = build("--source", site, "--out", out, "--limit", "3", "--jobs", "1")
    assert result.exit_code == 0 and "wrote 6 feeds" in result.stderr
    # The combined feed and sitenews': three entries each, one of them the new post.
    assert len(set(read)) <= 5
    read.clear()
    monkeypatch.setattr(feeds.incremental.documents.FeedFiles, "_unchanged", lambda *args: None)
    assert build("--source", site, "--out", whole, "--limit", "3", "--jobs", "1").exit_code == 0
    assert len(set(read)) >= 15  # worked out whole: every published body is read
    assert outputs(whole) == outputs(out)
    state = json.loads((state_of(out) / ".feeds-state.json").read_text(encoding="utf-8"))
    state_whole = json.loads((state_of(whole) / ".feeds-state.json").read_text(encoding="utf-8"))
    assert {k: v["fingerprint"] for k, v in state["files"].items()} == {
        k: v["fingerprint"] for k, v in state_whole["files"].items()
    }


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(
                [
                    feeds.incremental.cache.NOT_A_POST,
                    feeds.incremental.cache.POST,
                    feeds.incremental.cache.BAD,
                    feeds.incremental.cache.UNPUBLISHED,
                ]
            ),
            st.integers(0, 20),
            st.lists(st.sampled_from(["a", "b", "b-c", "中文", ""]), max_size=3, unique=True),
        ),
        max_size=40,
    ),
    st.integers(-1, 21),
)
def test_the_counts_and_categories_read_from_the_index_are_the_plain_queries(
    tmp_path_factory: pytest.TempPathFactory,
    files: list[tuple[int, int, list[str]]],
    until: int,
) -> None:
    path = tmp_path_factory.mktemp("cache") / CACHE_NAME
    with feeds.incremental.cache.Cache.open(path, "fingerprint") as cache:
        rows = [
            feeds.incremental.cache.FileRow(
                f"p{n}.md", 1, 1, "d", kind, None, float(ts), f"id{n}", "{}", tuple(cats)
            )
            for n, (kind, ts, cats) in enumerate(files)
        ]
        cache.store(rows, replacing=False)
        db = cache.db
        for kind in (
            feeds.incremental.cache.NOT_A_POST,
            feeds.incremental.cache.POST,
            feeds.incremental.cache.UNPUBLISHED,
        ):
            plain = db.execute("SELECT COUNT(*) FROM files WHERE kind = ?", (kind,)).fetchone()[0]
            assert cache.count(kind) == plain
        due = db.execute(
            "SELECT COUNT(*) FROM files WHERE kind = ? AND ts <= ?",
            (feeds.incremental.cache.POST, until),
        ).fetchone()[0]
        assert cache.count_due(until) == due
        distinct = db.execute(
            "SELECT DISTINCT category FROM categories WHERE ts <= ? ORDER BY category", (until,)
        )
        assert cache.categories(until) == [r[0] for r in distinct]


def test_feeds_made_of_entries_xml_kept_by_earlier_builds_are_those_a_cold_build_makes(
    site: Path, tmp_path: Path, build: Build, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rebuild keeps the XML of the entries of the feeds it writes; the next one puts
    that XML back in the feeds it regenerates instead of having feedgen make it again."""
    out = tmp_path / "out"
    assert build("--source", site, "--out", out, "--jobs", "1").exit_code == 0
    edit(site)  # a rebuild: entries' XML is kept
    assert build("--source", site, "--out", out, "--jobs", "1").exit_code == 0
    db = sqlite3.connect(state_of(out) / CACHE_NAME)
    (kept,) = db.execute("SELECT COUNT(*) FROM entries WHERE atom IS NOT NULL").fetchone()
    db.close()
    assert kept > 10
    made: list[str] = []
    document = feeds.formats.atom_rss.FeedDocument
    element = document._element  # an entry made, by lxml or feedgen, not read back

    def noted(self: Any, i: int, fmt: Any) -> Any:
        made.append(self.entries[i].relpath)
        return element(self, i, fmt)

    monkeypatch.setattr(document, "_element", noted)
    posts = site / "_posts"
    (posts / "2022-06-21-new9.md").write_text(
        NEW_POST.format(category="emnews", n=9).replace("2022-06-20", "2022-06-21"),
        encoding="utf-8",
    )
    result = build("--source", site, "--out", out, "--jobs", "1")
    assert result.exit_code == 0, result.stderr
    assert set(made) == {"_posts/2022-06-21-new9.md"}  # only the new post's XML was made
    monkeypatch.setattr(document, "_element", element)
    assert outputs(out) == cold(site, tmp_path / "cold", build)


def posts_below_a_category_folder(tmp_path: Path) -> Path:
    """A source holding `markets/_posts/`: a category folder once the source is a Jekyll
    site (an empty top-level `_posts` makes it one), a plain path before."""
    source = tmp_path / "source"
    posts = source / "markets" / "_posts"
    posts.parent.mkdir(parents=True)
    shutil.copytree(FINEWS / "_posts", posts)
    (posts / "-202205262391921712.md").unlink()  # its date is unusable
    return source


@pytest.mark.parametrize("becomes", ["a Jekyll site", "a plain folder"])
def test_a_source_that_changes_kind_is_read_as_a_cold_build_reads_it(
    tmp_path: Path, build: Build, becomes: str
) -> None:
    # In a Jekyll site the folders above `_posts` are categories; in a plain folder they
    # are not: every stored post's categories change, though no post file does.
    source = posts_below_a_category_folder(tmp_path)
    marker = source / "_posts"
    if becomes == "a plain folder":
        marker.mkdir()
    out = tmp_path / "out"
    assert build("--source", source, "--out", out, "--jobs", "1").exit_code == 0
    if becomes == "a plain folder":
        marker.rmdir()
    else:
        marker.mkdir()
    result = build("--source", source, "--out", out, "--jobs", "1")
    assert result.exit_code == 0, result.stderr
    incremental = outputs(out)
    assert incremental == cold(source, tmp_path / "cold", build)
    assert ("markets/atom.xml" in incremental) == (becomes == "a Jekyll site")


def test_a_source_that_becomes_a_jekyll_site_while_it_is_listed_is_read_again(
    tmp_path: Path, build: Build, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The cache is stamped with the kind of source its rows were read as, not asked again.
    source = posts_below_a_category_folder(tmp_path)
    out = tmp_path / "out"
    assert build("--source", source, "--out", out, "--jobs", "1").exit_code == 0
    listed = feeds.incremental.listing.find_post_files

    def listed_then_changed(*args: object, **kwargs: object) -> feeds.source.discover.Listing:
        listing = listed(*args, **kwargs)  # type: ignore[arg-type]
        (source / "_posts").mkdir(exist_ok=True)
        return listing

    with monkeypatch.context() as patched:
        patched.setattr(feeds.incremental.listing, "find_post_files", listed_then_changed)
        assert build("--source", source, "--out", out, "--jobs", "1").exit_code == 0
    assert build("--source", source, "--out", out, "--jobs", "1").exit_code == 0
    incremental = outputs(out)
    assert incremental == cold(source, tmp_path / "cold", build)
    assert "markets/atom.xml" in incremental
