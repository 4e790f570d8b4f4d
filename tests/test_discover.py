"""Discover: the listing a rebuild compares against the last one."""

import os
import time
from array import array
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import feeds.source.discover
from feeds.incremental.folders import read_folders, write_folders
from feeds.source.discover import find_post_files


def make_site(root: Path, names: list[str]) -> Path:
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"---\ntitle: {name}\n---\nbody\n", encoding="utf-8")
    return root


def stamps(listing: feeds.source.discover.Listing) -> tuple[list[str], list[int], list[int]]:
    return listing.relpaths, list(listing.sizes), list(listing.mtimes)


@pytest.fixture
def forked(monkeypatch: pytest.MonkeyPatch) -> None:
    """A child asks for stamps from 2 files on, 5 files a chunk."""
    monkeypatch.setattr(feeds.source.discover, "FORKED_STAT", 2)
    monkeypatch.setattr(feeds.source.discover, "STAT_CHUNK", 5)


def test_a_jekyll_site_lists_its_posts_folders_sorted_with_their_categories(
    tmp_path: Path,
) -> None:
    site = make_site(
        tmp_path,
        ["_config.yml", "_posts/b.md", "_posts/a.md", "news/_posts/c.md", "about.md", ".x/d.md"],
    )
    found = find_post_files(site)
    assert found.relpaths == ["_posts/a.md", "_posts/b.md", "news/_posts/c.md"]
    assert [f.dir_categories for f in found.files()] == [(), (), ("news",)]
    assert list(found.sizes) == [(site / r).stat().st_size for r in found.relpaths]


@pytest.mark.parametrize("jobs", [1, 2])
@pytest.mark.usefixtures("forked")
def test_the_listing_is_the_same_with_the_stat_on_two_cores(tmp_path: Path, jobs: int) -> None:
    site = make_site(tmp_path, [f"p{n:03}.md" for n in range(101)])
    found = find_post_files(site, jobs=jobs)
    assert found.relpaths == [f"p{n:03}.md" for n in range(101)]
    assert list(found.mtimes) == [(site / r).stat().st_mtime_ns for r in found.relpaths]
    assert list(found.sizes) == [(site / r).stat().st_size for r in found.relpaths]


@pytest.mark.usefixtures("forked")
def test_work_meanwhile_runs_while_a_child_stats_files_only_when_names_changed(
    tmp_path: Path,
) -> None:
    site = make_site(tmp_path, [f"p{n:03}.md" for n in range(100)])
    first = find_post_files(site, jobs=2)
    calls: list[int] = []

    def meanwhile() -> None:
        calls.append(os.getpid())

    def listed(known: dict[str, feeds.source.discover.Folder]) -> feeds.source.discover.Listing:
        later = max(folder.stamp[2] for folder in known.values()) + 10**9
        return find_post_files(site, jobs=2, known=known, trusted_before=later, meanwhile=meanwhile)

    assert listed(first.folders).relpaths == first.relpaths and calls == []
    (site / ".p000.md.swp").write_text("x", encoding="utf-8")  # an editor's, come and gone
    (site / ".p000.md.swp").unlink()
    again = listed(first.folders)
    assert again.reread and again.relpaths == first.relpaths and calls == []
    make_site(site, ["p100.md"])
    grown = listed(again.folders)
    assert calls == [os.getpid()]
    assert stamps(grown) == stamps(find_post_files(site, jobs=1))
    # Files the child was asked about that are gone, others new, one edited: the stamps
    # asked for early are matched to the names listed now.
    for n in (0, 1, 50, 99):
        (site / f"p{n:03}.md").unlink()
    make_site(site, ["a.md", "p050a.md", "p050b.md", "z.md"])
    (site / "p051.md").write_text("---\ntitle: edited, longer\n---\n", encoding="utf-8")
    changed = listed(grown.folders)
    assert calls == [os.getpid()] * 2
    assert "p050a.md" in changed.relpaths and "p050.md" not in changed.relpaths
    assert stamps(changed) == stamps(find_post_files(site, jobs=1))


