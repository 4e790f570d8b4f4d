"""A newcomer with a published post's id never evicts it (issue 16, item 6): the post
readers already have keeps its id and stays; the newcomer is named on stderr (exit 3).
A cold build given the same published feeds decides the same."""

import shutil
from pathlib import Path

import pytest

from conftest import FINEWS, Build, copy_build, feed_files, parse

NAME = "2022-03-03-p3.md"
ID = "tag:finews.withounder.com,2022-03-03:p3"


def _post(title: str) -> str:
    return f'---\ntitle: "{title}"\ndate: 2022-03-03 09:00:00 +0800\n---\n\n{title}, the body.\n'


def _outputs(out: Path) -> dict[Path, bytes]:
    return {p.relative_to(out): p.read_bytes() for p in feed_files(out)}


def _cold(out: Path, cold: Path) -> None:
    """The published feeds and state of out, without its cache."""
    copy_build(out, cold, cache=False)


@pytest.mark.parametrize("newcomer", ["cat0", "cat2"])  # before and after cat1 by path
def test_a_newcomer_with_a_published_posts_id_is_reported_not_published(
    newcomer: str, tmp_path: Path, build: Build, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    site = tmp_path / "site"
    shutil.copytree(FINEWS / "_posts", site / "_posts")
    shutil.copy(FINEWS / "_config.yml", site / "_config.yml")
    (site / "_posts" / "-202205262391921712.md").unlink()  # its date is unusable
    for folder in ("cat1", newcomer):
        (site / folder / "_posts").mkdir(parents=True)
    (site / "cat1" / "_posts" / NAME).write_text(_post("Published first"))
    out, cold = tmp_path / "out", tmp_path / "cold"
    assert build("--source", site, "--out", out).exit_code == 0

    (site / newcomer / "_posts" / NAME).write_text(_post("The newcomer"))
    _cold(out, cold)
    said = f"{newcomer}/_posts/{NAME}: id: same id as cat1/_posts/{NAME} ({ID})"
    for dest in (out, cold):
        result = build("--source", site, "--out", dest)
        assert result.exit_code == 3, result.stderr
        assert [line for line in result.stderr.splitlines() if ": id: " in line] == [
            f"{said}; give one of them an 'id:' key"
        ]
        titles = {e.id: e.title for e in parse(dest / "atom.xml").entries}
        assert titles[ID] == "Published first"
        assert {e.title for e in parse(dest / "cat1" / "atom.xml").entries} == {"Published first"}
        assert not (dest / newcomer).exists()
    assert _outputs(out) == _outputs(cold)

    # A rebuild keeps deciding so, and a cold build of what it published too.
    (site / newcomer / "_posts" / NAME).write_text(_post("The newcomer, edited"))
    shutil.rmtree(cold)
    _cold(out, cold)
    for dest in (out, cold):
        result = build("--source", site, "--out", dest)
        assert said in result.stderr
    assert _outputs(out) == _outputs(cold)
