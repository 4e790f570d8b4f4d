"""A published post whose file stops being a post, or whose folder cannot be listed, is
named on stderr (exit 3) and stays in the feeds as last published; it is never silently
dropped (issue 16, items 4 and 5)."""

import errno
import os
import shutil
from pathlib import Path

import pytest
from test_bad_posts import GOOD, problems, published, source_with

import feeds.incremental.scan
from conftest import FINEWS, Build, feed_files, parse
from feeds.errors import PostError

EXTRA = "2022-03-01-extra.md"
EXTRA_ID = "tag:finews.withounder.com,2022-03-01:extra"
EXTRA_POST = b"""---
title: "An extra post"
date: 2022-03-01 09:00:00 +0800
categories: emnews
---

The body readers already have.
"""
KEPT = "its last published version stays in the feeds until the file is fixed or deleted"


def _bump(path: Path) -> None:
    """A later mtime, as a rewrite gives, even within the file system's time granularity."""
    stamp = path.stat().st_mtime_ns + 10**9
    os.utime(path, ns=(stamp, stamp))


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (lambda data: b"", "the file is empty"),
        (lambda data: b"\x00" * len(data), "it holds NUL bytes"),
        (lambda data: data.removeprefix(b"---\n"), "it does not open with front matter"),
    ],
)
def test_a_post_that_stops_being_one_is_named_and_kept_until_fixed_or_deleted(
    damage: object, reason: str, tmp_path: Path, build: Build, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out"
    source = source_with(tmp_path, {EXTRA: EXTRA_POST})
    assert build("--source", source, "--out", out).exit_code == 0
    before = {p: p.read_bytes() for p in feed_files(out)}

    (source / EXTRA).write_bytes(damage(EXTRA_POST))  # type: ignore[operator]
    _bump(source / EXTRA)
    for _ in range(2):  # and again, when nothing changed since
        result = build("--source", source, "--out", out)
        assert result.exit_code == 3, result.stderr
        (line,) = problems(result.stderr)
        assert line.startswith(f"{EXTRA}: read: no longer a post: {reason}")
        assert line.endswith(KEPT)
        assert {p: p.read_bytes() for p in feed_files(out)} == before

    (source / EXTRA).write_bytes(EXTRA_POST.replace(b"An extra post", b"Fixed"))
    _bump(source / EXTRA)
    result = build("--source", source, "--out", out)
    assert result.exit_code == 0, result.stderr
    assert published(out)[EXTRA_ID] == "Fixed"

    (source / EXTRA).write_bytes(b"")
    _bump(source / EXTRA)
    assert build("--source", source, "--out", out).exit_code == 3
    (source / EXTRA).unlink()  # the operator's intent: removed as ever
    result = build("--source", source, "--out", out)
    assert result.exit_code == 0, result.stderr
    assert set(published(out)) == GOOD
    assert not (out / "emnews").exists()


def test_a_published_post_that_cannot_be_read_is_named_and_kept(
    tmp_path: Path, build: Build, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out"
    source = source_with(tmp_path, {EXTRA: EXTRA_POST})
    assert build("--source", source, "--out", out).exit_code == 0
    before = {p: p.read_bytes() for p in feed_files(out)}
    read_bytes = feeds.incremental.scan.read_bytes

    def failing(path: Path, relpath: str, size: int | None = None) -> bytes:
        if relpath == EXTRA:
            raise PostError(relpath, "read", os.strerror(errno.EIO))
        return read_bytes(path, relpath, size)

    monkeypatch.setattr(feeds.incremental.scan, "read_bytes", failing)
    _bump(source / EXTRA)
    result = build("--source", source, "--out", out)
    assert result.exit_code == 3, result.stderr
    assert problems(result.stderr) == [f"{EXTRA}: read: Input/output error; {KEPT}"]
    assert {p: p.read_bytes() for p in feed_files(out)} == before


def _post(title: str, date: str) -> str:
    return f'---\ntitle: "{title}"\ndate: {date} 09:00:00 +0800\n---\n\n{title}, the body.\n'


@pytest.fixture
def categories(tmp_path: Path) -> Path:
    """A Jekyll site with a category folder of its own: cat2/_posts."""
    site = tmp_path / "site"
    shutil.copytree(FINEWS / "_posts", site / "_posts")
    shutil.copy(FINEWS / "_config.yml", site / "_config.yml")
    (site / "_posts" / "-202205262391921712.md").unlink()  # its date is unusable
    (site / "cat2" / "_posts").mkdir(parents=True)
    (site / "cat2" / "_posts" / "2022-03-02-b.md").write_text(_post("In cat2", "2022-03-02"))
    return site


def _unlistable(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """Listing the folder fails with EIO, as on a failing disk or a stale NFS handle."""
    scandir, listdir = os.scandir, os.listdir

    def refuse(path: object) -> None:
        if os.fspath(path) == str(folder):  # type: ignore[call-overload]
            raise OSError(errno.EIO, os.strerror(errno.EIO), str(path))

    def failing_scandir(path: object = ".") -> object:
        refuse(path)
        return scandir(path)  # type: ignore[call-overload]

    def failing_listdir(path: object = ".") -> list[str]:
        refuse(path)
        return listdir(path)  # type: ignore[call-overload]

    monkeypatch.setattr(os, "scandir", failing_scandir)
    monkeypatch.setattr(os, "listdir", failing_listdir)


def _titles(feed: Path) -> set[str]:
    return {e.title for e in parse(feed).entries}


def test_a_folder_that_cannot_be_listed_is_named_and_its_posts_kept(
    categories: Path, tmp_path: Path, build: Build, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out"
    folder = categories / "cat2" / "_posts"
    assert build("--source", categories, "--out", out, "--limit", "0").exit_code == 0
    before = {p: p.read_bytes() for p in feed_files(out)}
    assert _titles(out / "cat2" / "atom.xml") == {"In cat2"}

    # A new post lands in the folder (so its listing must be read again), which then fails.
    (folder / "2022-03-03-c.md").write_text(_post("Also in cat2", "2022-03-03"))
    with monkeypatch.context() as failing:
        _unlistable(failing, folder)
        for _ in range(2):
            result = build("--source", categories, "--out", out, "--limit", "0")
            assert result.exit_code == 3, result.stderr
            assert problems(result.stderr) == [
                "cat2/_posts: read: cannot list the folder (Input/output error); its posts "
                "stay in the feeds as last listed until it can be listed"
            ]
            assert {p: p.read_bytes() for p in feed_files(out)} == before

    result = build("--source", categories, "--out", out, "--limit", "0")
    assert result.exit_code == 0, result.stderr
    assert _titles(out / "cat2" / "atom.xml") == {"In cat2", "Also in cat2"}
    cold = tmp_path / "cold"
    assert build("--source", categories, "--out", cold, "--limit", "0").exit_code == 0
    assert {p.relative_to(out): p.read_bytes() for p in feed_files(out)} == {
        p.relative_to(cold): p.read_bytes() for p in feed_files(cold)
    }
