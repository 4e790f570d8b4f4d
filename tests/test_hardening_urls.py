"""One scheme check for every URL-valued field, and ids that are ids (issue 16, items 3, 13).

An unsafe author uri, e-mail address, source_url or id is left out with a warning naming
the post and the key; the post is published, and the build exits 0.
"""

from pathlib import Path

import pytest

from conftest import Build, parse, xml
from feeds.urls import safe_email, safe_id, safe_link

CONFIG = """
title = "Site"
url = "https://example.org"
timezone = "UTC"
cleaning = "generic"
"""


def build_posts(build: Build, tmp_path: Path, posts: dict[str, str]) -> tuple[Path, str, int]:
    source = tmp_path / "src"
    source.mkdir()
    for name, front in posts.items():
        (source / name).write_text(f"---\n{front}\n---\n\nBody of {name}.\n", encoding="utf-8")
    config = tmp_path / "feeds.toml"
    config.write_text(CONFIG, encoding="utf-8")
    out = tmp_path / "out"
    result = build("--source", source, "--out", out, config=config)
    return out, result.stderr, result.exit_code


def test_author_uri_javascript_is_left_out(build: Build, tmp_path: Path) -> None:
    out, stderr, code = build_posts(
        build,
        tmp_path,
        {
            "2024-01-02-a.md": "title: A\nauthor:\n  name: Eve\n  uri: javascript:alert(9)",
            "2024-01-03-b.md": "title: B\nauthor:\n  name: Bob\n  uri: https://bob.example/",
        },
    )
    assert code == 0, stderr
    assert "2024-01-02-a.md: front matter: 'author.uri' 'javascript:alert(9)'" in stderr
    assert "left out" in stderr
    entries = {e.title: e for e in parse(out / "atom.xml").entries}
    assert entries["A"].author_detail.name == "Eve"
    assert "href" not in entries["A"].author_detail
    assert entries["B"].author_detail.href == "https://bob.example/"
    assert b"javascript" not in (out / "atom.xml").read_bytes()


def test_author_email_markup_never_reaches_rss(build: Build, tmp_path: Path) -> None:
    out, stderr, code = build_posts(
        build,
        tmp_path,
        {
            "2024-01-02-a.md": "title: A\nauthor:\n  name: Eve\n  email: '\"><script>'",
            "2024-01-03-b.md": "title: B\nauthor:\n  name: Bob\n  email: bob@example.org",
        },
    )
    assert code == 0, stderr
    assert "2024-01-02-a.md: front matter: 'author.email' '\"><script>' is not" in stderr
    rss = (out / "rss.xml").read_bytes()
    assert b"script&gt;" not in rss and b"script>" not in rss
    items = {i.findtext("title"): i for i in xml(out / "rss.xml").iter("item")}
    assert items["B"].findtext("author") == "bob@example.org (Bob)"
    assert items["A"].findtext("author") is None
    assert items["A"].findtext("{http://purl.org/dc/elements/1.1/}creator") == "Eve"


def test_author_name_newlines_are_folded(build: Build, tmp_path: Path) -> None:
    out, stderr, code = build_posts(
        build, tmp_path, {"2024-01-02-a.md": 'title: A\nauthor: "Eve\\n  Evil\\r\\nDoer"'}
    )
    assert code == 0, stderr
    (entry,) = parse(out / "atom.xml").entries
    assert entry.author == "Eve Evil Doer"


def test_unsafe_source_url_is_left_out_not_fatal(build: Build, tmp_path: Path) -> None:
    out, stderr, code = build_posts(
        build,
        tmp_path,
        {"2024-01-02-a.md": "title: A\nsource: Wire\nsource_url: javascript:alert(1)"},
    )
    assert code == 0, stderr
    assert "2024-01-02-a.md: front matter: 'source_url' 'javascript:alert(1)'" in stderr
    (entry,) = parse(out / "atom.xml").entries
    assert entry.title == "A"
    assert b"javascript" not in (out / "atom.xml").read_bytes()


@pytest.mark.parametrize(
    ("given", "why"),
    [
        ("javascript:alert(1)", "is not an http(s) URL, tag: or urn: name"),
        ("https://other.example/post/1", "is a URL of another site than example.org"),
        ("data:text/html,<b>x</b>", "is not an http(s) URL, tag: or urn: name"),
    ],
)
def test_unsafe_id_falls_back_to_default(
    build: Build, tmp_path: Path, given: str, why: str
) -> None:
    out, stderr, code = build_posts(
        build, tmp_path, {"2024-01-02-a.md": f"title: A\nid: '{given}'"}
    )
    assert code == 0, stderr
    default = "tag:example.org,2024-01-02:a"
    assert f"2024-01-02-a.md: front matter: 'id' {given!r} {why}; the post's id is {default}" in (
        stderr
    )
    for fmt in ("atom", "rss"):
        (entry,) = parse(out / f"{fmt}.xml").entries
        assert entry.id == default


@pytest.mark.parametrize(
    "given",
    [
        "tag:example.org,2020:x",
        "urn:uuid:0d7c5e3a-1b2c-4d5e-8f90-123456789abc",
        "https://example.org/p/1",
    ],
)
def test_safe_id_is_kept(build: Build, tmp_path: Path, given: str) -> None:
    out, stderr, code = build_posts(
        build, tmp_path, {"2024-01-02-a.md": f"title: A\nid: '{given}'"}
    )
    assert code == 0, stderr
    assert "front matter" not in stderr
    (entry,) = parse(out / "atom.xml").entries
    assert entry.id == given


@pytest.mark.parametrize(
    ("value", "link", "id_", "email"),
    [
        ("https://a.org/x", True, True, False),
        ("JaVaScRiPt:alert(1)", False, False, False),
        ("http:///x", False, False, False),
        ('https://a.org/"><s>', False, False, False),
        ("tag:a.org,2024:x", False, True, False),
        ("urn:", False, False, False),
        ("a.b+c@ex-ample.org", False, False, True),
        ('x"><script>@e.org', False, False, False),
        ("joe@ex.com (Joe)", False, False, False),
    ],
)
def test_checks(value: str, link: bool, id_: bool, email: bool) -> None:
    assert (safe_link(value) is not None, safe_id(value) is not None) == (link, id_)
    assert (safe_email(value) is not None) == email
