"""The drop guard compares with the most posts seen lately, not the last build alone
(issue 16, item 14): a source that shrinks by just under half at each run is stopped."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from synthetic import post_name, write_archive

from conftest import CONFIG, Build, parse, state_of
from feeds.config import load_config
from feeds.errors import BuildError
from feeds.model import Report
from feeds.pipeline import publish
from feeds.publish.state import STATE_NAME


def shrink_to(source: Path, keep: int) -> None:
    for path in sorted(source.iterdir()):
        if path.name not in {post_name(i) for i in range(keep)}:
            path.unlink()


def test_shrinking_by_just_under_half_each_run_is_stopped(tmp_path: Path, build: Build) -> None:
    source, out = write_archive(tmp_path / "source", 100), tmp_path / "out"
    assert build("--source", source, "--out", out).exit_code == 0
    shrink_to(source, 51)
    assert build("--source", source, "--out", out).exit_code == 0  # 49% fewer: allowed
    published = (out / "atom.xml").read_bytes()
    shrink_to(source, 26)  # 49% fewer than the last build, 74% fewer than the one before
    result = build("--source", source, "--out", out)
    assert result.exit_code == 1
    assert "26 publishable posts, down from 100 at a build on " in result.stderr
    assert "run with --force if the posts really were removed" in result.stderr
    assert (out / "atom.xml").read_bytes() == published
    forced = build("--source", source, "--out", out, "--force")
    assert forced.exit_code == 0, forced.stderr
    assert len(parse(out / "rss.xml").entries) == 26
    shrink_to(source, 14)  # 46% fewer than the forced build, the mark it left
    assert build("--source", source, "--out", out).exit_code == 0


def test_a_state_file_without_the_mark_is_read(tmp_path: Path, build: Build) -> None:
    source, out = write_archive(tmp_path / "source", 10), tmp_path / "out"
    assert build("--source", source, "--out", out).exit_code == 0
    state = json.loads((state_of(out) / STATE_NAME).read_text(encoding="utf-8"))
    del state["peaks"]  # as a build before the mark wrote it
    (state_of(out) / STATE_NAME).write_text(json.dumps(state), encoding="utf-8")
    shrink_to(source, 4)
    result = build("--source", source, "--out", out)
    assert result.exit_code == 1
    assert "4 publishable posts, down from 10 at the last build" in result.stderr
    shrink_to(source, 0)
    write_archive(tmp_path / "source", 10)
    assert build("--source", source, "--out", out).exit_code == 0


def test_the_mark_is_the_most_posts_of_the_last_30_days(tmp_path: Path) -> None:
    source, out = write_archive(tmp_path / "source", 100), tmp_path / "out"
    day = datetime(2026, 1, 1, 12, tzinfo=UTC)

    def run(days: int) -> None:
        publish(
            load_config(CONFIG, source=source, out=out), now=day + timedelta(days), report=Report()
        )

    run(0)
    shrink_to(source, 60)
    run(1)
    shrink_to(source, 35)  # 42% fewer than the last build, 65% fewer than 100
    with pytest.raises(
        BuildError, match="35 publishable posts, down from 100 at a build on 2026-01-01"
    ):
        run(29)
    run(30)  # the 100 are a month old: the mark is the last build's 60
