"""The Atom and RSS format: entries' XML kept by one build gives the bytes feedgen makes
in the next."""

import re
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
from feedgen.ext.dc import DcEntryExtension
from feedgen.feed import FeedEntry
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from feeds.formats.atom_rss import (
    _RSS_ITEM_TEXT,
    FeedDocument,
    Format,
    Writer,
    _add_entry,
    _as_character_references,
    _direct_element,
    _fix_atom_links,
    _read_back,
)
from feeds.incremental.entries import kept_xml, with_xml
from feeds.model import Author, Entry, PlannedEntry, Post, Site
from feeds.plan.feeds import FeedPlan, planned_feed

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


def document(entries: list[Entry], *, keep: bool = False) -> FeedDocument:
    """The document of a feed titled "t", subtitled "s", of the entries, served from
    https://e.org/ (so its files' URLs are https://e.org/atom.xml and rss.xml)."""
    plan = FeedPlan("", None, "s", [], iter(()))
    return FeedDocument(planned_feed(plan, "t", entries, SITE, kept_xml), keep=keep)


@pytest.mark.parametrize("author", [Author("A", "a@e.org"), Author("B"), None])
def test_kept_xml_gives_the_bytes_feedgen_makes(author: Author | None) -> None:
    """With an e-mail address no item has dc:creator: the root keeps declaring dc."""
    entries = [entry(n, author) for n in range(1, 5)]
    made = document(entries, keep=True)
    fresh = {fmt: made.xml(fmt) for fmt in ("atom", "rss")}
    kept = with_xml(entries, made.made())
    assert [e.post for e in kept] == [e.post for e in entries]
    assert all(e.atom.startswith(b"<entry") and e.rss.startswith(b"<item") for e in kept)
    for mix in (kept, [kept[0], entries[1], kept[2], entries[3]]):
        again = document(mix, keep=True)
        assert {fmt: again.xml(fmt) for fmt in fresh} == fresh
        made_again = [mix[i].post.relpath for i in again.made()]
        assert made_again == [e.post.relpath for e in mix if not e.atom]


def test_xml_asked_in_one_format_is_kept_in_both() -> None:
    entries = [entry(n, None) for n in range(1, 3)]
    made = document(entries, keep=True)
    made.xml("rss")  # the Atom feed was unchanged
    kept = with_xml(entries, made.made())
    assert all(e.atom and e.rss for e in kept)
    assert document(entries).made() == {}  # not kept unless asked


def test_an_entry_with_an_empty_element_is_not_kept() -> None:
    """feedgen writes an empty body as <content:encoded></content:encoded>; read back, lxml
    would write <content:encoded/>: such an entry is made again by each build instead."""
    empty = [Entry(entry(1, None).post, "", "摘要", None, None), entry(2, None)]
    made = document(empty, keep=True)
    fresh = made.xml("rss")
    assert b"<content:encoded></content:encoded>" in fresh
    kept = with_xml(empty, made.made())
    assert kept[0].rss == b"" and kept[1].rss  # and store_xml keeps neither of its two
    again = document(kept)
    assert again.xml("rss") == fresh


def test_kept_xml_that_does_not_parse_is_made_again() -> None:
    entries = [entry(n, None) for n in range(1, 3)]
    made = document(entries, keep=True)
    fresh = {fmt: made.xml(fmt) for fmt in ("atom", "rss")}
    damaged = [
        replace(e, atom=b"<entry", rss=b"<item><title>") for e in with_xml(entries, made.made())
    ]
    again = document(damaged)
    assert {fmt: again.xml(fmt) for fmt in fresh} == fresh


def test_every_rss_plain_text_field_has_character_references() -> None:
    """The channel's and its image's title, and each item's title, category, author,
    source and dc:creator: `&`, `<` and `>` as the RSS profile's references, nowhere
    `&amp;` or `&lt;` (a feed of many items finds them child by child, not by XPath)."""
    entries = [
        replace(entry(n, Author("A & <B>", "a@e.org" if n == 2 else None)), outlet="O & <P>")
        for n in range(1, 4)
    ]
    plan = FeedPlan("", None, "s", [], iter(()))
    feed = replace(
        planned_feed(plan, "t & <u>", entries, SITE, kept_xml), logo="https://e.org/l.png"
    )
    raw = FeedDocument(feed).xml("rss").decode()
    assert raw.count("<title>t &#x26; &#x3C;u&#x3E;</title>") == 2  # channel and image
    assert raw.count("<title>标题 1 &#x26; &#x3C;b&#x3E;</title>") == 1
    assert raw.count("<category>a b</category>") == 3
    assert raw.count("<dc:creator>A &#x26; &#x3C;B&#x3E;</dc:creator>") == 2
    assert raw.count("<author>a@e.org (A &#x26; &#x3C;B&#x3E;)</author>") == 1
    assert raw.count("O &#x26; &#x3C;P&#x3E;</source>") == 2
    plain = re.findall(r"<(?:title|category|dc:creator|author|source)\b[^>]*>([^<]*)</", raw)
    assert len(plain) == 19 and not [t for t in plain if "&amp;" in t or "&lt;" in t]


