"""Review of issue 16: the category cap is on what the front matter lists, as the README
says ("more than 100 categories"); a Jekyll folder's category is not counted (finding 9)."""

from pathlib import Path

from conftest import Build, parse
from feeds.source.posts import MAX_CATEGORIES

SITE = 'title = "T"\nurl = "https://ex.org"\n'
NAME = "2024-01-02-p.md"


def jekyll_site(tmp_path: Path, count: int) -> tuple[Path, Path]:
    source = tmp_path / "src"
    posts = source / "cat1" / "_posts"
    posts.mkdir(parents=True)
    (source / "_config.yml").write_text("title: T\n", encoding="utf-8")
    cats = "".join(f"\n- c{i}" for i in range(count))
    (posts / NAME).write_text(
        f"---\ntitle: Many\ndate: 2024-01-02\ncategories:{cats}\n---\nbody\n", encoding="utf-8"
    )
    (posts / "2024-01-01-q.md").write_text(
        "---\ntitle: Other\ndate: 2024-01-01\n---\nbody\n", encoding="utf-8"
    )
    config = tmp_path / "feeds.toml"
    config.write_text(SITE, encoding="utf-8")
    return source, config


def test_100_front_matter_categories_in_a_category_folder_are_published(
    tmp_path: Path, build: Build
) -> None:
    source, config = jekyll_site(tmp_path, MAX_CATEGORIES)
    out = tmp_path / "out"
    result = build("--source", source, "--out", out, config=config)
    assert result.exit_code == 0, result.stderr
    assert "skipped 0" in result.stderr
    (many,) = [e for e in parse(out / "atom.xml").entries if e.title == "Many"]
    assert [t.term for t in many.tags] == ["cat1", *(f"c{i}" for i in range(MAX_CATEGORIES))]
    assert "Many" in {e.title for e in parse(out / "c99" / "atom.xml").entries}


def test_101_front_matter_categories_are_named_as_101(tmp_path: Path, build: Build) -> None:
    source, config = jekyll_site(tmp_path, MAX_CATEGORIES + 1)
    out = tmp_path / "out"
    result = build("--source", source, "--out", out, config=config)
    assert result.exit_code == 3
    (line,) = [x for x in result.stderr.splitlines() if NAME in x]
    assert line.startswith(f"cat1/_posts/{NAME}: front matter: 101 categories, over the 100 ")
    assert {e.title for e in parse(out / "atom.xml").entries} == {"Other"}
