"""feeds watch: a build each time the source changes, from the changed paths only.

The listing a build is handed (the last one with the changed files' stamps) is checked
against the one `feeds build` makes; the command itself runs as a subprocess on a real
folder with real inotify, and the tests poll the feed files for what they expect.
"""

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import feedparser
import pytest
from synthetic import edit_posts, post_name, post_text, write_archive

from conftest import CONFIG, ROOT, feed_files
from feeds.incremental.listing import changed_listing, stamp_changes
from feeds.source.discover import Listing, find_post_files

TIMEOUT = 120.0  # against a hang, on a shared and slow machine; never a measure


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


# The command


class Watch:
    """`feeds watch` as a subprocess; its stderr lines gathered as they come."""

    def __init__(self, source: Path, out: Path, *args: str, config: Path = CONFIG) -> None:
        argv = [sys.executable, "-m", "feeds", "watch", "--source", str(source)]
        argv += ["--out", str(out), "--config", str(config), "-j", "1", *args]
        self.proc = subprocess.Popen(argv, stderr=subprocess.PIPE, text=True, cwd=ROOT)
        self.lines: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        self.wait_for(lambda: self.builds() >= 1)

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.append(line.rstrip("\n"))

    def builds(self) -> int:
        return sum(1 for line in self.lines if line.startswith("feeds watch: build "))

    def log(self) -> str:
        return "\n".join(self.lines)

    def wait_for(self, done: Callable[[], bool]) -> None:
        deadline = time.monotonic() + TIMEOUT
        while not done():
            assert self.proc.poll() is None, f"feeds watch exited:\n{self.log()}"
            assert time.monotonic() < deadline, f"not seen in {TIMEOUT} s:\n{self.log()}"
            time.sleep(0.05)

    def stop(self, signum: int = signal.SIGTERM) -> int:
        self.proc.send_signal(signum)
        code = self.proc.wait(TIMEOUT)
        self.reader.join(TIMEOUT)
        return code


@pytest.fixture
def watching(tmp_path: Path) -> Iterator[Callable[..., Watch]]:
    started: list[Watch] = []

    def start(source: Path, out: Path, *args: str, config: Path = CONFIG) -> Watch:
        started.append(Watch(source, out, *args, config=config))
        return started[-1]

    yield start
    for watch in started:
        if watch.proc.poll() is None:
            watch.proc.kill()
            watch.proc.wait()


def entries(feed: Path) -> dict[str, str]:
    """A feed's entries, title by post code (a post's id ends with the code in its file
    name); none while it is missing."""
    if not feed.exists():
        return {}
    parsed = feedparser.parse(feed.read_bytes()).entries
    return {entry.id.rpartition(":")[2]: entry.title for entry in parsed}


def code_of(i: int) -> str:
    return post_name(i).split("-")[-1].removesuffix(".md")


def title_of(i: int, edition: int = 0) -> str:
    return post_text(i, edition=edition).split('title: "')[1].split('"')[0]


def category_of(i: int) -> str:
    return post_text(i).split("categories: ")[1].split("\n")[0]


def land(posts: Path, i: int, name: str | None = None) -> None:
    """Post i written beside _posts' files under a hidden name, then renamed in: as a
    scraper lands a post whole."""
    temp = posts / f".{post_name(i)}.tmp"
    temp.write_text(post_text(i), encoding="utf-8")
    temp.rename(posts / (name or post_name(i)))


def outputs(out: Path) -> dict[str, bytes]:
    files = [p for p in out.rglob("*") if p.is_file() and not p.name.startswith(".")]
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in files}


def cold(source: Path, out: Path, *args: str) -> dict[str, bytes]:
    shutil.rmtree(out, ignore_errors=True)
    argv = [sys.executable, "-m", "feeds", "build", "--source", str(source), "--out", str(out)]
    done = subprocess.run([*argv, "--config", str(CONFIG), "-j", "1", *args], cwd=ROOT)
    assert done.returncode == 0
    return outputs(out)


def in_feeds(out: Path, i: int, edition: int = 0) -> bool:
    """Whether post i (this edition) is in its category's feed and the combined one."""
    title, code = title_of(i, edition), code_of(i)
    feeds = (out / "atom.xml", out / category_of(i) / "atom.xml")
    return all(entries(feed).get(code) == title for feed in feeds)


