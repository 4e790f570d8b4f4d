"""Messages that tell the operator what to do (issue 16, item 14): a lock_timeout that
would wait for ever, a full disk under the cache or a feed."""

import errno
import shutil
import sqlite3
from pathlib import Path

import pytest

import feeds.files
import feeds.incremental.cache
from conftest import SEEDS, Build, feed_files

SITE = 'title = "T"\nurl = "https://example.com"\n'


NOT_FINITE = "must be a finite number of 0 or more"
# 1e300 is finite, and a cron build that waits that long waits for ever (review of #16).
OVER_A_DAY = "must be at most 86,400 seconds"


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        *((value, NOT_FINITE) for value in ["nan", "inf", "+inf", "-1", "-inf"]),
        *((value, OVER_A_DAY) for value in ["1e300", "86401", "1.7976931348623157e308"]),
    ],
)
def test_a_lock_timeout_not_finite_or_over_a_day_is_a_config_error(
    tmp_path: Path, build: Build, value: str, reason: str
) -> None:
    config = tmp_path / "feeds.toml"
    config.write_text(f"{SITE}lock_timeout = {value}\n", encoding="utf-8")
    result = build("--source", SEEDS, "--out", tmp_path / "out", config=config)
    assert result.exit_code == 2
    assert result.stderr == f"feeds: error: config error: {config}: lock_timeout: {reason}\n"
    assert not (tmp_path / "out").exists()


def test_a_lock_timeout_of_a_day_is_accepted(tmp_path: Path, build: Build) -> None:
    config = tmp_path / "feeds.toml"
    config.write_text(f"{SITE}lock_timeout = 86400\n", encoding="utf-8")
    result = build("--source", SEEDS, "--out", tmp_path / "out", config=config)
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "out" / "atom.xml").is_file()


def test_a_full_disk_under_the_cache_says_to_free_space(
    tmp_path: Path, build: Build, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_connect = sqlite3.connect

    def full(*args: object, **kwargs: object) -> sqlite3.Connection:
        db = real_connect(*args, **kwargs)  # type: ignore[arg-type]
        db.execute("PRAGMA max_page_count = 2")  # no room for the posts: SQLITE_FULL
        return db

    monkeypatch.setattr(feeds.incremental.cache.sqlite3, "connect", full)
    result = build("--source", SEEDS, "--out", tmp_path / "out")
    assert result.exit_code == 1
    message = result.stderr.splitlines()[-1]
    assert message.startswith("feeds: error: the build cache: database or disk is full")
    assert message.endswith("the disk is full; free some space, then run again")
    assert "--cache" not in message


def test_a_full_disk_while_writing_a_feed_names_the_file(
    tmp_path: Path, build: Build, monkeypatch: pytest.MonkeyPatch
) -> None:
    source, out = tmp_path / "source", tmp_path / "out"
    shutil.copytree(SEEDS, source)

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(feeds.files.os, "fsync", full)
    result = build("--source", source, "--out", out)
    assert result.exit_code == 1
    assert result.stderr.endswith(
        f"feeds: error: {out / 'atom.xml'}: No space left on device; "
        "no feed was left half-written\n"
    )
    assert feed_files(out) == []
