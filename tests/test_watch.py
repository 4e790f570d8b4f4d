"""feeds watch: a build each time the source changes, from the changed paths only.

The listing a build is handed (the last one with the changed files' stamps) is checked
against the one `feeds build` makes; the command itself runs as a subprocess on a real
folder with real inotify, and the tests poll the feed files for what they expect.
"""

import shutil
from pathlib import Path

import pytest
from synthetic import edit_posts, post_name, post_text, write_archive

from feeds.incremental.listing import changed_listing, stamp_changes
from feeds.source.discover import Listing, find_post_files

# The listing from changed paths


def as_built(source: Path) -> tuple[list[str], list[int], list[int], list[tuple[str, ...]]]:
    found = find_post_files(source)
    return found.relpaths, list(found.sizes), list(found.mtimes), found.categories


def as_changed(listing: Listing) -> tuple[list[str], list[int], list[int], list[tuple[str, ...]]]:
    return listing.relpaths, list(listing.sizes), list(listing.mtimes), listing.categories


@pytest.mark.parametrize("jekyll", [False, True])
def test_the_listing_from_changed_paths_is_the_one_a_build_lists(
    tmp_path: Path, jekyll: bool
) -> None:
    source = tmp_path / "site"
    posts = source / "markets" / "_posts" if jekyll else source
    write_archive(posts, 20)
    if jekyll:
        write_archive(source / "_posts", 3)
    before = find_post_files(source)
    prefix = "markets/_posts/" if jekyll else ""
    edit_posts(posts, [3])
    (posts / post_name(5)).rename(posts / "2022-01-01-renamed.md")
    (posts / post_name(7)).unlink()
    (posts / post_name(30)).write_text(post_text(30), encoding="utf-8")
    (posts / ".swp").write_text("an editor's", encoding="utf-8")
    (posts / "draft~").write_text("an editor's", encoding="utf-8")
    changed = [post_name(3), post_name(5), "2022-01-01-renamed.md", post_name(7), post_name(30)]
    changed += [".swp", "draft~", post_name(99)]  # leftovers, and a file gone before it was seen
    stamps = stamp_changes(source, before, [prefix + name for name in changed])
    assert stamps is not None
    assert as_changed(changed_listing(before, stamps)) == as_built(source)


def test_a_folder_added_or_removed_asks_for_a_full_listing(tmp_path: Path) -> None:
    source = write_archive(tmp_path / "site" / "a", 3).parent
    listing = find_post_files(source)
    write_archive(source / "b", 2)
    assert stamp_changes(source, listing, ["b"]) is None
    shutil.rmtree(source / "a")
    assert stamp_changes(source, listing, ["a"]) is None


def test_an_empty_change_leaves_the_listing_as_it_was(tmp_path: Path) -> None:
    source = write_archive(tmp_path / "site", 5)
    listing = find_post_files(source)
    assert as_changed(changed_listing(listing, {})) == as_changed(listing)