def finished(element: etree._Element, planned: PlannedEntry, fmt: Format) -> bytes:
    """The element as a feed holds it: Atom's links mended (see _fix_atom_links)."""
    if fmt == "atom":
        _fix_atom_links(element, planned)
    return etree.tostring(element)


def feedgen_element(planned: PlannedEntry, fmt: Format) -> bytes:
    fe = FeedEntry()
    fe.register_extension("dc", DcEntryExtension, atom=False, rss=True)
    _add_entry(fe, planned)
    return finished(fe.rss_entry() if fmt == "rss" else fe.atom_entry(), planned, fmt)


# Text with what an XML writer escapes, what XML forbids (dropped) and what it keeps.
TEXT = st.text(st.sampled_from("a &<>'\"\x01\ufffe中"), max_size=5)
PEOPLE = st.builds(
    Author, TEXT, st.one_of(st.none(), TEXT), st.one_of(st.none(), st.just("https://a.org"))
)


@given(
    title=TEXT,
    summary=TEXT,
    html=st.sampled_from(["", "<p>a &amp; b</p>", "x"]),
    authors=st.lists(PEOPLE, max_size=3),
    terms=st.lists(TEXT, max_size=3),
    outlet=st.one_of(st.none(), TEXT),
    original=st.sampled_from([None, "https://o.org/a?b=1&c=2"]),
    excerpt_only=st.booleans(),
    link=st.sampled_from(["", "https://e.org/p"]),
)
def test_entries_made_directly_are_feedgens_bytes(
    title: str,
    summary: str,
    html: str,
    authors: list[Author],
    terms: list[str],
    outlet: str | None,
    original: str | None,
    excerpt_only: bool,
    link: str,
) -> None:
    """Made with lxml for speed: the same element, byte for byte, as feedgen's, or None
    where feedgen decides."""
    when = datetime(2022, 1, 2, 9, 30, tzinfo=TZ)
    planned = PlannedEntry(
        "p.md", "tag:e.org,2022:1", title, when, when + timedelta(hours=1), link,
        tuple(authors), tuple(terms), html, summary, outlet, original,
        excerpt_only=excerpt_only,
    )  # fmt: skip
    formats: tuple[Format, ...] = ("atom", "rss")
    for fmt in formats:
        made = _direct_element(planned, fmt)
        if made is not None:
            assert finished(made, planned, fmt) == feedgen_element(planned, fmt)


def written_whole(feed: FeedDocument, fmt: Format) -> bytes:
    """The document as lxml writes it with every entry in its tree: the oracle for the
    document written as its channel and each entry's bytes (FeedDocument.xml)."""
    made = FeedDocument(feed.feed)
    channel = etree.fromstring(made.xml(fmt), etree.XMLParser(remove_blank_text=True))
    parent = channel.find("channel") if fmt == "rss" else channel
    assert parent is not None
    for entry in parent.findall("item" if fmt == "rss" else "{*}entry"):
        parent.remove(entry)
    for i, entry in enumerate(feed.entries):
        element = _read_back(entry.kept.get(f"{fmt}.xml", b""))
        element = made._element(i, fmt) if element is None else element
        parent.append(element)
        if fmt == "rss":
            for field in element.iterchildren(*_RSS_ITEM_TEXT):
                _as_character_references(field)
    whole = etree.tostring(
        channel.getroottree(), pretty_print=True, encoding="UTF-8", xml_declaration=True
    )
    return bytes(whole)


def test_a_feed_is_written_as_lxml_writes_its_whole_tree() -> None:
    """Each entry's bytes are cut out of a one-entry document of the feed's root and put
    into every feed that holds it: the same bytes as every entry in one tree, whatever the
    entry (an image's own namespace, a language, an e-mail, kept XML read back), in the
    first feed that holds it and in the next, and nothing is held once it is forgotten."""
    entries = [entry(n, Author("A", "a@e.org") if n == 2 else None) for n in range(1, 5)]
    entries[0] = replace(entries[0], post=replace(entries[0].post, image="https://e.org/i.png"))
    entries[1] = replace(entries[1], post=replace(entries[1].post, lang="en"))
    made = document(entries, keep=True)
    made.xml("atom")
    kept = with_xml(entries, made.made())
    writer = Writer()
    for chosen in ([kept[0], entries[1], kept[2], entries[3]], entries[::-1], entries[1:]):
        plan = FeedPlan("", None, "s", [], iter(()))
        feed = planned_feed(plan, "t", chosen, SITE, kept_xml)
        rendered = writer.render(feed, ["atom.xml", "rss.xml"])
        one = FeedDocument(feed)
        for fmt in ("atom", "rss"):
            assert rendered.files[f"{fmt}.xml"] == written_whole(one, fmt)
    assert writer.pieces
    writer.forget(e.post.relpath for e in entries)
    assert not writer.pieces and not writer.fields and not writer.shared
