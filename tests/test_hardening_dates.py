"""Dates a reader cannot use, and dates written as something else (issue 16, items 13, 14).

A `date` that is no date skips its post with a message saying what it is instead; one
Jekyll reads as a date is read the same. A `last_modified_at` in the future, or before
the post's `date`, is not shown as the entry's (or the feed's) update: a warning names
the file, and the post's date is used.
"""

from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest
from test_bad_posts import GOOD, problems, published, source_with
from test_incremental import outputs

from conftest import CONFIG, SEEDS, Build, parse, xml
from feeds.config import load_config
from feeds.model import Report
from feeds.pipeline import publish

NAME = "2024-01-02-odd-date.md"


def post(front: str) -> bytes:
    return f"---\ntitle: Odd date\n{front}\ncategories: notes\n---\n\nA body.\n".encode()


@pytest.mark.parametrize(
    ("front", "says"),
    [
        (
            "date: 1704067200",
            "'date' is a number (1704067200), not a date: write it as 2024-01-01 08:00:00 +0800",
        ),
        (
            "date: [2024, 1]",
            "'date' is a list ([2024, 1]), not a date: write it as 2022-01-25 22:27:49 +0800",
        ),
        (
            "date: .nan",
            "'date' is a number (nan), not a date: write it as 2022-01-25 22:27:49 +0800",
        ),
        (
            "date: {year: 2024}",
            "'date' is a mapping, not a date: write it as 2022-01-25 22:27:49 +0800",
        ),
        (
            "date: yes",
            "'date' is a yes/no value (True), not a date: write it as 2022-01-25 22:27:49 +0800",
        ),
        ("date: 0001-01-01", "'date' 0001-01-01 is before 1970"),
        ("date: '1969-12-31 23:00:00 +0800'", "'date' 1969-12-31 is before 1970"),
        (
            "date: 2024-01-02\nlast_modified_at: 0001-01-01",
            "'last_modified_at' 0001-01-01 is before 1970",
        ),
    ],
)
def test_a_date_that_is_something_else_says_what(
    build: Build, tmp_path: Path, front: str, says: str
) -> None:
    source = source_with(tmp_path, {NAME: post(front)})
    result = build("--source", source, "--out", tmp_path / "out")
    assert result.exit_code == 3, result.stderr
    (line,) = problems(result.stderr)
    assert line.startswith(f"{NAME}: front matter: {says}"), line
    assert set(published(tmp_path / "out")) == GOOD


def test_rss_dates_parse_as_rfc_822(build: Build, tmp_path: Path) -> None:
    source = source_with(tmp_path, {NAME: post("date: 0001-01-01")})
    result = build("--source", source, "--out", tmp_path / "out")
    assert result.exit_code == 3, result.stderr
    rss = parse(tmp_path / "out" / "rss.xml")
    assert all(e.published_parsed for e in rss.entries)
    for text in xml(tmp_path / "out" / "rss.xml").xpath("//pubDate/text()|//lastBuildDate/text()"):
        assert parsedate_to_datetime(text).year >= 1970, text


@pytest.mark.parametrize(
    ("front", "expected"),
    [
        ("date: 20240101", "2024-01-01T00:00:00+08:00"),  # Jekyll reads YYYYMMDD
        ("date: '20240101'", "2024-01-01T00:00:00+08:00"),
        ("date: 202401011230", "2024-01-01T12:30:00+08:00"),
    ],
)
def test_dates_jekyll_reads_from_digits_are_read(
    build: Build, tmp_path: Path, front: str, expected: str
) -> None:
    source = source_with(tmp_path, {NAME: post(front)})
    result = build("--source", source, "--out", tmp_path / "out")
    assert result.exit_code == 0, result.stderr
    (entry,) = [e for e in parse(tmp_path / "out" / "atom.xml").entries if e.title == "Odd date"]
    assert entry.published == expected


def _updated(out: Path) -> tuple[str, str, str]:
    """The odd post's Atom `updated` and `published`, and the Atom feed's `updated`."""
    feed = parse(out / "atom.xml")
    (entry,) = [e for e in feed.entries if e.title == "Odd date"]
    return entry.updated, entry.published, feed.feed.updated


