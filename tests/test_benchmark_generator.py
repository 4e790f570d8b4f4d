"""The benchmark's archive generator: deterministic, readable by the tool, shaped like finews."""

from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import load_generator
from feeds.cli import cli

SIZE = 200


generate = load_generator()


def _files(site: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((site / "_posts").iterdir())}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = tmp_path_factory.mktemp("site")
    generate.generate(SIZE, site, seed=3, jobs=1)
    return site


def test_same_seed_gives_identical_bytes(site: Path, tmp_path: Path) -> None:
    generate.generate(SIZE, tmp_path, seed=3, jobs=2, chunk=30)  # other processes
    assert _files(tmp_path) == _files(site)
    assert (tmp_path / "_config.yml").read_bytes() == (site / "_config.yml").read_bytes()


def test_another_seed_gives_other_posts(site: Path, tmp_path: Path) -> None:
    generate.generate(SIZE, tmp_path, seed=4, jobs=1)
    assert _files(tmp_path) != _files(site)


def test_posts_are_unique_and_named_like_the_archive(site: Path) -> None:
    names = list(_files(site))
    assert len(names) == SIZE
    assert all(n.endswith(".md") and n[:4].isdigit() for n in names)
    assert any("-NW" in n for n in names) and any(n[11:12].isdigit() for n in names)


def test_the_tool_builds_the_category_feeds(site: Path, tmp_path: Path) -> None:
    config = tmp_path / "feeds.toml"
    config.write_text('url = "https://finews.withounder.com"\ncleaning = "finews"\n')
    out = tmp_path / "out"
    argv = ["build", "--source", str(site), "--out", str(out), "--config", str(config)]
    result = CliRunner().invoke(cli, argv, catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    categories = {p.parent.name for p in out.glob("*/atom.xml")}
    assert {"emnews", "sitenews"} < categories
    assert len(categories) >= 5
    assert all((out / c / "rss.xml").is_file() for c in categories)


def test_added_posts_are_new_and_dated_after_the_archive(site: Path, tmp_path: Path) -> None:
    first = [generate.plan(3, i) for i in range(SIZE)]
    added = [generate.plan(3, i, SIZE) for i in range(SIZE, SIZE + 10)]
    assert not {p.filename for p in added} & {p.filename for p in first}
    assert min(p.when for p in added) > max(p.when for p in first)


def test_categories_are_about_thirty_and_skewed() -> None:
    counts = Counter(generate.category_of(1, i) for i in range(20_000))
    assert 28 <= len(counts) <= 32
    ranked = [c for c, _ in counts.most_common()]
    assert ranked[0] == "emnews"
    assert counts["emnews"] > 0.3 * 20_000
    middle = counts[ranked[len(ranked) // 2]]
    assert counts[ranked[1]] > 5 * middle > 5 * counts[ranked[-2]] > 0


def test_some_posts_are_twins_in_two_categories() -> None:
    plans = [generate.plan(1, i) for i in range(generate.MODERN_FROM, 4_000)]
    by_code: dict[str, set[str]] = {}
    for p in plans:
        by_code.setdefault(p.code, set()).add(p.outlet.category)
    twins = [cats for cats in by_code.values() if len(cats) == 2]
    assert 0.01 * len(plans) < len(twins) < 0.1 * len(plans)
    assert all("emnews" in cats for cats in twins)
