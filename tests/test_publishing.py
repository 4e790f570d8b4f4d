"""Publishing never tears or empties a feed, nor leaves a stale one behind in silence.

Atomic replacement (a reader holding the old file keeps reading it whole), unchanged files
left alone (mtime and inode kept), a full disk midway, temporary files left by a killed
build, categories that lose their last post, and the guard against a missing mount.
"""

import errno
import os
import shutil
from pathlib import Path

import pytest
from synthetic import post_name, write_archive

import feeds.files
from conftest import DATA, FINEWS, SEEDS, Build, feed_files, parse
from feeds.files import write_if_changed

BAD = DATA / "bad"
SITE = 'title = "金融消息"\nurl = "https://finews.withounder.com"\ntimezone = "Asia/Shanghai"\n'
EMNEWS_POST = FINEWS / "_posts" / "2021-12-08-202112082206742097.md"
SHZQB_POST = "2022-01-25-NW202201252261386140.md"  # the only post of shanghaizhengquanbao


def stamps(out: Path) -> dict[str, tuple[int, int]]:
    """(mtime, inode) of every published feed."""
    return {
        p.relative_to(out).as_posix(): (p.stat().st_mtime_ns, p.stat().st_ino)
        for p in feed_files(out)
    }


def contents(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in feed_files(out)}


def test_a_new_version_replaces_the_file_a_reader_holds_whole(tmp_path: Path) -> None:
    path = tmp_path / "atom.xml"
    assert write_if_changed(path, b"<feed>old</feed>")
    with path.open("rb") as reader:
        assert write_if_changed(path, b"<feed>new, longer</feed>")
        assert reader.read() == b"<feed>old</feed>"  # the old file, whole, until closed
    assert path.read_bytes() == b"<feed>new, longer</feed>"
    assert [p.name for p in tmp_path.iterdir()] == ["atom.xml"]
    assert path.stat().st_mode & 0o777 == 0o644


def test_the_same_bytes_are_not_written_again(tmp_path: Path) -> None:
    path = tmp_path / "atom.xml"
    write_if_changed(path, b"<feed/>")
    os.utime(path, ns=(10**18, 10**18))
    inode = path.stat().st_ino
    assert not write_if_changed(path, b"<feed/>")
    assert (path.stat().st_mtime_ns, path.stat().st_ino) == (10**18, inode)


def test_a_full_disk_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "atom.xml"
    write_if_changed(path, b"<feed>old</feed>")

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(feeds.files.os, "fsync", full)
    with pytest.raises(OSError, match="No space left"):
        write_if_changed(path, b"<feed>new</feed>")
    assert path.read_bytes() == b"<feed>old</feed>"
    assert [p.name for p in tmp_path.iterdir()] == ["atom.xml"]


