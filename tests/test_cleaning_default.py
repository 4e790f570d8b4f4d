"""With no feeds.toml saying otherwise, only the generic cleaning rules run (issue 21, item
6): the finews archive's rules turned an ordinary blog's trailing link into a source
credit. The archive's own feeds.toml switches them on."""

from pathlib import Path

from conftest import Build, parse

POST = """---
title: Notes
date: 2024-01-02 10:00:00 +0000
---
I wrote about this elsewhere.

<https://blog.example/elsewhere>
"""


def body(build: Build, tmp_path: Path, config: str) -> str:
    source = tmp_path / "src"
    source.mkdir()
    (source / "2024-01-02-notes.md").write_text(POST, encoding="utf-8")
    (tmp_path / "feeds.toml").write_text(config, encoding="utf-8")
    out = tmp_path / "out"
    result = build("--source", source, "--out", out, config=tmp_path / "feeds.toml")
    assert result.exit_code == 0, result.stderr
    content: str = parse(out / "atom.xml").entries[0].content[0].value
    return content


def test_an_ordinary_blog_keeps_its_trailing_link_plain(build: Build, tmp_path: Path) -> None:
    content = body(build, tmp_path, 'url = "https://blog.example"\n')
    assert '<a href="https://blog.example/elsewhere">https://blog.example/elsewhere</a>' in content
    assert "来源" not in content and "原文" not in content


def test_the_finews_rules_run_where_the_config_asks(build: Build, tmp_path: Path) -> None:
    content = body(build, tmp_path, 'url = "https://blog.example"\ncleaning = "finews"\n')
    assert "原文" in content


def test_a_rebuild_after_the_profile_is_switched_on_equals_a_cold_build(
    build: Build, tmp_path: Path
) -> None:
    plain = body(build, tmp_path, 'url = "https://blog.example"\n')
    config = tmp_path / "feeds.toml"
    config.write_text('url = "https://blog.example"\ncleaning = "finews"\n', encoding="utf-8")
    source, out, cold = tmp_path / "src", tmp_path / "out", tmp_path / "cold"
    assert build("--source", source, "--out", out, config=config).exit_code == 0
    assert build("--source", source, "--out", cold, config=config).exit_code == 0
    rebuilt = (out / "atom.xml").read_bytes()
    assert rebuilt == (cold / "atom.xml").read_bytes()
    assert "原文" in rebuilt.decode() and "原文" not in plain
