"""Exit codes are a contract with cron: one test per code, each asserting the message too.

0 all published, 1 nothing published, 2 usage or config error, 3 published with posts
skipped, 4 another build holds the lock. A failed run leaves the published feeds as they
were, byte for byte and mtime for mtime.
"""

import re
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner

import feeds.cli
import feeds.incremental.cache
import feeds.pipeline
from conftest import DATA, FINEWS, ROOT, SEEDS, Build, feed_files, parse
from feeds.cli import cli
from feeds.publish.lock import build_lock

BAD = DATA / "bad"
SITE = 'title = "金融消息"\nurl = "https://finews.withounder.com"\ntimezone = "Asia/Shanghai"\n'
HOLD_LOCK = """
import sys, time
from pathlib import Path
from feeds.publish.lock import build_lock
with build_lock(Path(sys.argv[1]), 0):
    print("locked", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def toml(tmp_path: Path, extra: str = "") -> Path:
    path = tmp_path / "feeds.toml"
    path.write_text(SITE + extra, encoding="utf-8")
    return path


def snapshot(out: Path) -> dict[str, tuple[bytes, int]]:
    """Every published file's bytes and mtime."""
    return {
        p.relative_to(out).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in feed_files(out)
    }


def published_copy(tmp_path: Path, build: Build) -> tuple[Path, Path, dict[str, tuple[bytes, int]]]:
    """A source with the two seeds posts, already built: (source, out, what was published)."""
    source, out = tmp_path / "source", tmp_path / "out"
    shutil.copytree(SEEDS, source)
    assert build("--source", source, "--out", out).exit_code == 0
    return source, out, snapshot(out)


def test_0_when_every_post_is_published(tmp_path: Path, build: Build) -> None:
    result = build("--source", SEEDS, "--out", tmp_path / "out")
    assert result.exit_code == 0
    assert result.stderr == "feeds: read 2 posts, skipped 0, wrote 9 feeds (0 unchanged)\n"


def test_3_when_posts_were_skipped_names_each(tmp_path: Path, build: Build) -> None:
    source, out, _ = published_copy(tmp_path, build)
    for name in ("2021-12-08-front-matter-is-a-list.md", "2021-12-08-python-object-tag.md"):
        shutil.copy(BAD / name, source / name)
    result = build("--source", source, "--out", out)
    assert result.exit_code == 3
    assert result.stderr.splitlines()[:2] == [
        "2021-12-08-front-matter-is-a-list.md: front matter: must be 'key: value' lines, "
        "not a list",
        "2021-12-08-python-object-tag.md: front matter: invalid YAML at line 3: the tag "
        "!!python/object/apply:os.system is not allowed (tags are never run): remove it",
    ]
    assert "read 2 posts, skipped 2" in result.stderr
    assert len(parse(out / "atom.xml").entries) == 2


def test_3_again_when_nothing_changed_since(tmp_path: Path, build: Build) -> None:
    """A rebuild with nothing to do still reports the bad post: cron keeps mailing it."""
    source, out, _ = published_copy(tmp_path, build)
    shutil.copy(BAD / "2021-12-08-front-matter-not-closed.md", source)
    first = build("--source", source, "--out", out)
    again = build("--source", source, "--out", out)
    assert first.exit_code == again.exit_code == 3
    assert "2021-12-08-front-matter-not-closed.md: front matter: not closed" in again.stderr


def test_1_when_the_source_folder_is_empty(tmp_path: Path, build: Build) -> None:
    source, out, before = published_copy(tmp_path, build)
    for post in source.iterdir():
        post.unlink()
    result = build("--source", source, "--out", out)
    assert result.exit_code == 1
    assert result.stderr == (
        f"feeds: error: {source}: no publishable posts found (is it mounted?); nothing published\n"
    )
    assert snapshot(out) == before


def test_1_when_the_source_folder_is_missing(tmp_path: Path, build: Build) -> None:
    source, out, before = published_copy(tmp_path, build)
    shutil.rmtree(source)
    result = build("--source", source, "--out", out)
    assert result.exit_code == 1
    assert result.stderr == (
        f"feeds: error: {source}: the source folder does not exist (is it mounted?)\n"
    )
    assert snapshot(out) == before


