"""Review of issue 16: a newcomer never takes over the id of a post the cache already has,
even one that has left the feeds (`limit`), which the published feeds cannot tell (finding
2). Without the cache's record, the published feeds decide, then the order by path, the
same in a cold build and an incremental one."""

from pathlib import Path

import pytest

from conftest import Build, copy_build, feed_files, parse

SITE = 'title = "T"\nurl = "https://ex.org"\nlimit = 2\n'
OLD = "cat2/_posts/2024-01-01-p1.md"
NEW = "cat1/_posts/2024-01-01-p1.md"  # before OLD by path


def site(tmp_path: Path) -> tuple[Path, Path]:
    source = tmp_path / "src"
    (source / "_config.yml").parent.mkdir(parents=True)
    (source / "_config.yml").write_text("title: T\n")
    for n in range(1, 7):
        folder = source / ("cat2" if n % 2 else "cat1") / "_posts"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"2024-01-0{n}-p{n}.md").write_text(
            f"---\ntitle: P{n}\ndate: 2024-01-0{n}\n---\nbody {n}\n"
        )
    config = tmp_path / "feeds.toml"
    config.write_text(SITE)
    return source, config


def add_imposter(source: Path) -> None:
    (source / NEW).write_text("---\ntitle: Imposter\ndate: 2024-02-01\n---\nnot p1\n")


def titles(out: Path) -> list[str]:
    for path in feed_files(out):
        parse(path)
    return [e.title for e in parse(out / "rss.xml").entries]


def test_a_newcomer_never_takes_the_id_of_a_post_out_of_the_feeds(
    tmp_path: Path, build: Build
) -> None:
    source, config = site(tmp_path)
    out = tmp_path / "out"
    assert build("--source", source, "--out", out, config=config).exit_code == 0
    assert titles(out) == ["P6", "P5"]  # P1 has left the feeds
    add_imposter(source)
    for _ in range(2):  # the build that finds it, then one that finds nothing changed
        result = build("--source", source, "--out", out, config=config)
        assert result.exit_code == 3, result.stderr
        (line,) = [x for x in result.stderr.splitlines() if "same id" in x]
        assert line.startswith(f"{NEW}: id: same id as {OLD} (")
        assert "Imposter" not in titles(out)
    # the record outlives edits of either post, and P1 keeps its id when it is edited
    (source / OLD).write_text("---\ntitle: P1 edited\ndate: 2024-01-01\n---\nbody 1\n")
    (source / NEW).write_text("---\ntitle: Imposter 2\ndate: 2024-02-02\n---\nnot p1\n")
    result = build("--source", source, "--out", out, config=config)
    assert result.exit_code == 3, result.stderr
    assert f"{NEW}: id: same id as {OLD} (" in result.stderr
    assert titles(out) == ["P6", "P5"]


@pytest.mark.parametrize("cold", [True, False])
def test_without_a_record_the_first_by_path_keeps_it_cold_or_not(
    tmp_path: Path, build: Build, cold: bool
) -> None:
    """Both come in the same build: the cache had neither, and no feed holds either."""
    source, config = site(tmp_path)
    out = tmp_path / "out"
    if not cold:
        (source / OLD).rename(tmp_path / "p1")
        assert build("--source", source, "--out", out, config=config).exit_code == 0
        (tmp_path / "p1").rename(source / OLD)
    add_imposter(source)
    result = build("--source", source, "--out", out, config=config)
    assert result.exit_code == 3, result.stderr
    assert f"{OLD}: id: same id as {NEW} (" in result.stderr
    assert titles(out) == ["Imposter", "P6"]
    # a cold build given these published feeds decides the same
    again = tmp_path / "again"
    copy_build(out, again, cache=False)
    result = build("--source", source, "--out", again, config=config)
    assert f"{OLD}: id: same id as {NEW} (" in result.stderr
    assert {p.relative_to(again): p.read_bytes() for p in feed_files(again)} == {
        p.relative_to(out): p.read_bytes() for p in feed_files(out)
    }
