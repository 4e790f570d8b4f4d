"""Arbitrary Unicode titles, categories and bodies, written as real post files, give feeds
that parse, stay inside out/, and keep the title.

The front matter is made with yaml.safe_dump, so the post says exactly what was drawn.
The title a feed carries is the drawn one as the README documents it: characters XML
cannot carry, DEL and C1 controls removed, runs of white space folded into one space,
and, when nothing is left, the title Jekyll makes from the file name.
"""

import os
import tempfile
from pathlib import Path

import feedparser
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from conftest import NS, run_build
from feeds.content.markdown import smartify
from feeds.text import one_line

NAME = "2021-12-08-hypothesis.md"
FALLBACK_TITLE = "Hypothesis"  # from the file name, as Jekyll does
PIECES = [
    '"',
    "'",
    "]]>",
    "<![CDATA[",
    "<script>alert(1)</script>",
    "&amp;",
    "&#0;",
    "\x00",
    "\x1b[31m",
    "\x7f",
    "\x85",
    "\ufffe",
    "\uffff",
    "\u2028",
    "\u202e",
    "שלום עולם",
    "مرحبا",
    "😀👍🏽",
    "\r\n",
    "\r",
    "\t",
    "---",
    "\n---\n",
    "{{ site.title }}",
    "%s",
    "上海证券报·中国证券网",
    "\u3000",
    "x" * 3000,
]
# Any code point a file can hold: surrogates cannot be encoded.
CHARS = st.characters(exclude_categories=("Cs",))
TEXT = st.lists(st.one_of(st.sampled_from(PIECES), st.text(CHARS, max_size=40)), max_size=8).map(
    "".join
)


def post(title: str, categories: list[str], body: str) -> str:
    front = {
        "layout": "post",
        "title": title,
        "date": "2021-12-08 10:00:00 +0800",
        "categories": categories,
    }
    return "---\n" + yaml.safe_dump(front, allow_unicode=True, sort_keys=False) + "---\n" + body


def as_yaml_reads(value: str) -> str:
    """PyYAML does not give back every string it writes: a NEL (U+0085) is a line break."""
    read: str = yaml.safe_load(yaml.safe_dump({"v": value}, allow_unicode=True))["v"]
    return read


def inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(title=TEXT, categories=st.lists(TEXT, max_size=3), body=TEXT)
def test_any_text_gives_feeds_that_parse_stay_inside_and_keep_the_title(
    title: str, categories: list[str], body: str
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        source, out = root / "source", root / "site" / "out"
        source.mkdir()
        (source / NAME).write_text(post(title, categories, body), encoding="utf-8")
        result = run_build("--source", source, "--out", out)
        assert result.exit_code == 0, result.stderr

        written = [Path(d) / f for d, _, files in os.walk(root) for f in files]
        assert all(inside(p, out) or inside(p, source) for p in written)
        feeds = [p for p in written if p.suffix == ".xml" and not p.name.startswith(".")]
        names = {one_line(as_yaml_reads(c)) for c in categories} - {""}
        assert len(feeds) == 2 + 2 * len(names)
        for path in feeds:
            assert not feedparser.parse(path.read_bytes()).bozo, path
            etree.fromstring(path.read_bytes())

        # As written, but for its quotes, dashes and ellipses (smart_quotes is on).
        expected = smartify(one_line(as_yaml_reads(title)) or FALLBACK_TITLE)
        atom = etree.fromstring((out / "atom.xml").read_bytes())
        assert atom.findtext("a:entry/a:title", namespaces=NS) == expected
        rss = etree.fromstring((out / "rss.xml").read_bytes())
        assert rss.findtext("channel/item/title") == expected
