"""The writer: entries' XML kept by one build gives the bytes feedgen makes in the next."""

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from feeds.model import Author, Entry, Post, Site
from feeds.writer import FeedDocument

TZ = timezone(timedelta(hours=8))
SITE = Site("站点", "https://e.org", "d", "zh-CN", "Asia/Shanghai", None, "/:title")


def entry(n: int, author: Author | None) -> Entry:
    when = datetime(2022, 1, n, 9, 30, tzinfo=TZ)
    post = Post(
        f"p{n}.md", f"tag:e.org,2022-01-0{n}:{n}", f"标题 {n} & <b>", when, when,
        f"https://e.org/{n}", ("财经", "a b"), ("新闻",), author,
    )  # fmt: skip
    outlet, original = ("某报", f"https://o.org/{n}?a=1&b=2") if n % 2 else (None, None)
    return Entry(
        post, f"<p>正文 {n} &amp; <a href='https://x.org'>x</a></p>", "摘要", outlet, original
    )


@pytest.mark.parametrize("author", [Author("A", "a@e.org"), Author("B"), None])
def test_kept_xml_gives_the_bytes_feedgen_makes(author: Author | None) -> None:
    """With an e-mail address no item has dc:creator: the root keeps declaring dc."""
    entries = [entry(n, author) for n in range(1, 5)]
    made = FeedDocument(SITE, "t", "s", entries, keep=True)
    fresh = {fmt: made.xml(fmt, f"https://e.org/{fmt}.xml") for fmt in ("atom", "rss")}
    kept = made.made()
    assert [e.post for e in kept] == [e.post for e in entries]
    assert all(e.atom.startswith(b"<entry") and e.rss.startswith(b"<item") for e in kept)
    for mix in (kept, [kept[0], entries[1], kept[2], entries[3]]):
        again = FeedDocument(SITE, "t", "s", mix, keep=True)
        assert {fmt: again.xml(fmt, f"https://e.org/{fmt}.xml") for fmt in fresh} == fresh
        assert [e.post.relpath for e in again.made()] == [e.post.relpath for e in mix if not e.atom]


def test_xml_asked_in_one_format_is_kept_in_both() -> None:
    entries = [entry(n, None) for n in range(1, 3)]
    made = FeedDocument(SITE, "t", "s", entries, keep=True)
    made.xml("rss", "https://e.org/rss.xml")  # the Atom feed was unchanged
    kept = made.made()
    assert all(e.atom and e.rss for e in kept)
    assert FeedDocument(SITE, "t", "s", entries).made() == []  # not kept unless asked


def test_an_entry_with_an_empty_element_is_not_kept() -> None:
    """feedgen writes an empty body as <content:encoded></content:encoded>; read back, lxml
    would write <content:encoded/>: such an entry is made again by each build instead."""
    empty = [Entry(entry(1, None).post, "", "摘要", None, None), entry(2, None)]
    made = FeedDocument(SITE, "t", "s", empty, keep=True)
    fresh = made.xml("rss", "https://e.org/rss.xml")
    assert b"<content:encoded></content:encoded>" in fresh
    kept = made.made()
    assert kept[0].rss == b"" and kept[1].rss  # and store_xml keeps neither of its two
    again = FeedDocument(SITE, "t", "s", kept)
    assert again.xml("rss", "https://e.org/rss.xml") == fresh


def test_kept_xml_that_does_not_parse_is_made_again() -> None:
    entries = [entry(n, None) for n in range(1, 3)]
    made = FeedDocument(SITE, "t", "s", entries, keep=True)
    fresh = {fmt: made.xml(fmt, f"https://e.org/{fmt}.xml") for fmt in ("atom", "rss")}
    damaged = [replace(e, atom=b"<entry", rss=b"<item><title>") for e in made.made()]
    again = FeedDocument(SITE, "t", "s", damaged)
    assert {fmt: again.xml(fmt, f"https://e.org/{fmt}.xml") for fmt in fresh} == fresh