@pytest.mark.usefixtures("forked")
def test_a_failure_while_the_child_asks_leaves_no_child_behind(tmp_path: Path) -> None:
    site = make_site(tmp_path, [f"p{n:03}.md" for n in range(60)])
    first = find_post_files(site, jobs=2)
    make_site(site, ["p100.md"])
    later = max(folder.stamp[2] for folder in first.folders.values()) + 10**9

    def meanwhile() -> None:
        raise RuntimeError("imports failed")

    with pytest.raises(RuntimeError):
        find_post_files(
            site, jobs=2, known=first.folders, trusted_before=later, meanwhile=meanwhile
        )
    with pytest.raises(ChildProcessError):  # no child, not even one waiting to be reaped
        os.waitpid(-1, os.WNOHANG)


@pytest.mark.parametrize("dies_at", [11, 8])  # at its first chunk, or after three
def test_stamps_a_failed_child_did_not_send_are_asked_for_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dies_at: int
) -> None:
    monkeypatch.setattr(feeds.source.discover, "STAT_CHUNK", 5)
    site = make_site(tmp_path, [f"p{n:03}.md" for n in range(60)])  # 12 chunks
    alone = find_post_files(site, jobs=1)
    ask = feeds.source.discover._Stats._ask
    parent = os.getpid()

    def failing(stats: feeds.source.discover._Stats, chunk: int) -> object:
        if os.getpid() != parent and chunk <= dies_at:
            os._exit(3)
        return ask(stats, chunk)

    monkeypatch.setattr(feeds.source.discover._Stats, "_ask", failing)
    stats = feeds.source.discover._Stats(site, alone.relpaths, jobs=2)
    try:
        os.waitid(os.P_PID, stats.pid, os.WEXITED | os.WNOWAIT)  # gone, not yet reaped
        done = [stats.done[chunk] for chunk in range(12)]
        assert done == [0] * (dies_at + 1) + [1] * (11 - dies_at)
        sizes, mtimes = stats.result()  # this process asks only once the child is gone
    finally:
        stats.close()
    assert (list(sizes), list(mtimes)) == (list(alone.sizes), list(alone.mtimes))


@given(st.lists(st.integers(-(2**63), 2**63 - 1), max_size=30), st.data())
def test_inserted_puts_each_new_value_at_its_place(values: list[int], data: st.DataObject) -> None:
    total = len(values) + data.draw(st.integers(0, 10))
    positions = sorted(data.draw(st.permutations(range(total)))[: total - len(values)])
    new = [1000 + k for k in range(len(positions))]
    expected = list(values)
    for position, value in zip(positions, new, strict=True):
        expected.insert(position, value)
    result = feeds.source.discover._inserted(array("q", values), positions, array("q", new))
    assert list(result) == expected


def test_changes_name_what_was_added_edited_and_removed(tmp_path: Path) -> None:
    site = make_site(tmp_path, ["a.md", "b.md", "c.md"])
    before = find_post_files(site)
    assert before.changes(before.relpaths, before.sizes, before.mtimes) == ([], [])
    (site / "b.md").write_text("---\ntitle: edited, longer\n---\n", encoding="utf-8")
    (site / "c.md").unlink()
    make_site(site, ["0.md"])
    stat = (site / "a.md").stat()
    os.utime(site / "a.md", ns=(stat.st_atime_ns, stat.st_mtime_ns + 1))  # touched only
    after = find_post_files(site)
    changed, gone = after.changes(before.relpaths, before.sizes, before.mtimes)
    assert [after.relpaths[i] for i in changed] == ["0.md", "a.md", "b.md"]
    assert gone == ["c.md"]
    assert before.digest() != after.digest()
    assert after.index("b.md") == 2 and after.index("c.md") is None


def test_changes_when_files_were_only_added_or_only_removed(tmp_path: Path) -> None:
    site = make_site(tmp_path, ["b.md", "d.md"])
    before = find_post_files(site)
    make_site(site, ["a.md", "c.md", "e.md"])
    grown = find_post_files(site)
    assert grown.changes(before.relpaths, before.sizes, before.mtimes) == ([0, 2, 4], [])
    assert before.changes(grown.relpaths, grown.sizes, grown.mtimes) == (
        [],
        ["a.md", "c.md", "e.md"],
    )