def test_1_when_every_post_is_bad(tmp_path: Path, build: Build) -> None:
    source = tmp_path / "source"
    source.mkdir()
    shutil.copy(BAD / "2021-12-08-front-matter-not-closed.md", source)
    shutil.copy(FINEWS / "_posts" / "-202205262391921712.md", source)
    result = build("--source", source, "--out", tmp_path / "out")
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0].startswith("-202205262391921712.md: front matter: 'date'")
    assert lines[1].startswith("2021-12-08-front-matter-not-closed.md: front matter: not closed")
    assert lines[2] == f"feeds: error: {source}: no publishable posts found (is it mounted?); " + (
        "nothing published"
    )
    assert not feed_files(tmp_path / "out")


def test_1_when_the_output_cannot_be_written(tmp_path: Path, build: Build) -> None:
    (tmp_path / "file").write_text("not a folder")
    result = build("--source", SEEDS, "--out", tmp_path / "file" / "out")
    assert result.exit_code == 1
    assert result.stderr == (
        f"feeds: error: {tmp_path / 'file' / 'out'}: Not a directory; "
        "no feed was left half-written\n"
    )


def test_1_with_strict_and_a_bad_post_publishes_nothing(tmp_path: Path, build: Build) -> None:
    source, out, before = published_copy(tmp_path, build)
    shutil.copy(BAD / "2021-12-08-missing-title.md", source)  # would change every feed
    shutil.copy(BAD / "2021-12-08-text-before-front-matter.md", source)
    result = build("--source", source, "--out", out, "--strict")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "2021-12-08-text-before-front-matter.md: front matter: text before the opening '---': "
        "remove it, '---' must be the first line",
        "feeds: error: --strict: 1 post(s) skipped; nothing published",
    ]
    assert snapshot(out) == before
    assert build("--source", source, "--out", out).exit_code == 3  # without: published
    assert snapshot(out) != before


def test_2_for_a_config_error_naming_the_file_and_key(tmp_path: Path, build: Build) -> None:
    config = toml(tmp_path, 'limit = "many"\n')
    result = build("--source", SEEDS, "--out", tmp_path / "out", config=config)
    assert result.exit_code == 2
    assert result.stderr == (
        f"feeds: error: config error: {config}: limit: must be a whole number of 0 or more\n"
    )
    assert not (tmp_path / "out").exists()


def test_2_for_an_unknown_config_key(tmp_path: Path, build: Build) -> None:
    config = toml(tmp_path, "max_dorp = 0.9\n")
    result = build("--source", SEEDS, "--out", tmp_path / "out", config=config)
    assert result.exit_code == 2
    assert f"{config}: max_dorp: unknown key (known keys: " in result.stderr


def test_2_for_a_missing_config_file(tmp_path: Path, build: Build) -> None:
    result = build("--source", SEEDS, "--out", tmp_path / "out", config=tmp_path / "nope.toml")
    assert result.exit_code == 2
    assert "nope.toml: no such config file" in result.stderr


def test_2_for_a_usage_error(tmp_path: Path, build: Build) -> None:
    result = build("--source", SEEDS, "--out", tmp_path / "out", "--limit", "-1")
    assert result.exit_code == 2
    assert "Invalid value for '--limit': -1 is not in the range x>=0" in result.stderr


@contextmanager
def lock_held_elsewhere(out: Path, seconds: float) -> Iterator[subprocess.Popen[str]]:
    """Another process, as another cron run would, holding the output folder's lock."""
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(out), str(seconds)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline() == "locked\n"
        yield proc
    finally:
        proc.kill()
        proc.wait()


def test_4_when_another_build_holds_the_lock(tmp_path: Path, build: Build) -> None:
    source, out, before = published_copy(tmp_path, build)
    shutil.copy(BAD / "2021-12-08-missing-title.md", source)
    config = toml(tmp_path, "lock_timeout = 0.3\n")
    with lock_held_elsewhere(out, 60):
        start = time.monotonic()
        result = build("--source", source, "--out", out, config=config)
        waited = time.monotonic() - start
    assert result.exit_code == 4
    assert result.stderr == (
        f"feeds: error: {out}: another feeds build holds the lock; waited 0.3 s\n"
    )
    assert 0.3 <= waited < 5
    assert snapshot(out) == before


