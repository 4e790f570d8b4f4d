"""Bidi controls and zero-width characters never split a category or hide in a title
(issue 16, item 13). ZWJ and ZWNJ are kept: Persian and Indic words and emoji need them.
"""

from pathlib import Path

from conftest import Build, parse
from feeds.text import one_line

CONFIG = """
title = "Site"
url = "https://example.org"
timezone = "UTC"
cleaning = "generic"
"""


def test_categories_differing_by_invisible_characters_are_one_feed(
    build: Build, tmp_path: Path
) -> None:
    source = tmp_path / "src"
    source.mkdir()
    posts = {
        "2024-01-02-a.md": 'title: "Ti\\u200btle \\u202eevil\\u202c"\ncategories: ["a\\u200bb"]',
        "2024-01-03-b.md": 'title: Two\ncategories: [ab]\ntags: ["\\ufeffx\\u2066y\\u2069"]',
        "2024-01-04-c.md": 'title: Three\ncategories: "a\\u2060b"\nauthor: "E\\u202ave"',
    }
    for name, front in posts.items():
        (source / name).write_text(f"---\n{front}\n---\n\nBody.\n", encoding="utf-8")
    config = tmp_path / "feeds.toml"
    config.write_text(CONFIG, encoding="utf-8")
    out = tmp_path / "out"
    result = build("--source", source, "--out", out, config=config)
    assert result.exit_code == 0, result.stderr
    category_feeds = sorted(p.parent.name for p in out.glob("*/atom.xml"))
    assert len(category_feeds) == 1, category_feeds
    feed = parse(out / category_feeds[0] / "atom.xml")
    assert {e.title for e in feed.entries} == {"Title evil", "Two", "Three"}
    entries = {e.title: e for e in parse(out / "rss.xml").entries}
    assert {t.term for t in entries["Two"].tags} == {"ab", "xy"}
    assert entries["Three"].author == "Eve"


def test_joiners_are_kept() -> None:
    persian = "می\u200cخواهم"  # ZWNJ inside a word
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # an emoji ZWJ sequence
    assert one_line(persian) == persian
    assert one_line(family) == family
    assert one_line("a\u200eb") == "a\u200eb"  # LRM orders neutrals; reorders no run