def test_a_folder_whose_stamp_stayed_is_not_read_again(tmp_path: Path) -> None:
    site = make_site(tmp_path, ["a.md", "b.md"])
    first = find_post_files(site)
    old = first.folders[""]
    assert sorted(old.files) == ["a.md", "b.md"]
    later = max(old.stamp[2:]) + 1
    # Told (falsely) that the folder held a.md alone, with its current stamp, long ago:
    # the names are trusted, and only the sizes and mtimes are asked for.
    known = {"": old._replace(files=("a.md",))}
    trusted = find_post_files(site, known=known, trusted_before=later)
    assert trusted.relpaths == ["a.md"] and not trusted.reread
    # Too recent to trust (its mtime may not have ticked since), or changed: read again.
    too_recent = find_post_files(site, known=known, trusted_before=later - 1)
    assert too_recent.relpaths == ["a.md", "b.md"]
    make_site(site, ["c.md"])
    again = find_post_files(site, known=known, trusted_before=later)
    assert again.relpaths == ["a.md", "b.md", "c.md"] and again.reread


def test_a_folder_whose_mtime_was_set_back_is_read_again(tmp_path: Path) -> None:
    site = make_site(tmp_path / "site", ["a.md"])
    first = find_post_files(site)
    mtime = site.stat().st_mtime_ns
    make_site(site, ["b.md"])
    os.utime(site, ns=(mtime, mtime))  # a restore, `touch -r`: the ctime still moves
    found = find_post_files(site, known=first.folders, trusted_before=2**62)
    assert found.relpaths == ["a.md", "b.md"] and found.reread


def _same_listing(
    quick: feeds.source.discover.Listing, whole: feeds.source.discover.Listing
) -> None:
    assert quick.relpaths == whole.relpaths
    assert (quick.sizes, quick.mtimes, quick.categories) == (
        whole.sizes,
        whole.mtimes,
        whole.categories,
    )
    assert {k: (f.files, f.folders) for k, f in quick.folders.items()} == {
        k: (f.files, f.folders) for k, f in whole.folders.items()
    }


def _add_and_remove(site: Path) -> None:
    make_site(site, ["d.md", "new/z.md"])
    (site / "b.md").unlink()
    (site / "_site").mkdir()  # skipped, and asked about each time: still skipped


def _folder_to_file(site: Path) -> None:
    (site / "old" / "x.md").unlink()
    (site / "old").rmdir()
    (site / "old").write_text("---\ntitle: now a file\n---\n", encoding="utf-8")


def _file_to_folder(site: Path) -> None:
    (site / "c.md").unlink()
    make_site(site, ["c.md/inner.md"])


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (_add_and_remove, ["a.md", "c.md", "d.md", "gone/y.md", "new/z.md", "old/x.md"]),
        (_folder_to_file, ["a.md", "b.md", "c.md", "gone/y.md", "old"]),
        (_file_to_folder, ["a.md", "b.md", "c.md/inner.md", "gone/y.md", "old/x.md"]),
    ],
)
def test_a_changed_folder_read_for_its_names_lists_what_a_whole_read_does(
    tmp_path: Path, change: Callable[[Path], None], expected: list[str]
) -> None:
    """A known folder that changed is read for its names only (see _read_folder): posts
    added and removed, a folder that became a file and a file that became a folder all
    come out as reading every entry again gives them."""
    site = make_site(tmp_path / "site", ["a.md", "b.md", "c.md", "old/x.md", "gone/y.md"])
    first = find_post_files(site)
    change(site)
    quick = find_post_files(site, known=first.folders, trusted_before=2**62)
    _same_listing(quick, find_post_files(site))
    assert quick.relpaths == expected


def test_a_folder_read_for_its_names_only_asks_about_new_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    names = [f"{i:03d}.md" for i in range(200)]
    site = make_site(tmp_path / "site", names)
    first = find_post_files(site)
    make_site(site, ["new.md"])
    asked: list[str] = []
    is_dir = feeds.source.discover._is_dir
    monkeypatch.setattr(
        feeds.source.discover,
        "_is_dir",
        lambda folder, name: asked.append(name) or is_dir(folder, name),
    )
    found = find_post_files(site, known=first.folders, trusted_before=2**62)
    assert asked == ["new.md"]
    assert found.relpaths == sorted([*names, "new.md"]) and found.reread


