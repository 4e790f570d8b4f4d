"""Only files feeds wrote are ever removed, and its own files are never opened through a
link (issue 16, items 11 and 12).

Each case builds the seeds, then plants what another program, or a tampered state file,
would leave, and runs the real command again.
"""

import json
import shutil
from pathlib import Path

import pytest

from conftest import SEEDS, Build, feed_files, parse, state_of

POST = """---
title: "A post filed under the source folder's name"
date: 2022-02-01 10:00:00 +0800
categories: src
---

Some text.
"""


def built(tmp_path: Path, build: Build) -> tuple[Path, Path]:
    source, out = tmp_path / "source", tmp_path / "out"
    shutil.copytree(SEEDS, source)
    assert build("--source", source, "--out", out).exit_code == 0
    return source, out


def test_stale_temp_cleanup_removes_only_feeds_own_temp_files(tmp_path: Path, build: Build) -> None:
    out = tmp_path / "site"
    source = out / "src"  # the source lies inside the output folder
    shutil.copytree(SEEDS, source)
    assert build("--source", source, "--out", out).exit_code == 0
    others = [
        out / ".scraper-page.tmp",
        out / ".atom.xml.k1l2m3.tmp",  # not a name feeds makes
        source / ".2022-02-01-in-progress.md.tmp",
        out / "shanghaizhengquanbao" / ".upload.tmp",
    ]
    ours = [
        out / ".atom.xml.feeds-k1l2m3n4.tmp",
        out / "shanghaizhengquanbao" / ".rss.xml.feeds-x9y8z7_6.tmp",
    ]
    for path in [*others, *ours]:
        path.write_bytes(b"<?xml version='1.0'?><feed")
    (source / "2022-01-25-NW202201252261386140.md").unlink()  # so that the build writes
    result = build("--source", source, "--out", out, "--force")
    assert result.exit_code == 0, result.stderr
    assert all(path.exists() for path in others)
    assert not any(path.exists() for path in ours)


@pytest.mark.parametrize("victim", ["index.html", "blog/post.html", "blog/atom.xml"])
def test_a_tampered_state_file_cannot_remove_a_file_feeds_did_not_write(
    tmp_path: Path, build: Build, victim: str
) -> None:
    source, out = built(tmp_path, build)
    path = out / victim
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("keep me")
    stat = path.stat()
    state_path = state_of(out) / ".feeds-state.json"
    state = json.loads(state_path.read_text(encoding="utf-8"))
    template = next(iter(state["files"].values()))
    # Its very size and mtime: only the kind of path, and who wrote it, may keep it.
    state["files"][victim] = {**template, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}
    if victim == "blog/atom.xml":  # a feed-shaped path, but another program's file
        state["files"][victim]["mtime_ns"] += 1
    state_path.write_text(json.dumps(state), encoding="utf-8")
    (source / "2022-01-25-NW202201252261386140.md").unlink()  # so that the build writes
    result = build("--source", source, "--out", out, "--force")
    assert result.exit_code == 0, result.stderr
    assert path.read_text() == "keep me"
    assert f"{path}: " in result.stderr and "; not removed" in result.stderr


def test_a_category_named_like_the_source_folder_writes_no_feed_into_the_source(
    tmp_path: Path, build: Build
) -> None:
    out = tmp_path / "site"
    source = out / "src"
    shutil.copytree(SEEDS, source)
    (source / "2022-02-01-filed-under-src.md").write_text(POST, encoding="utf-8")
    result = build("--source", source, "--out", out)
    assert result.exit_code == 0, result.stderr
    assert sorted(p.name for p in source.iterdir() if p.suffix == ".xml") == []
    moved = [p for p in feed_files(out) if p.parent.name.startswith("src-")]
    assert [p.name for p in moved] == ["atom.xml", "rss.xml"]
    assert parse(moved[0]).entries[0].title == "A post filed under the source folder\u2019s name"
    assert f"{moved[0].parent}: the feeds of category 'src': not in {source}" in result.stderr


def test_an_earlier_versions_lock_file_is_not_opened_through_a_link(
    tmp_path: Path, build: Build
) -> None:
    source, out = built(tmp_path, build)
    target = tmp_path / "elsewhere" / "nologin"
    target.parent.mkdir()
    (out / ".feeds.lock").symlink_to(target)
    before = {p: p.read_bytes() for p in feed_files(out)}
    result = build("--source", source, "--out", out)
    assert result.exit_code == 1
    assert f"{out / '.feeds.lock'}: is a symbolic link" in result.stderr
    assert "remove it" in result.stderr
    assert not target.exists()
    assert {p: p.read_bytes() for p in feed_files(out)} == before


@pytest.mark.parametrize(
    "name",
    [
        ".feeds-state.json",
        ".feeds-folders.json",
        ".feeds-cache.sqlite",
        ".feeds-cache.sqlite-listing",
    ],
)
@pytest.mark.parametrize("where", ["state folder", "output folder, as 0.1 kept it"])
def test_state_and_cache_files_are_not_opened_through_a_link(
    tmp_path: Path, build: Build, name: str, where: str
) -> None:
    source, out = built(tmp_path, build)
    target = tmp_path / "elsewhere" / "target"
    target.parent.mkdir()
    link = state_of(out) / name
    if where != "state folder":
        (state_of(out) / ".feeds-state.json").unlink()  # so that the files are taken in
        link = out / name
    link.unlink(missing_ok=True)
    link.symlink_to(target)  # dangling: nothing may create its target
    (source / "2022-01-25-NW202201252261386140.md").touch()  # the build reads on
    result = build("--source", source, "--out", out)
    assert result.exit_code == 1, result.stderr
    assert f"{link}: is a symbolic link" in result.stderr
    assert not target.exists()
    assert link.is_symlink()


def test_a_linked_cache_named_with_cache_is_refused(tmp_path: Path, build: Build) -> None:
    source, out = built(tmp_path, build)
    link, target = tmp_path / "cache.sqlite", tmp_path / "elsewhere" / "cache.sqlite"
    target.parent.mkdir()
    link.symlink_to(target)
    result = build("--source", source, "--out", out, "--cache", link)
    assert result.exit_code == 1, result.stderr
    assert f"{link}: is a symbolic link" in result.stderr
    assert not target.exists()
