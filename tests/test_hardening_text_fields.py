"""No reader gets live markup from an RSS or Atom text field (issue 16, item 2).

Titles, category feed titles and descriptions that hold markup characters are built into
feeds, then read by three real readers. What each showed, which decided the encoding
(feeds.text.field_text):
- feedparser takes an RSS title escaped once as text/plain and gives it as written; it
  takes every RSS <description>, the channel's too, as HTML.
- newsboat keeps an RSS title as text: escaped once it shows `A & B <c>`, escaped twice
  it shows `A &amp; B &lt;c&gt;`.
- sfeed prints an RSS title as text, as newsboat does, and a description as HTML.
So titles are escaped once, written as the RSS profile advises (`&#x26;`, `&#x3C;`,
`&#x3E;`: the same characters to an XML parser, and no W3C validator warning), and
descriptions hold HTML: their text is escaped as HTML first.
"""

import re
import shutil
import sqlite3
import subprocess
from pathlib import Path

import lxml.html
import pytest

from conftest import parse, xml

TITLES = {
    "2024-01-01-amp.md": "A & B <c>",
    "2024-01-02-img.md": "<img src=x onerror=alert(1)>",
    "2024-01-03-desc.md": "Described",
}
SITE = "Site & <b>co</b>"
DESCRIPTION = "Ch & <d> <img src=x onerror=alert(3)>"
TAG = "<iframe src=javascript:alert(7)> T"
CONFIG = f"""
title = {SITE!r}
url = "https://example.org"
description = {DESCRIPTION!r}
timezone = "UTC"
cleaning = "generic"
"""
POSTS = {
    "2024-01-01-amp.md": f"---\ntitle: '{TITLES['2024-01-01-amp.md']}'\ncategories: c7\n"
    f"tags: ['{TAG}']\n---\n\nPlain words.\n",
    "2024-01-02-img.md": f"---\ntitle: '{TITLES['2024-01-02-img.md']}'\ncategories: c7\n"
    f"tags: ['{TAG}']\n---\n\nwrite &lt;img src=x onerror=alert(1)&gt;\n",
    "2024-01-03-desc.md": "---\ntitle: Described\ncategories: c7\n"
    f"tags: ['{TAG}']\n"
    "description: 'say &lt;img src=x onerror=alert(2)&gt; now'\n---\n\nBody.\n",
}
CATEGORY_TITLE = f"{TAG} · {SITE}"


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from conftest import run_build

    root = tmp_path_factory.mktemp("text-fields")
    source = root / "src"
    source.mkdir()
    for name, text in POSTS.items():
        (source / name).write_text(text, encoding="utf-8")
    config = root / "feeds.toml"
    config.write_text(CONFIG, encoding="utf-8")
    out = root / "out"
    result = run_build("--source", source, "--out", out, config=config)
    assert result.exit_code == 0, result.stderr
    return out


def category_feed(out: Path, fmt: str) -> Path:
    (path,) = list(out.glob(f"*/{fmt}.xml"))
    return path


def only_text(html: str) -> str:
    """The text an HTML fragment shows; fails if it holds any element."""
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    assert [e.tag for e in root.iterdescendants()] == [], html
    return str(root.text_content())


def test_feedparser_shows_titles_as_text(out: Path) -> None:
    for fmt in ("rss", "atom"):
        d = parse(out / f"{fmt}.xml")
        assert {e.title for e in d.entries} == set(TITLES.values())
        assert {e.title_detail.type for e in d.entries} == {"text/plain"}
        assert d.feed.title == SITE
        assert parse(category_feed(out, fmt)).feed.title == CATEGORY_TITLE


def test_rss_descriptions_hold_no_markup(out: Path) -> None:
    """Every RSS <description> is HTML to readers: after the one XML decode, it holds text only."""
    for path in (out / "rss.xml", category_feed(out, "rss")):
        channel = xml(path).find("channel")
        assert channel is not None
        assert only_text(channel.findtext("description") or "") == DESCRIPTION
        shown = {i.findtext("title"): only_text(i.findtext("description") or "") for i in channel}
        shown.pop(None)
        assert shown["<img src=x onerror=alert(1)>"] == "write <img src=x onerror=alert(1)>"
        assert shown["Described"] == "say <img src=x onerror=alert(2)> now"
        assert shown["A & B <c>"] == "Plain words."


