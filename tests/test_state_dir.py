"""Nothing private in the output folder (issue 19, item 1): the state, the cache, the
folders file and the Jekyll snapshot live in a state folder outside it, one per output
folder; an earlier version's files move there on the first build, which stays
incremental and publishes the same bytes at the same URLs."""

import contextlib
import errno
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import feeds.content.entries
import feeds.incremental.scan
import feeds.publish.statedir
from conftest import CONFIG, FINEWS, ROOT, Build, feed_files, state_of
from feeds.config import JEKYLL_KEPT_NAME
from feeds.incremental.cache import CACHE_NAME, listing_path
from feeds.incremental.entries import JOURNAL_NAME
from feeds.incremental.folders import FOLDERS_NAME
from feeds.publish.lock import LOCK_NAME
from feeds.publish.state import STATE_NAME
from feeds.publish.statedir import CACHE_FILES, OTHER_FILES, STATE_FILE

# How an earlier version took its lock: an flock on out/.feeds.lock.
OLD_LOCK = """
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)
fcntl.flock(fd, fcntl.LOCK_EX)
print("locked", flush=True)
time.sleep(60)
"""
HOLD_LOCK = """
import sys, time
from pathlib import Path
from feeds.publish.lock import build_lock
with build_lock(Path(sys.argv[1]), 0):
    print("locked", flush=True)
    time.sleep(60)
"""


@pytest.fixture
def xdg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "xdg"
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    return home


@pytest.fixture
def site(tmp_path: Path) -> Path:
    dest = tmp_path / "site"
    shutil.copytree(FINEWS, dest)
    (dest / "_posts" / "-202205262391921712.md").unlink()  # its date is unusable
    return dest


def dot_files(folder: Path) -> list[str]:
    """Every file or folder under `folder` whose name starts with a dot."""
    found = []
    for root, dirs, files in os.walk(folder):
        found += [f"{root}/{n}" for n in [*dirs, *files] if n.startswith(".")]
    return found


def published(out: Path) -> dict[str, tuple[bytes, int]]:
    """Every published file, feeds and pages, with its bytes and mtime."""
    return {
        p.relative_to(out).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in out.rglob("*")
        if p.is_file()
    }


def config_with(tmp_path: Path, extra: str) -> Path:
    """The repository's config, lock_timeout 0.2 s, with `extra` keys."""
    path = tmp_path / "conf" / "feeds.toml"
    path.parent.mkdir(exist_ok=True)
    text = CONFIG.read_text(encoding="utf-8").replace("lock_timeout = 60", "lock_timeout = 0.2")
    path.write_text(extra + text, encoding="utf-8")
    return path