def test_far_future_last_modified_is_not_the_update(build: Build, tmp_path: Path) -> None:
    front = "date: 2030-01-02 10:00:00 +0800\nlast_modified_at: 9999-12-31"
    source = source_with(tmp_path, {NAME: post(front)})
    result = build("--source", source, "--out", tmp_path / "out", "--future")
    assert result.exit_code == 0, result.stderr
    entry_updated, entry_published, feed_updated = _updated(tmp_path / "out")
    assert entry_updated == entry_published == "2030-01-02T10:00:00+08:00"
    assert feed_updated == entry_published
    rss = xml(tmp_path / "out" / "rss.xml")
    assert "9999" not in rss.findtext("channel/lastBuildDate")
    (line,) = problems(result.stderr)
    assert line.startswith(f"{NAME}: front matter: 'last_modified_at' 9999-12-31 is in the future")
    assert "the post's date is used" in line


def test_a_future_last_modified_is_warned_about_once(build: Build, tmp_path: Path) -> None:
    soon = (datetime.now(UTC) + timedelta(days=30)).strftime("%Y-%m-%d %H:%M:%S +0000")
    source = source_with(tmp_path, {NAME: post(f"date: 2024-01-02\nlast_modified_at: {soon}")})
    result = build("--source", source, "--out", tmp_path / "out")
    assert result.exit_code == 0, result.stderr
    assert [line.split(" is ")[0] for line in problems(result.stderr)] == [
        f"{NAME}: front matter: 'last_modified_at' {soon[:10]}"
    ]
    (source / "2024-01-01-other.md").write_text(
        "---\ntitle: Other\ndate: 2024-01-01\n---\n\nOther news.\n", encoding="utf-8"
    )
    for _ in range(2):  # a build with a new post, then one that finds nothing changed
        again = build("--source", source, "--out", tmp_path / "out")
        assert again.exit_code == 0 and not problems(again.stderr), again.stderr
        entry_updated, entry_published, _ = _updated(tmp_path / "out")
        assert entry_updated == entry_published == "2024-01-02T00:00:00+08:00"


def test_last_modified_before_the_date_is_ignored(build: Build, tmp_path: Path) -> None:
    front = "date: 2024-01-02 10:00:00 +0800\nlast_modified_at: 2023-06-01"
    source = source_with(tmp_path, {NAME: post(front)})
    result = build("--source", source, "--out", tmp_path / "out")
    assert result.exit_code == 0, result.stderr
    entry_updated, entry_published, _ = _updated(tmp_path / "out")
    assert entry_updated == entry_published == "2024-01-02T10:00:00+08:00"
    assert problems(result.stderr) == [
        f"{NAME}: front matter: 'last_modified_at' 2023-06-01 is before its 'date' "
        "(2024-01-02); ignored"
    ]


def test_a_last_modified_after_the_date_is_kept(build: Build, tmp_path: Path) -> None:
    front = "date: 2024-01-02 10:00:00 +0800\nlast_modified_at: 2024-02-01 09:00:00 +0800"
    source = source_with(tmp_path, {NAME: post(front)})
    result = build("--source", source, "--out", tmp_path / "out")
    assert result.exit_code == 0 and not problems(result.stderr), result.stderr
    assert _updated(tmp_path / "out")[0] == "2024-02-01T09:00:00+08:00"
    assert SEEDS.is_dir()


def test_a_held_update_is_shown_once_it_comes_as_a_cold_build_shows_it(tmp_path: Path) -> None:
    front = "date: 2024-01-02 10:00:00 +0800\nlast_modified_at: 2024-03-01 10:00:00 +0800"
    source = source_with(tmp_path, {NAME: post(front)})
    before, after = datetime(2024, 2, 1, tzinfo=UTC), datetime(2024, 4, 1, tzinfo=UTC)

    def run(out: Path, now: datetime) -> Report:
        report = Report()
        publish(load_config(CONFIG, source=source, out=out), now=now, report=report)
        return report

    assert len(run(tmp_path / "out", before).warnings) == 1
    assert _updated(tmp_path / "out")[0] == "2024-01-02T10:00:00+08:00"
    assert run(tmp_path / "out", after).warnings == []  # its update has come
    assert _updated(tmp_path / "out")[0] == "2024-03-01T10:00:00+08:00"
    run(tmp_path / "cold", after)
    assert outputs(tmp_path / "out") == outputs(tmp_path / "cold")
