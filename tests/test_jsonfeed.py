"""JSON Feed 1.1: every feed.json of a real build validates against the spec's schema
(tests/data/jsonfeed-1.1.schema.json, written from jsonfeed.org/version/1.1), holds the
Atom feed's entries id for id in the same order, and is byte-stable across rebuilds."""

import json
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from conftest import DATA, NS, SEEDS, Build, xml
from feeds.formats import jsonfeed
from feeds.model import Author, PlannedEntry, PlannedFeed

SCHEMA = json.loads((DATA / "jsonfeed-1.1.schema.json").read_text(encoding="utf-8"))
SITE = "https://finews.withounder.com"


def json_feeds(out: Path) -> list[Path]:
    return sorted(out.rglob("feed.json"))


def load(path: Path) -> Any:
    return json.loads(path.read_bytes().decode("utf-8"))


def test_the_schema_is_a_valid_schema_and_refuses_what_the_spec_refuses() -> None:
    Draft202012Validator.check_schema(SCHEMA)
    validator = Draft202012Validator(SCHEMA)
    good = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "t",
        "items": [{"id": "1", "content_html": "<p>x</p>"}],
    }
    assert validator.is_valid(good)
    no_content: dict[str, Any] = {**good, "items": [{"id": "1"}]}
    numeric_id = {**good, "items": [{"id": 1, "content_text": "x"}]}
    bad_date = {
        **good,
        "items": [{"id": "1", "content_text": "x", "date_published": "31 May 2022"}],
    }
    old_version = {**good, "version": "https://jsonfeed.org/version/1"}
    unknown_key = {**good, "homepage": "https://example.org/"}
    for bad in (no_content, numeric_id, bad_date, old_version, unknown_key, {"title": "t"}):
        assert not validator.is_valid(bad), bad


@pytest.fixture(params=["finews", "seeds"])
def out(request: pytest.FixtureRequest) -> Path:
    return Path(request.getfixturevalue(f"{request.param}_out"))


def test_every_feed_has_a_json_feed_next_to_its_atom_feed(out: Path) -> None:
    atom = sorted(p.parent for p in out.rglob("atom.xml"))
    assert atom and sorted(p.parent for p in json_feeds(out)) == atom


def test_every_json_feed_validates_against_the_json_feed_1_1_schema(out: Path) -> None:
    validator = Draft202012Validator(SCHEMA)
    for path in json_feeds(out):
        errors = [
            f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(load(path))
        ]
        assert errors == [], path


def test_json_feed_entries_match_the_atom_feeds_id_for_id_in_order(out: Path) -> None:
    for path in json_feeds(out):
        atom = xml(path.parent / "atom.xml")
        feed = load(path)
        atom_entries = atom.findall("a:entry", NS)
        assert [item["id"] for item in feed["items"]] == [
            entry.findtext("a:id", namespaces=NS) for entry in atom_entries
        ]
        for item, entry in zip(feed["items"], atom_entries, strict=True):
            assert item["title"] == entry.findtext("a:title", namespaces=NS)
            assert item["content_html"] == entry.findtext("a:content", namespaces=NS)
            assert item["summary"] == entry.findtext("a:summary", namespaces=NS)
            assert item["date_published"] == entry.findtext("a:published", namespaces=NS)
            assert item["date_modified"] == entry.findtext("a:updated", namespaces=NS)
            links = {ln.get("rel"): ln.get("href") for ln in entry.findall("a:link", NS)}
            assert item["url"] == links["alternate"]
            assert item.get("external_url") == links.get("via")
            assert item["tags"] == [c.get("term") for c in entry.findall("a:category", NS)]
            names = [a.findtext("a:name", namespaces=NS) for a in entry.findall("a:author", NS)]
            assert [a["name"] for a in item.get("authors", [])] == names
        assert feed["title"] == atom.findtext("a:title", namespaces=NS)
        assert feed["feed_url"] == atom.findtext("a:id", namespaces=NS).replace(
            "atom.xml", "feed.json"
        )


def test_the_combined_json_feed_names_the_site_and_its_language(seeds_out: Path) -> None:
    feed = load(seeds_out / "feed.json")
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert feed["home_page_url"] == f"{SITE}/"
    assert feed["feed_url"] == f"{SITE}/feed.json"
    assert feed["description"] and feed["language"] == "zh-CN"
    assert feed["authors"] == [{"name": "ZNing"}]
    assert all(item["language"] == "zh-CN" for item in feed["items"])
    assert any("external_url" in item for item in feed["items"])


def test_json_feeds_are_utf8_not_escaped_and_end_in_a_newline(seeds_out: Path) -> None:
    data = (seeds_out / "feed.json").read_bytes()
    assert data.endswith(b"}\n") and "金融消息".encode() in data and b"\\u" not in data


def test_json_feeds_are_byte_stable_and_not_rewritten(tmp_path: Path, build: Build) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    assert build("--source", SEEDS, "--out", first).exit_code == 0
    assert build("--source", SEEDS, "--out", second).exit_code == 0
    for path in json_feeds(first):
        assert path.read_bytes() == (second / path.relative_to(first)).read_bytes()
    stamps = {p: p.stat().st_mtime_ns for p in json_feeds(first)}
    result = build("--source", SEEDS, "--out", first)
    assert "wrote 0 feeds" in result.stderr
    assert {p: p.stat().st_mtime_ns for p in json_feeds(first)} == stamps


def test_json_feeds_are_the_bytes_json_dumps_writes(out: Path) -> None:
    """orjson writes them; a reader gets what json.dumps(indent=2) wrote before."""
    for path in json_feeds(out):
        data = path.read_bytes()
        assert data == (json.dumps(json.loads(data), ensure_ascii=False, indent=2) + "\n").encode()


@given(st.text(st.characters(blacklist_categories=["Cs"])), st.text(max_size=3))
def test_any_text_is_written_as_json_dumps_writes_it(title: str, tag: str) -> None:
    """Control characters, quotes, backslashes, U+2028, astral planes: json.dumps's escapes."""
    when = datetime(2022, 1, 2, 9, 30, tzinfo=timezone(timedelta(hours=8)))
    author = Author(title, uri="https://e.org/" + title)
    entry = PlannedEntry(
        "p.md", "id:" + title, title, when, when, "https://e.org/p", (author,), (tag, title),
        "<p>" + title + "</p>", title, title, "https://o.org/" + title, image="https://e.org/i",
    )  # fmt: skip
    feed = PlannedFeed(
        "", "https://e.org/", "https://e.org/", "https://e.org/index.html", ("feed.json",),
        title, title, title, author, when, (entry, replace(entry, excerpt_only=True)), (title,),
    )  # fmt: skip
    data = jsonfeed.document(feed)
    assert data == (json.dumps(json.loads(data), ensure_ascii=False, indent=2) + "\n").encode()