@contextlib.contextmanager
def held(script: str, path: Path) -> Iterator[None]:
    proc = subprocess.Popen(
        [sys.executable, "-c", script, str(path)], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline() == "locked\n"
        yield
    finally:
        proc.kill()
        proc.wait()


def test_a_default_build_leaves_no_dot_file_in_out(
    xdg: Path, tmp_path: Path, build: Build, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    seen_while_rendering: list[list[str]] = []
    make_entry = feeds.content.entries.make_entry

    def spy(post: object, *args: object, **options: bool) -> object:
        seen_while_rendering.append(dot_files(out))
        return make_entry(post, *args, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(feeds.content.entries, "make_entry", spy)
    # FINEWS itself, long unchanged: the second build keeps its _config.yml parsed.
    for _ in range(2):
        assert build("--source", FINEWS, "--out", out, "--jobs", "1").exit_code == 3
    assert seen_while_rendering and not any(seen_while_rendering)
    assert dot_files(out) == []
    assert (out / "atom.xml").is_file() and len(feed_files(out)) > 20
    state = state_of(out)
    assert state.parent == xdg / "feeds"
    assert state.name.startswith("out-") and len(state.name) == len("out-") + 12
    names = {p.name for p in state.iterdir()}
    assert {STATE_NAME, CACHE_NAME, listing_path(Path(CACHE_NAME)).name} <= names
    assert {FOLDERS_NAME, JEKYLL_KEPT_NAME} <= names
    for folder in (xdg, xdg / "feeds", state):
        assert folder.stat().st_mode & 0o777 == 0o700, folder


def test_two_output_folders_never_share_a_state_folder(
    xdg: Path, tmp_path: Path, build: Build, site: Path
) -> None:
    outs = [tmp_path / "a" / "out", tmp_path / "b" / "out"]  # the same name
    for out in outs:
        assert build("--source", site, "--out", out).exit_code == 0
    folders = sorted((xdg / "feeds").iterdir())
    assert folders == sorted(map(state_of, outs))
    assert len(folders) == 2 and all(f.name.startswith("out-") for f in folders)
    (site / "_posts" / "2022-01-25-NW202201252261386140.md").unlink()
    said = [build("--source", site, "--out", out).stderr.splitlines()[-1] for out in outs]
    assert said[0] == said[1]  # the second build's own state: not up to date
    assert said[0].endswith("wrote 3 feeds (39 unchanged), removed 3")


def test_the_state_dir_key_is_relative_to_the_config_and_the_option_wins(
    xdg: Path, tmp_path: Path, build: Build, site: Path
) -> None:
    out = tmp_path / "out"
    config = config_with(tmp_path, 'state_dir = "private"\n')
    assert build("--source", site, "--out", out, config=config).exit_code == 0
    assert (tmp_path / "conf" / "private" / STATE_NAME).is_file()
    assert (tmp_path / "conf" / "private" / CACHE_NAME).is_file()
    other = tmp_path / "other"
    result = build("--source", site, "--out", out, "--state-dir", other, config=config)
    assert result.exit_code == 0
    assert "wrote 0 feeds (45 unchanged)" in result.stderr  # a state of its own: built again
    assert (other / STATE_NAME).is_file()
    assert not xdg.exists()
    assert dot_files(out) == []


def test_the_cache_option_still_names_the_cache_file_only(
    xdg: Path, tmp_path: Path, build: Build, site: Path
) -> None:
    out, cache = tmp_path / "out", tmp_path / "c.sqlite"
    assert build("--source", site, "--out", out, "--cache", cache).exit_code == 0
    assert cache.is_file() and listing_path(cache).is_file()
    assert (state_of(out) / STATE_NAME).is_file()
    assert not (state_of(out) / CACHE_NAME).exists()
    assert dot_files(out) == []


def test_a_state_folder_that_cannot_be_made_is_a_config_error(
    xdg: Path, tmp_path: Path, build: Build, site: Path
) -> None:
    xdg.write_text("a file in the way", encoding="utf-8")
    result = build("--source", site, "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"feeds: error: config error: {xdg}: ")
    assert f"cannot make the state folder {state_of(tmp_path / 'out')} (" in result.stderr
    assert "--state-dir" in result.stderr
    assert not feed_files(tmp_path / "out")


def test_without_a_home_folder_the_state_folder_is_a_config_error(
    tmp_path: Path, build: Build, site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", "not/absolute")
    result = build("--source", site, "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert "no home folder to keep it in" in result.stderr
    assert "set state_dir in the config, --state-dir, or XDG_CACHE_HOME" in result.stderr


def test_one_lock_excludes_builds_that_keep_other_state_folders(
    xdg: Path, tmp_path: Path, build: Build, site: Path
) -> None:
    """Two users building one out/ each keep a state folder; the lock is on out/ itself."""
    out = tmp_path / "out"
    config = config_with(tmp_path, "")
    with held(HOLD_LOCK, out):
        result = build("--source", site, "--out", out, "--state-dir", tmp_path / "s", config=config)
    assert result.exit_code == 4
    assert f"{out}: another feeds build holds the lock" in result.stderr


def as_an_earlier_version_left_it(site: Path, out: Path, build: Build) -> None:
    """Build with the state folder in out/, as earlier versions (0.1) kept it, lock file too."""
    assert build("--source", site, "--out", out, "--state-dir", out).exit_code == 0
    (out / LOCK_NAME).touch()
    present = {p.name for p in out.iterdir() if p.name.startswith(".")}
    assert present == {STATE_NAME, CACHE_NAME, listing_path(Path(CACHE_NAME)).name,
                       FOLDERS_NAME, LOCK_NAME}  # fmt: skip


def test_an_earlier_versions_files_move_over_without_a_cold_rebuild(
    xdg: Path, tmp_path: Path, build: Build, site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    as_an_earlier_version_left_it(site, out, build)
    before = published(out)
    scanned: list[str] = []
    read_bytes = feeds.incremental.scan.read_bytes
    monkeypatch.setattr(
        feeds.incremental.scan,
        "read_bytes",
        lambda path, relpath, *a: scanned.append(relpath) or read_bytes(path, relpath, *a),
    )

    result = build("--source", site, "--out", out, "--jobs", "1")
    assert result.exit_code == 0, result.stderr
    assert f"{out}: feeds' private files moved to {state_of(out)}" in result.stderr
    assert "wrote 0 feeds (45 unchanged)" in result.stderr
    assert scanned == []
    assert published(out) == {k: v for k, v in before.items() if not k.startswith(".")}
    assert dot_files(out) == []

    edited = site / "_posts" / "2022-01-25-NW202201252261386140.md"
    edited.write_text(edited.read_text(encoding="utf-8").replace("商汤", "商汤集团"), "utf-8")
    result = build("--source", site, "--out", out, "--jobs", "1")
    assert result.exit_code == 0, result.stderr
    assert "moved" not in result.stderr
    assert scanned == [edited.relative_to(site).as_posix()]  # the cache was reused
    cold = tmp_path / "cold"
    assert build("--source", site, "--out", cold, "--jobs", "1").exit_code == 0
    assert {p.relative_to(out): p.read_bytes() for p in feed_files(out)} == {
        p.relative_to(cold): p.read_bytes() for p in feed_files(cold)
    }


def test_an_earlier_versions_lock_is_honoured_while_its_files_move(
    xdg: Path, tmp_path: Path, build: Build, site: Path
) -> None:
    out = tmp_path / "out"
    as_an_earlier_version_left_it(site, out, build)
    config = config_with(tmp_path, "")
    with held(OLD_LOCK, out / LOCK_NAME):
        result = build("--source", site, "--out", out, config=config)
        assert result.exit_code == 4, result.stderr
        assert (out / STATE_NAME).is_file() and (out / CACHE_NAME).is_file()
        assert not state_of(out).exists() or not any(state_of(out).iterdir())
    result = build("--source", site, "--out", out, config=config)
    assert result.exit_code == 0, result.stderr
    assert "wrote 0 feeds (45 unchanged)" in result.stderr
    assert dot_files(out) == []
    assert (state_of(out) / STATE_NAME).is_file()


def test_files_older_than_the_state_folders_own_are_removed_not_moved(
    xdg: Path, tmp_path: Path, build: Build, site: Path
) -> None:
    out = tmp_path / "out"
    assert build("--source", site, "--out", out).exit_code == 0
    state = (state_of(out) / STATE_NAME).read_bytes()
    for name in (STATE_NAME, CACHE_NAME, LOCK_NAME):
        (out / name).write_bytes(b"left by an earlier version")
    result = build("--source", site, "--out", out)
    assert result.exit_code == 0 and "moved" not in result.stderr
    assert dot_files(out) == []
    assert (state_of(out) / STATE_NAME).read_bytes() == state


def test_a_move_across_file_systems_copies_syncs_then_unlinks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out, folder = tmp_path / "out", tmp_path / "state"
    out.mkdir()
    folder.mkdir()
    (out / STATE_NAME).write_bytes(b"state")
    (out / JEKYLL_KEPT_NAME).write_bytes(b"jekyll")
    (out / JEKYLL_KEPT_NAME).chmod(0o600)
    replace = Path.replace

    def across(self: Path, target: Path) -> Path:
        if self.parent == out:
            raise OSError(errno.EXDEV, "Invalid cross-device link")
        return replace(self, target)

    monkeypatch.setattr(Path, "replace", across)
    assert feeds.publish.statedir.adopt_legacy_files(out, folder, cache=True) == 2
    assert list(out.iterdir()) == []
    assert sorted(p.name for p in folder.iterdir()) == [JEKYLL_KEPT_NAME, STATE_NAME]
    assert (folder / STATE_NAME).read_bytes() == b"state"
    assert (folder / JEKYLL_KEPT_NAME).stat().st_mode & 0o777 == 0o600


def test_the_names_moved_are_those_the_build_keeps() -> None:
    cache = Path(CACHE_NAME)
    sqlite = [cache.name + end for end in ("-journal", "-wal", "-shm")]
    assert set(CACHE_FILES) == {*sqlite, CACHE_NAME, listing_path(cache).name}
    assert set(OTHER_FILES) == {FOLDERS_NAME, JEKYLL_KEPT_NAME, JOURNAL_NAME}
    assert STATE_FILE == STATE_NAME
