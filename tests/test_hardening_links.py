"""A post that is a link to a file outside the source is never followed (issue 16, item 10):
it is named on stderr (exit 3), and what it points to is never published."""

import os
from pathlib import Path

import pytest
from test_bad_posts import GOOD, problems, published, source_with

from conftest import Build

SECRET = b"""---
title: "db password hunter2"
date: 2021-12-08 15:11:38 +0800
---

password: hunter2
"""
INSIDE = b"""---
title: "A post kept elsewhere in the source"
date: 2021-12-08 15:11:38 +0800
---

Linked from its category folder.
"""


def _secret(tmp_path: Path) -> Path:
    private = tmp_path / "private"
    private.mkdir()
    (private / "secret.yaml").write_bytes(SECRET)
    return private / "secret.yaml"


def _refused(result_stderr: str, name: str) -> None:
    (line,) = problems(result_stderr)
    assert line.startswith(f"{name}: read: a link to a file outside the source folder")


@pytest.mark.parametrize("first_build", [True, False])
def test_a_link_out_of_the_source_is_refused(
    first_build: bool, tmp_path: Path, build: Build, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out"
    source = source_with(tmp_path, {})
    if not first_build:  # an incremental build: the link comes after the cache
        assert build("--source", source, "--out", out).exit_code == 0
    (source / "2024-01-02-leak.md").symlink_to(os.path.relpath(_secret(tmp_path), source))
    result = build("--source", source, "--out", out)
    assert result.exit_code == 3, result.stderr
    _refused(result.stderr, "2024-01-02-leak.md")
    assert set(published(out)) == GOOD
    for feed in out.rglob("*.xml"):
        assert b"hunter2" not in feed.read_bytes()


def test_a_link_within_the_source_is_read(
    tmp_path: Path, build: Build, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out"
    source = source_with(tmp_path, {"kept/_inside.txt": INSIDE})
    (source / "2021-12-08-inside.md").symlink_to("kept/_inside.txt")
    result = build("--source", source, "--out", out)
    assert result.exit_code == 0, result.stderr
    assert "A post kept elsewhere in the source" in published(out).values()


def test_a_post_swapped_for_a_link_after_the_scan_is_not_rendered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from feeds.source.posts import read_post

    source = source_with(tmp_path, {})
    (source / "2024-01-02-leak.md").symlink_to(_secret(tmp_path))
    with pytest.raises(Exception, match="outside the source folder"):
        read_post(source / "2024-01-02-leak.md", "2024-01-02-leak.md")


def test_a_link_to_a_folder_out_of_the_source_is_named_not_followed(
    tmp_path: Path, build: Build, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out"
    source = source_with(tmp_path, {})
    private = _secret(tmp_path).parent
    (private / "2024-01-02-leak.md").write_bytes(SECRET)
    (source / "leaked").symlink_to(private)
    for _ in range(2):  # a cold build, then one that finds nothing changed
        result = build("--source", source, "--out", out)
        assert result.exit_code == 3, result.stderr
        assert problems(result.stderr) == [
            "leaked: read: a link to a folder outside the source folder; not followed"
        ]
        assert set(published(out)) == GOOD