def test_a_link_is_listed_once_it_points_at_a_file(tmp_path: Path) -> None:
    site = make_site(tmp_path / "site", ["a.md"])
    (site / "b.md").symlink_to(tmp_path / "later.md")
    (site / "c.md").symlink_to(tmp_path)  # a link to a folder: never a post
    first = find_post_files(site)
    assert first.relpaths == ["a.md"]
    make_site(tmp_path, ["later.md"])  # the folder holding the link is unchanged
    found = find_post_files(site, known=first.folders, trusted_before=2**62)
    assert found.relpaths == ["a.md", "b.md"] and not found.reread


def test_the_folders_file_round_trips_and_refuses_names_that_leave_their_folder(
    tmp_path: Path,
) -> None:
    site = make_site(tmp_path / "site", ["a.md", "news/_posts/b.md"])
    out = tmp_path / "out"
    out.mkdir()
    found = find_post_files(site)
    write_folders(out, site, found.folders, 123)
    assert read_folders(out, site) == ({}, 0)  # over an hour old: every folder is read
    now = time.time_ns()
    write_folders(out, site, found.folders, now)
    assert read_folders(out, site) == (found.folders, now)
    assert read_folders(out, tmp_path) == ({}, 0)  # another source
    for bad in ["../x.md", ".hidden", "a.md\0.x", "a.md\0a.md", "a.md\0\0b.md", "a\\b", "b\0a"]:
        folders = {"": found.folders[""]._replace(files=tuple(bad.split("\0")))}
        write_folders(out, site, folders, now)
        assert read_folders(out, site) == ({}, 0), bad


@settings(max_examples=500, deadline=None)
@given(
    st.sets(st.text("ab_/.-0", max_size=6), max_size=300),  # long shared runs
    st.sets(st.text("ab_/.-0", max_size=6), max_size=40),
    st.sets(st.text("ab_/.-0", max_size=6), max_size=5),
)
def test_sorted_difference_finds_what_is_on_one_side_only(
    common: set[str], left: set[str], right: set[str]
) -> None:
    a, b = sorted(common | left), sorted(common | (right - left))
    assert feeds.source.discover.sorted_difference(a, b) == (
        [i for i, item in enumerate(a) if item not in set(b)],
        [j for j, item in enumerate(b) if item not in set(a)],
    )


@pytest.mark.parametrize("where", [0, 1, 500, 4095, 4096, 9998, 9999])
def test_sorted_difference_on_long_runs(where: int) -> None:
    """As a rebuild sees it: 10,000 paths, one added and one gone at various places."""
    paths = [f"_posts/{k:05d}.md" for k in range(10_000)]
    a = sorted([*paths[:where], *paths[where + 1 :], "_posts/99999-new.md"])
    b = paths
    assert feeds.source.discover.sorted_difference(a, b) == ([len(a) - 1], [where])
    assert feeds.source.discover.sorted_difference(b, b) == ([], [])


def test_a_child_still_asking_when_the_build_fails_is_killed_and_reaped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(feeds.source.discover, "STAT_CHUNK", 5)
    site = make_site(tmp_path, [f"p{n:03}.md" for n in range(60)])
    ask = feeds.source.discover._Stats._ask
    parent = os.getpid()

    def slow(stats: feeds.source.discover._Stats, chunk: int) -> object:
        if os.getpid() != parent:
            time.sleep(60)  # a child that would outlive the build
        return ask(stats, chunk)

    monkeypatch.setattr(feeds.source.discover._Stats, "_ask", slow)
    stats = feeds.source.discover._Stats(site, sorted(p.name for p in site.iterdir()), jobs=2)
    assert stats.pid
    began = time.monotonic()
    stats.close()  # the build failed before asking for the result
    assert time.monotonic() - began < 10
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)


@pytest.mark.usefixtures("forked")
def test_without_a_second_process_this_one_asks_for_every_stamp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = make_site(tmp_path, [f"p{n:03}.md" for n in range(60)])
    alone = find_post_files(site, jobs=1)

    def no_fork() -> int:
        raise BlockingIOError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", no_fork)
    for known in (None, alone.folders):
        assert stamps(find_post_files(site, jobs=2, known=known)) == stamps(alone)
