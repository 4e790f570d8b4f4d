"""Review of issue 16: in a Jekyll site, a link to a folder outside the source is named
(exit 3) as in a plain folder, wherever it may hold posts: a category's `_posts`, the
site's own `_posts`, or a category folder (finding 3); elsewhere it is no post."""

from pathlib import Path

import pytest

from conftest import Build, parse

SITE = 'title = "T"\nurl = "https://ex.org"\n'
NOT_FOLLOWED = ": read: a link to a folder outside the source folder; not followed"


def post(folder: Path, name: str, title: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(f"---\ntitle: {title}\ndate: {name[:10]}\n---\nbody\n")


@pytest.mark.parametrize(
    ("link", "target"),
    [("cat3/_posts", "ext/_posts"), ("_posts", "ext/_posts"), ("cat4", "ext")],
)
def test_a_jekyll_link_to_a_folder_out_of_the_source_is_named(
    tmp_path: Path, build: Build, link: str, target: str
) -> None:
    post(tmp_path / "x" / "ext" / "_posts", "2024-01-05-e.md", "Outside")
    source = tmp_path / "src"
    post(source / "cat1" / "_posts", "2024-01-04-i.md", "Inside")
    (source / "_config.yml").write_text("title: T\n")
    (source / link).parent.mkdir(parents=True, exist_ok=True)
    (source / link).symlink_to(tmp_path / "x" / target)
    config = tmp_path / "feeds.toml"
    config.write_text(SITE)
    out = tmp_path / "out"
    for _ in range(2):  # a cold build, then one that finds nothing changed
        result = build("--source", source, "--out", out, config=config)
        assert result.exit_code == 3, result.stderr
        assert result.stderr.splitlines()[0] == link + NOT_FOLLOWED
        assert [e.title for e in parse(out / "atom.xml").entries] == ["Inside"]


@pytest.mark.parametrize("link", ["assets/fonts", "_includes/icons", "cat1/fonts"])
def test_a_jekyll_link_out_where_no_posts_can_be_is_no_skipped_post(
    tmp_path: Path, build: Build, link: str
) -> None:
    """Review of issues 19-21, finding 8: Jekyll reads posts only from `_posts` folders; a
    link to fonts in assets/ is no post, and no warning at every build."""
    (tmp_path / "fonts").mkdir()
    (tmp_path / "fonts" / "a.woff").write_bytes(b"font")
    source = tmp_path / "src"
    post(source / "cat1" / "_posts", "2024-01-04-i.md", "Inside")
    (source / "_config.yml").write_text("title: T\n")
    (source / link).parent.mkdir(parents=True, exist_ok=True)
    (source / link).symlink_to(tmp_path / "fonts")
    config = tmp_path / "feeds.toml"
    config.write_text(SITE)
    out = tmp_path / "out"
    for _ in range(2):  # a cold build, then one that finds nothing changed
        result = build("--source", source, "--out", out, config=config)
        assert result.exit_code == 0, result.stderr
        assert "outside the source" not in result.stderr
        assert [e.title for e in parse(out / "atom.xml").entries] == ["Inside"]