def test_a_new_post_appears_in_its_category_and_the_combined_feeds(
    tmp_path: Path, watching: Callable[..., Watch]
) -> None:
    posts = write_archive(tmp_path / "site" / "_posts", 30)
    out = tmp_path / "out"
    watch = watching(posts.parent, out)
    land(posts, 30)
    watch.wait_for(lambda: in_feeds(out, 30))
    assert "1 added, 0 edited, 0 deleted" in watch.log()
    assert watch.stop() == 0
    assert watch.lines[-1] == "feeds watch: stopped (SIGTERM)"


def test_a_burst_of_200_posts_is_published_in_a_few_builds(
    tmp_path: Path, watching: Callable[..., Watch]
) -> None:
    posts = write_archive(tmp_path / "site" / "_posts", 10)
    out = tmp_path / "out"
    watch = watching(posts.parent, out, "--limit", "0")
    for i in range(10, 210):
        land(posts, i)
    wanted = {code_of(i) for i in range(210)}
    watch.wait_for(lambda: wanted <= entries(out / "atom.xml").keys())
    assert watch.builds() - 1 < 20, watch.log()
    assert watch.stop() == 0
    assert outputs(out) == cold(posts.parent, tmp_path / "cold", "--limit", "0")


def test_edits_renames_and_deletions_give_what_a_cold_build_gives(
    tmp_path: Path, watching: Callable[..., Watch]
) -> None:
    posts = write_archive(tmp_path / "site" / "_posts", 40)
    out = tmp_path / "out"
    watch = watching(posts.parent, out)
    edit_posts(posts, [39])  # in place
    watch.wait_for(lambda: in_feeds(out, 39, edition=1))
    assert in_feeds(out, 39, edition=1)
    (posts / post_name(38)).rename(posts / f"2021-12-12-{code_of(38)}.md")
    watch.wait_for(lambda: "1 added, 0 edited, 1 deleted" in watch.log())
    (posts / post_name(37)).unlink()
    watch.wait_for(lambda: code_of(37) not in entries(out / "atom.xml"))
    land(posts, 40)
    watch.wait_for(lambda: in_feeds(out, 40))
    assert in_feeds(out, 38)  # renamed, still there
    assert watch.stop() == 0
    assert outputs(out) == cold(posts.parent, tmp_path / "cold")


def test_a_bad_post_is_named_in_the_log_and_skipped(
    tmp_path: Path, watching: Callable[..., Watch]
) -> None:
    posts = write_archive(tmp_path / "site" / "_posts", 10)
    out = tmp_path / "out"
    watch = watching(posts.parent, out)
    bad = posts / "2022-02-02-broken.md"
    bad.write_text('---\ntitle: "unclosed\ndate: [\n---\nbody\n', encoding="utf-8")
    land(posts, 10)
    watch.wait_for(lambda: in_feeds(out, 10))
    named = f"_posts/{bad.name}: "
    watch.wait_for(lambda: any(line.startswith(named) for line in watch.lines))
    # The build line follows the post's: on a loaded machine, read a moment later.
    watch.wait_for(lambda: "skipped 1 posts" in watch.log())
    land(posts, 11)
    watch.wait_for(lambda: in_feeds(out, 11))
    assert sum(line.startswith(named) for line in watch.lines) == 1  # named once
    assert watch.stop() == 0


def test_a_source_moved_away_and_back_leaves_the_feeds_whole(
    tmp_path: Path, watching: Callable[..., Watch]
) -> None:
    site = tmp_path / "site"
    posts = write_archive(site / "_posts", 20)
    out = tmp_path / "out"
    watch = watching(site, out)
    published = outputs(out)
    site.rename(tmp_path / "away")
    watch.wait_for(lambda: "the source folder does not exist" in watch.log())
    assert outputs(out) == published
    (tmp_path / "away").rename(site)
    land(posts, 20)
    watch.wait_for(lambda: in_feeds(out, 20))
    assert watch.stop() == 0
    assert outputs(out) == cold(site, tmp_path / "cold")


def test_a_failed_build_says_nothing_published_once(
    tmp_path: Path, watching: Callable[..., Watch]
) -> None:
    posts = write_archive(tmp_path / "site" / "_posts", 5)
    watch = watching(posts.parent, tmp_path / "out")
    for post in posts.iterdir():
        post.unlink()
    watch.wait_for(lambda: any(line.startswith("feeds watch: error:") for line in watch.lines))
    (line,) = [line for line in watch.lines if line.startswith("feeds watch: error:")][:1]
    assert "no publishable posts found" in line
    assert line.count("nothing published") == 1, line
    assert watch.stop() == 0


