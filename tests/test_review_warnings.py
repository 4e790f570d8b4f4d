"""Review of issue 16: a warning is said once while its file stays as it is, also when the
file is read again for the 2 s margin after a change (finding 7)."""

import os
import time
from pathlib import Path

from conftest import Build, parse

SITE = 'title = "T"\nurl = "https://example.org"\n'
NAME = "2024-01-02-a.md"
WARNING = f"{NAME}: front matter: 'source_url' 'ftp://example.org/x'"


def test_a_warning_is_said_once_though_the_file_is_read_again_in_the_margin(
    tmp_path: Path, build: Build
) -> None:
    source, out, config = tmp_path / "src", tmp_path / "out", tmp_path / "feeds.toml"
    source.mkdir()
    config.write_text(SITE)
    post = source / NAME
    post.write_text("---\ntitle: A\nsource_url: ftp://example.org/x\n---\nbody\n")
    soon = time.time_ns() + 30 * 10**9  # within the margin for the whole test
    os.utime(post, ns=(soon, soon))
    first = build("--source", source, "--out", out, config=config)
    assert first.exit_code == 0, first.stderr
    assert WARNING in first.stderr
    for _ in range(2):
        again = build("--source", source, "--out", out, config=config)
        assert again.exit_code == 0, again.stderr
        assert WARNING not in again.stderr
        assert again.stderr.startswith("feeds: read 1 posts, skipped 0"), again.stderr
    assert [e.title for e in parse(out / "atom.xml").entries] == ["A"]
    post.write_text("---\ntitle: B\nsource_url: ftp://example.org/x\n---\nbody\n")
    os.utime(post, ns=(soon + 1, soon + 1))
    changed = build("--source", source, "--out", out, config=config)
    assert WARNING in changed.stderr  # the file changed: said again
    assert [e.title for e in parse(out / "atom.xml").entries] == ["B"]