def test_feedparser_summaries_have_no_img(out: Path) -> None:
    d = parse(out / "rss.xml")
    for entry in d.entries:
        assert "<img" not in entry.summary
    assert "<img" not in d.feed.subtitle
    atom = parse(out / "atom.xml")
    summaries = {e.title: e.summary for e in atom.entries}
    assert summaries["Described"] == "say <img src=x onerror=alert(2)> now"  # type="text"


def test_atom_text_constructs_stay_text(out: Path) -> None:
    root = xml(out / "atom.xml")
    ns = {"a": "http://www.w3.org/2005/Atom"}
    for tag in ("a:title", "a:subtitle", "a:entry/a:title", "a:entry/a:summary"):
        for element in root.findall(tag, ns):
            assert element.get("type", "text") == "text"


@pytest.mark.skipif(shutil.which("newsboat") is None, reason="newsboat is not installed")
def test_newsboat_shows_titles_as_text(out: Path, tmp_path: Path) -> None:
    """newsboat reads the feed through an exec: URL, offline, into its SQLite cache,
    whose titles are what it shows (checked on its screen while this was written)."""
    for path, title in ((out / "rss.xml", SITE), (category_feed(out, "rss"), CATEGORY_TITLE)):
        urls, cache, config = tmp_path / "urls", tmp_path / "cache.db", tmp_path / "config"
        cache.unlink(missing_ok=True)
        urls.write_text(f'"exec:cat {path}"\n', encoding="utf-8")
        config.write_text("", encoding="utf-8")
        subprocess.run(
            ["newsboat", "-x", "reload", "-u", urls, "-c", cache, "-C", config],
            check=True,
            capture_output=True,
            timeout=60,
        )
        with sqlite3.connect(cache) as db:
            items = dict(db.execute("SELECT title, content FROM rss_item").fetchall())
            (feed_title,) = db.execute("SELECT title FROM rss_feed").fetchone()
        assert set(items) == set(TITLES.values())
        assert feed_title == title
        for content in items.values():
            assert "<img" not in content


@pytest.mark.skipif(shutil.which("sfeed") is None, reason="sfeed is not installed")
def test_sfeed_shows_titles_as_text(out: Path) -> None:
    """sfeed prints one TSV line per item: time, title, link, content, content type, ..."""
    for fmt in ("rss", "atom"):
        lines = subprocess.run(
            ["sfeed"],
            input=(out / f"{fmt}.xml").read_bytes(),
            check=True,
            capture_output=True,
            timeout=60,
        ).stdout.decode()
        fields = [line.split("\t") for line in lines.splitlines()]
        assert {f[1] for f in fields} == set(TITLES.values())
        for f in fields:
            assert "<img" not in f[3]


def test_text_model_escapes_html_once() -> None:
    from feeds.text import field_text

    assert field_text("A & B <c>") == "A & B <c>"
    assert field_text("A & B <c>", "html") == "A &amp; B &lt;c&gt;"
    assert field_text("a\x00b", "html") == "ab"


def test_rss_plain_text_fields_use_the_profiles_character_references(out: Path) -> None:
    """rssboard.org/rss-profile: `&` and `<` in plain text as hexadecimal references."""
    for path in (out / "rss.xml", category_feed(out, "rss")):
        raw = path.read_text(encoding="utf-8")
        assert "<title>A &#x26; B &#x3C;c&#x3E;</title>" in raw
        assert "<title>&#x3C;img src=x onerror=alert(1)&#x3E;</title>" in raw
        assert "<category>&#x3C;iframe src=javascript:alert(7)&#x3E; T</category>" in raw
        plain = re.findall(r"<(?:title|category)>([^<]*)</", raw)
        assert plain and not [text for text in plain if "&amp;" in text or "&lt;" in text]