def test_a_source_unmounted_and_remounted_publishes_nothing_meanwhile(
    tmp_path: Path, watching: Callable[..., Watch]
) -> None:
    if os.geteuid() != 0:
        print("skipped: mounting a tmpfs needs root (CI runs as root)")
        pytest.skip("mounting a tmpfs needs root")
    site = tmp_path / "site"
    site.mkdir()
    kept = write_archive(tmp_path / "kept" / "_posts", 20).parent
    subprocess.run(["mount", "-t", "tmpfs", "tmpfs", str(site)], check=True)
    try:
        shutil.copytree(kept, site, dirs_exist_ok=True)
        out = tmp_path / "out"
        watch = watching(site, out)
        published = outputs(out)
        subprocess.run(["umount", str(site)], check=True)
        watch.wait_for(lambda: "no publishable posts" in watch.log())
        assert outputs(out) == published
        subprocess.run(["mount", "-t", "tmpfs", "tmpfs", str(site)], check=True)
        shutil.copytree(kept, site, dirs_exist_ok=True)
        land(site / "_posts", 20)
        watch.wait_for(lambda: in_feeds(out, 20))
        assert watch.stop() == 0
        assert outputs(out) == cold(site, tmp_path / "cold")
    finally:
        subprocess.run(["umount", str(site)], check=False, capture_output=True)


def test_sigterm_during_a_burst_exits_0_and_leaves_whole_feeds(
    tmp_path: Path, watching: Callable[..., Watch]
) -> None:
    posts = write_archive(tmp_path / "site" / "_posts", 50)
    out = tmp_path / "out"
    watch = watching(posts.parent, out, "--limit", "0")
    first = watch.builds()
    for i in range(50, 450):
        land(posts, i)
        if watch.builds() > first:  # a build of the burst has started and ended: one more runs
            break
    assert watch.stop() == 0, watch.log()
    assert watch.lines[-1] == "feeds watch: stopped (SIGTERM)"
    for feed in feed_files(out):
        assert not feedparser.parse(feed.read_bytes()).bozo, feed
    restarted = watching(posts.parent, out, "--limit", "0")
    assert restarted.stop() == 0
    assert outputs(out) == cold(posts.parent, tmp_path / "cold", "--limit", "0")


def test_a_cron_build_while_watch_runs_succeeds_and_neither_fails(
    tmp_path: Path, watching: Callable[..., Watch]
) -> None:
    posts = write_archive(tmp_path / "site" / "_posts", 200)
    out = tmp_path / "out"
    watch = watching(posts.parent, out, "--limit", "0")
    argv = [sys.executable, "-m", "feeds", "build", "--source", str(posts.parent)]
    argv += ["--out", str(out), "--config", str(CONFIG), "-j", "1", "--limit", "0"]
    for i in range(200, 230):
        land(posts, i)
        if i % 10 == 0:
            assert subprocess.run(argv, cwd=ROOT, capture_output=True).returncode == 0
    watch.wait_for(lambda: in_feeds(out, 229))
    assert watch.stop() == 0
    assert "error" not in watch.log()


def test_a_config_change_is_read_again_and_a_bad_one_keeps_the_last_good(
    tmp_path: Path, watching: Callable[..., Watch]
) -> None:
    posts = write_archive(tmp_path / "site" / "_posts", 10)
    out = tmp_path / "out"
    config = tmp_path / "feeds.toml"
    shutil.copy(CONFIG, config)
    watch = watching(posts.parent, out, config=config)
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace('title = "金融消息"', 'title = "新标题"'), encoding="utf-8")
    watch.wait_for(lambda: feedparser.parse((out / "atom.xml").read_bytes()).feed.title == "新标题")
    config.write_text(text + "\nlimit = -3\n", encoding="utf-8")
    watch.wait_for(lambda: "feeds watch: config error:" in watch.log())
    land(posts, 10)
    watch.wait_for(lambda: in_feeds(out, 10))
    assert feedparser.parse((out / "atom.xml").read_bytes()).feed.title == "新标题"
    assert watch.stop() == 0


def test_build_never_imports_watchfiles(tmp_path: Path) -> None:
    posts = write_archive(tmp_path / "site" / "_posts", 3)
    code = (
        "import sys\nfrom feeds.cli import cli\n"
        f"try:\n    cli(['build', '--source', {str(posts.parent)!r}, '--out', "
        f"{str(tmp_path / 'out')!r}])\nexcept SystemExit:\n    pass\n"
        "assert 'watchfiles' not in sys.modules\n"
    )
    assert subprocess.run([sys.executable, "-c", code], cwd=tmp_path).returncode == 0