def test_4_when_the_lock_is_held_in_this_process(tmp_path: Path, build: Build) -> None:
    """flock locks belong to the open file: even the same process cannot take it twice."""
    out = tmp_path / "out"
    with build_lock(out, 0):
        result = build("--source", SEEDS, "--out", out, config=toml(tmp_path, "lock_timeout = 0\n"))
    assert result.exit_code == 4
    assert not feed_files(out)


def test_a_second_build_waits_for_the_first(tmp_path: Path, build: Build) -> None:
    out = tmp_path / "out"
    config = toml(tmp_path, "lock_timeout = 30\n")
    with lock_held_elsewhere(out, 1.0) as holder:
        start = time.monotonic()
        result = build("--source", SEEDS, "--out", out, config=config)
        waited = time.monotonic() - start
        assert holder.poll() is not None  # it finished before the build could start
    assert result.exit_code == 0
    assert waited >= 0.5
    assert len(feed_files(out)) == 6


def test_help_documents_the_exit_codes() -> None:
    for argv in (["--help"], ["build", "--help"]):
        help_text = CliRunner().invoke(cli, argv).output
        assert "Exit codes:" in help_text
        for code in "012345":
            assert re.search(rf"^ +{code}  \w", help_text, re.MULTILINE)


def test_1_when_the_build_cache_fails(
    tmp_path: Path, build: Build, monkeypatch: pytest.MonkeyPatch
) -> None:
    def locked(path: Path, fingerprint: str) -> None:
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(feeds.incremental.cache, "_connect", locked)
    result = build("--source", SEEDS, "--out", tmp_path / "out")
    assert result.exit_code == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last == (
        "feeds: error: the build cache: database is locked; delete it, or set another with --cache"
    )


def test_1_with_one_line_for_an_unexpected_error(
    tmp_path: Path, build: Build, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(feeds.pipeline, "_build", broken)
    result = build("--source", SEEDS, "--out", tmp_path / "out")
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "feeds: error: internal error: RuntimeError: a bug (-v shows where)"
    )


@pytest.mark.parametrize(("code", "status"), [(None, 0), (0, 0), (3, 3), ("a message", 1)])
def test_main_leaves_with_the_status_sys_exit_would_give(
    code: object, status: int, capsys: pytest.CaptureFixture[str]
) -> None:
    assert feeds.cli._exit_status(code) == status
    assert capsys.readouterr().err == ("a message\n" if status == 1 else "")


def test_everything_said_reaches_a_pipe_before_the_process_ends() -> None:
    """main() skips the interpreter's teardown: what it printed must still all arrive."""
    result = subprocess.run(
        [sys.executable, "-m", "feeds", "--help"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0
    assert result.stdout.startswith("Usage:")
    assert result.stdout.endswith("the next build); 3 wins over 5\n")


@pytest.mark.parametrize(("module", "stage"), [("guard", "guard"), ("write", "write_feeds")])
def test_1_when_the_output_folder_is_replaced_mid_build(
    tmp_path: Path, build: Build, monkeypatch: pytest.MonkeyPatch, module: str, stage: str
) -> None:
    """Review of issues 19-21, finding 11: the lock is held on the folder `out` named when
    the build began; `mv out out.old; mkdir out` meanwhile leaves a new folder another
    build can lock, and this build neither writes there nor saves its state."""
    source, out = tmp_path / "source", tmp_path / "out"
    shutil.copytree(SEEDS, source)
    target = getattr(__import__(f"feeds.publish.{module}", fromlist=[stage]), stage)

    def replace_out() -> None:
        out.rename(tmp_path / "out.old")
        out.mkdir()

    def replaced(*args: object, **kwargs: object) -> object:
        if stage == "guard":  # before the feeds are written
            replace_out()
        done = target(*args, **kwargs)
        if stage == "write_feeds":  # before the state is saved
            replace_out()
        return done

    monkeypatch.setattr(f"feeds.publish.{module}.{stage}", replaced)
    result = build("--source", source, "--out", out)
    assert result.exit_code == 1
    assert result.stderr == (
        f"feeds: error: {out}: the output folder was moved or replaced during the build; "
        "this build stops there: run it again\n"
    )
    assert not feed_files(out)
    monkeypatch.undo()
    assert build("--source", source, "--out", out).exit_code == 0  # the next build mends it
    assert len(feed_files(out)) == 6
