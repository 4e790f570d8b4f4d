"""A published post never leaves the feeds unsaid: not when the cache that held it is
discarded, not when a folder cannot be listed on a cold cache, not when its file is
replaced by a dangling link, a folder or a fifo (review of issue 16, items 4 and 5)."""

import os
from pathlib import Path

import pytest
from test_bad_posts import problems
from test_hardening_vanishing import KEPT, _unlistable

from conftest import Build, feed_files, parse, state_of

P3 = "cat2/_posts/2024-01-03-p3.md"
CATEGORY_OF = {1: "cat1", 2: "cat1", 3: "cat2", 4: "cat1", 5: "cat2", 6: "cat2"}


def _config(tmp_path: Path, title: str = "Ex") -> Path:
    config = tmp_path / "feeds.toml"
    config.write_text(
        f'title = "{title}"\nurl = "https://ex.org"\n'
        f'source = "{tmp_path / "src"}"\nout = "{tmp_path / "out"}"\n'
    )
    return config


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The reviewer's Jekyll site: six posts in two category folders."""
    monkeypatch.chdir(tmp_path)
    src = tmp_path / "src"
    src.mkdir()
    (src / "_config.yml").write_text("title: Ex\n")
    for n, category in CATEGORY_OF.items():
        folder = src / category / "_posts"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"2024-01-0{n}-p{n}.md").write_text(
            f'---\ntitle: "Post {n}"\ndate: 2024-01-0{n} 09:00:00 +0000\n---\n\nBody {n}.\n'
        )
    _config(tmp_path)
    return src


def _run(build: Build, tmp_path: Path) -> tuple[int, list[str]]:
    result = build(config=tmp_path / "feeds.toml")
    return result.exit_code, problems(result.stderr)


def _snapshot(out: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in feed_files(out)}


def _titles(feed: Path) -> set[str]:
    return {e.title for e in parse(feed).entries}


def _discard_cache(tmp_path: Path) -> None:
    for path in state_of(tmp_path / "out").glob(".feeds-cache.sqlite*"):
        path.unlink()


@pytest.mark.parametrize("how", ["cache deleted", "config changed"])
def test_a_held_post_is_still_named_after_the_cache_is_discarded(
    how: str, site: Path, tmp_path: Path, build: Build
) -> None:
    out = tmp_path / "out"
    assert _run(build, tmp_path) == (0, [])
    (site / P3).write_bytes(b"")
    code, lines = _run(build, tmp_path)
    assert code == 3
    assert [line.endswith(KEPT) for line in lines] == [True]
    assert "Post 3" in _titles(out / "atom.xml")

    if how == "cache deleted":  # nothing left to keep it by: named as out of the feeds
        _discard_cache(tmp_path)
        said = [
            f"{P3}: read: no longer a post, and its last published version was lost with "
            "the cache; it is out of the feeds until the file is fixed or deleted"
        ]
    else:  # the cache is made again for the new config: the held post is carried over
        _config(tmp_path, title="Ex, retitled")
        said = lines
    for _ in range(2):  # and again, when nothing changed since
        code, lines = _run(build, tmp_path)
        assert code == 3, lines
        assert lines == said, lines
        assert ("Post 3" in _titles(out / "atom.xml")) == (how == "config changed")
        assert parse(out / "atom.xml").feed.title == (
            "Ex" if how == "cache deleted" else "Ex, retitled"
        )

    (site / P3).unlink()  # the operator's intent: gone, and no longer named
    assert _run(build, tmp_path) == (0, [])
    assert "Post 3" not in _titles(out / "atom.xml")


def test_a_folder_that_cannot_be_listed_on_a_cold_cache_fails_the_build(
    site: Path, tmp_path: Path, build: Build, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    assert _run(build, tmp_path) == (0, [])
    before = _snapshot(out)
    assert _titles(out / "cat2" / "atom.xml") == {"Post 3", "Post 5", "Post 6"}
    _discard_cache(tmp_path)
    with monkeypatch.context() as failing:
        _unlistable(failing, site / "cat2")
        result = build(config=tmp_path / "feeds.toml")
    assert result.exit_code == 1, result.stderr
    assert (
        "feeds: error: cat2: read: cannot list the folder (Input/output error), and no cache "
        "records its posts; nothing published" in result.stderr.splitlines()
    )
    assert _snapshot(out) == before  # the published feeds stay as they were

    assert _run(build, tmp_path) == (0, [])  # listable again
    assert _snapshot(out) == before


@pytest.mark.parametrize(
    ("replace", "what"),
    [
        (lambda path: path.symlink_to("/nonexistent/x"), "a link to nothing"),
        (lambda path: path.mkdir(), "a folder"),
        (lambda path: os.mkfifo(path), "not a regular file"),
    ],
)
def test_a_post_replaced_by_no_regular_file_is_named_and_kept(
    replace: object, what: str, site: Path, tmp_path: Path, build: Build
) -> None:
    out = tmp_path / "out"
    assert _run(build, tmp_path) == (0, [])
    before = _snapshot(out)
    (site / P3).unlink()
    replace(site / P3)  # type: ignore[operator]
    for _ in range(2):  # and again, when nothing changed since
        code, lines = _run(build, tmp_path)
        assert code == 3, lines
        assert lines == [f"{P3}: read: no longer a regular file: {what}; {KEPT}"]
        assert _snapshot(out) == before

    path = site / P3
    if path.is_dir() and not path.is_symlink():
        path.rmdir()
    else:
        path.unlink()
    assert _run(build, tmp_path) == (0, [])
    assert "Post 3" not in _titles(out / "atom.xml")
    assert _titles(out / "cat2" / "atom.xml") == {"Post 5", "Post 6"}