def test_a_build_that_runs_out_of_disk_leaves_every_feed_as_published(
    tmp_path: Path, build: Build, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every changed feed is written and synced before any replaces its file: the disk
    filling up at the third leaves all of them as they were (not the first two new and
    the rest old, which readers would see as feeds out of step)."""
    source, out = tmp_path / "source", tmp_path / "out"
    shutil.copytree(SEEDS, source)
    shutil.copy(EMNEWS_POST, source)
    assert build("--source", source, "--out", out).exit_code == 0
    old = contents(out)
    shutil.copy(BAD / "2021-12-08-missing-title.md", source)  # changes 4 of the 8 feeds
    expected = tmp_path / "expected"
    assert build("--source", source, "--out", expected).exit_code == 0
    new = contents(expected)

    real_fsync, calls = os.fsync, []

    def fills_up(fd: int) -> None:
        calls.append(fd)
        if len(calls) > 2:  # two feeds written, then the disk is full
            raise OSError(errno.ENOSPC, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(feeds.files.os, "fsync", fills_up)
    monkeypatch.setattr(feeds.files, "SYNC_THREADS", 1)  # the third fsync: the third file's
    result = build("--source", source, "--out", out)
    assert result.exit_code == 1
    assert result.stderr.endswith("No space left on device; no feed was left half-written\n")
    assert contents(out) == old
    assert not list(out.rglob(".*.tmp"))

    monkeypatch.setattr(feeds.files.os, "fsync", real_fsync)  # space freed: the next run
    assert build("--source", source, "--out", out).exit_code == 0
    assert contents(out) == new


def test_unchanged_feeds_keep_their_mtime_and_inode(tmp_path: Path, build: Build) -> None:
    source, out = tmp_path / "source", tmp_path / "out"
    shutil.copytree(SEEDS, source)
    shutil.copy(EMNEWS_POST, source)
    assert build("--source", source, "--out", out).exit_code == 0
    before = stamps(out)

    os.utime(source / EMNEWS_POST.name)  # touched, not changed
    result = build("--source", source, "--out", out)
    assert "wrote 0 feeds (12 unchanged)" in result.stderr
    assert stamps(out) == before

    post = source / EMNEWS_POST.name
    post.write_text(post.read_text(encoding="utf-8").replace("30亿元", "40亿元"), "utf-8")
    result = build("--source", source, "--out", out)
    assert "wrote 6 feeds (6 unchanged)" in result.stderr
    after = stamps(out)
    changed = sorted(k for k in before if after[k] != before[k])
    assert changed == ["atom.xml", "emnews/atom.xml", "emnews/rss.xml", "rss.xml"]


def test_temporary_files_of_a_killed_build_are_removed(tmp_path: Path, build: Build) -> None:
    source, out = tmp_path / "source", tmp_path / "out"
    shutil.copytree(SEEDS, source)
    assert build("--source", source, "--out", out).exit_code == 0
    stale = [
        out / ".atom.xml.feeds-k1l2m3n4.tmp",
        out / "shanghaizhengquanbao" / ".rss.xml.feeds-x9y8z7_6.tmp",
    ]
    for path in stale:
        path.write_bytes(b"<?xml version='1.0'?><feed")  # half a feed
    (out / ".htaccess").write_text("Options -Indexes\n")
    shutil.copy(EMNEWS_POST, source)
    assert build("--source", source, "--out", out).exit_code == 0
    assert not any(path.exists() for path in stale)
    assert (out / ".htaccess").read_text() == "Options -Indexes\n"


def test_a_category_without_posts_loses_its_feeds_with_a_warning(
    tmp_path: Path, build: Build
) -> None:
    source, out = tmp_path / "source", tmp_path / "out"
    shutil.copytree(SEEDS, source)
    shutil.copy(EMNEWS_POST, source)
    assert build("--source", source, "--out", out).exit_code == 0
    assert (out / "shanghaizhengquanbao" / "atom.xml").exists()
    (source / SHZQB_POST).unlink()
    result = build("--source", source, "--out", out)
    assert result.exit_code == 0
    assert result.stderr.splitlines() == [
        "shanghaizhengquanbao/atom.xml: removed: its category has no posts any more",
        "shanghaizhengquanbao/feed.json: removed: its category has no posts any more",
        "shanghaizhengquanbao/rss.xml: removed: its category has no posts any more",
        "feeds: read 2 posts, skipped 0, wrote 3 feeds (6 unchanged), removed 3",
    ]
    assert not (out / "shanghaizhengquanbao").exists()
    assert sorted(contents(out)) == [
        "atom.xml",
        "emnews/atom.xml",
        "emnews/rss.xml",
        "rss.xml",
        "shanghaizhengquanbao-zhongguozhengquanwang/atom.xml",
        "shanghaizhengquanbao-zhongguozhengquanwang/rss.xml",
    ]
    for path in feed_files(out):
        assert SHZQB_POST.removesuffix(".md")[11:] not in path.read_text(encoding="utf-8")
        parse(path)


def test_a_category_whose_last_post_turned_bad_loses_its_feeds(
    tmp_path: Path, build: Build
) -> None:
    source, out = tmp_path / "source", tmp_path / "out"
    shutil.copytree(SEEDS, source)
    shutil.copy(EMNEWS_POST, source)
    assert build("--source", source, "--out", out).exit_code == 0
    post = source / EMNEWS_POST.name
    post.write_text(post.read_text(encoding="utf-8").replace("---\n\n", "\n\n", 1), "utf-8")
    result = build("--source", source, "--out", out)
    assert result.exit_code == 3
    assert f"{EMNEWS_POST.name}: front matter: not closed" in result.stderr
    assert "emnews/atom.xml: removed: its category has no posts any more" in result.stderr
    assert not (out / "emnews").exists()


def archive(tmp_path: Path, count: int) -> tuple[Path, Path]:
    return write_archive(tmp_path / "source", count), tmp_path / "out"


def test_a_sharp_drop_in_posts_publishes_nothing_unless_forced(
    tmp_path: Path, build: Build
) -> None:
    source, out = archive(tmp_path, 10)
    assert build("--source", source, "--out", out).exit_code == 0
    before, published = stamps(out), contents(out)
    for i in range(6):
        (source / post_name(i)).unlink()
    result = build("--source", source, "--out", out)
    assert result.exit_code == 1
    assert result.stderr == (
        f"feeds: error: {source}: 4 publishable posts, down from 10 at the last build (more "
        "than 50% fewer); nothing published. Check the source folder, or run with --force if "
        "the posts really were removed\n"
    )
    assert stamps(out) == before and contents(out) == published
    forced = build("--source", source, "--out", out, "--force")
    assert forced.exit_code == 0
    assert len(parse(out / "atom.xml").entries) == 4
    assert build("--source", source, "--out", out).exit_code == 0  # 4 is the new normal


def test_half_as_many_posts_is_not_yet_a_sharp_drop(tmp_path: Path, build: Build) -> None:
    source, out = archive(tmp_path, 10)
    assert build("--source", source, "--out", out).exit_code == 0
    for i in range(5):
        (source / post_name(i)).unlink()
    assert build("--source", source, "--out", out).exit_code == 0


@pytest.mark.parametrize(
    ("max_drop", "removed", "code"), [(0.8, 7, 0), (0.8, 9, 1), (0.1, 2, 1), (0.0, 1, 1)]
)
def test_max_drop_sets_the_share_that_may_go(
    max_drop: float, removed: int, code: int, tmp_path: Path, build: Build
) -> None:
    config = tmp_path / "feeds.toml"
    config.write_text(SITE + f"max_drop = {max_drop}\n", encoding="utf-8")
    source, out = archive(tmp_path, 10)
    assert build("--source", source, "--out", out, config=config).exit_code == 0
    for i in range(removed):
        (source / post_name(i)).unlink()
    result = build("--source", source, "--out", out, config=config)
    assert result.exit_code == code, result.stderr
    if code:
        assert f"more than {max_drop:.0%} fewer" in result.stderr


def test_each_feed_is_synced_before_its_rename_and_each_folder_once_after(
    tmp_path: Path, build: Build, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A crash loses at most a rename, never a feed's bytes: every file is synced before it
    replaces the feed, and each output folder once, after the last file renamed into it."""
    out = tmp_path / "out"
    real_fsync, synced = os.fsync, []

    def noted(fd: int) -> None:
        path = Path(f"/proc/self/fd/{fd}").readlink()
        synced.append((path, path.is_dir()))
        real_fsync(fd)

    monkeypatch.setattr(feeds.files.os, "fsync", noted)
    assert build("--source", SEEDS, "--out", out).exit_code == 0
    published = [p for p in out.rglob("*") if p.is_file() and not p.name.startswith(".")]
    files = [path for path, folder in synced if not folder and path.parent.is_relative_to(out)]
    folders = [path for path, folder in synced if folder and path.is_relative_to(out)]
    assert len(published) > 10 and len(files) == len(published)
    assert all(feeds.files.is_temp_file(path.name) for path in files)  # before its rename
    assert sorted(folders) == sorted({p.parent for p in published})  # each folder once
    last_file = max(i for i, (path, folder) in enumerate(synced) if path in files)
    assert all(synced.index((f, True)) > last_file for f in folders)
