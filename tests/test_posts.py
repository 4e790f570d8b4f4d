"""Front matter read as a Jekyll user expects: dates, categories, titles, authors, ids."""

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import feeds.source.dates
from conftest import FINEWS_SITE, REAL_POSTS
from feeds.errors import PostError
from feeds.model import Author
from feeds.source.dates import date_from_filename, parse_date
from feeds.source.posts import (
    Unpublished,
    _find_closing,
    load_front_matter,
    parse_post,
    read_bytes,
    split_front_matter,
)

SITE = FINEWS_SITE
SHANGHAI = ZoneInfo("Asia/Shanghai")
PLUS8 = timezone(timedelta(hours=8))


def post(front: str, name: str = "_posts/2022-01-25-NW1.md"):  # type: ignore[no-untyped-def]
    return parse_post(name, load_front_matter(front, name), SITE)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2022-01-25 22:27:49 +0800", datetime(2022, 1, 25, 22, 27, 49, tzinfo=PLUS8)),
        ("2022-01-25T22:27:49+08:00", datetime(2022, 1, 25, 22, 27, 49, tzinfo=PLUS8)),
        ("2022-01-25T14:27:49Z", datetime(2022, 1, 25, 14, 27, 49, tzinfo=UTC)),
        (
            "2022-01-25 22:27:49 -0500",
            datetime(2022, 1, 25, 22, 27, 49, tzinfo=timezone(timedelta(hours=-5))),
        ),
        ("2021-12-08 10:18:31", datetime(2021, 12, 8, 10, 18, 31, tzinfo=PLUS8)),  # site zone
        ("2021-12-08 10:18", datetime(2021, 12, 8, 10, 18, tzinfo=PLUS8)),
        ("2021-12-08", datetime(2021, 12, 8, tzinfo=PLUS8)),
        (date(2021, 12, 8), datetime(2021, 12, 8, tzinfo=PLUS8)),
        (datetime(2021, 12, 8, 10, 18, 31), datetime(2021, 12, 8, 10, 18, 31, tzinfo=PLUS8)),
    ],
)
def test_dates_jekyll_accepts(value: object, expected: datetime) -> None:
    parsed = parse_date(value, SHANGHAI)
    assert parsed == expected
    assert parsed.utcoffset() == expected.utcoffset()


@pytest.mark.parametrize(
    "value",
    [
        "",
        "  +0800",
        "+0800",
        "yesterday",
        "2022-13-45",
        None,
        "2022-01-25 24:00:00 +0800",  # Python 3.14's fromisoformat reads the next midnight
        "2022-01-25 22:27:49 +0860",
    ],
)
def test_unusable_dates_are_refused(value: object) -> None:
    with pytest.raises(ValueError):
        parse_date(value, SHANGHAI)


def _outcome(fn: Callable[[], object]) -> object:
    """What fn returns, with the offset of a datetime; or the error it raises."""
    try:
        value = fn()
    except ValueError as exc:
        return ("error", str(exc))
    if isinstance(value, datetime):
        return value, value.utcoffset()
    return value


def _mutated(template: str) -> st.SearchStrategy[str]:
    """template with a few of its characters replaced by ones its readers treat apart."""
    chars = st.sampled_from("0123456789 -+:T._Zx\n\u0663")
    edits = st.lists(st.tuples(st.integers(0, len(template) - 1), chars), max_size=3)
    return edits.map(lambda es: "".join(dict([*enumerate(template), *es]).values()))


@settings(max_examples=3000, deadline=None)
@given(text=_mutated("2022-01-25 22:27:49 +0800") | _mutated("1999-12-31 23:59:59 -2359"))
def test_the_usual_date_form_reads_as_the_pattern_reads_it(text: str) -> None:
    assert _outcome(lambda: parse_date(text, SHANGHAI)) == _outcome(
        lambda: feeds.source.dates._date_text(text.strip(), SHANGHAI)
    )


@settings(max_examples=3000, deadline=None)
@given(name=_mutated("2022-01-25-a-slug") | _mutated("2020-02-29-x"))
def test_the_usual_file_name_reads_as_the_pattern_reads_it(name: str) -> None:
    assert date_from_filename(name + ".md") == feeds.source.dates._date_from_stem(name)


def test_yaml_timestamps_keep_their_offset() -> None:
    p = post("title: t\ndate: 2022-01-25T22:27:49+08:00")
    assert p.published.isoformat() == "2022-01-25T22:27:49+08:00"


def test_date_from_the_file_name_when_front_matter_has_none() -> None:
    p = post("title: t", name="_posts/2022-01-25-hello.md")
    assert p.published == datetime(2022, 1, 25, tzinfo=PLUS8)


def test_no_date_anywhere_is_an_error_naming_the_fix() -> None:
    with pytest.raises(PostError, match="no 'date' and no date in the file name"):
        post("title: t", name="notes/hello.md")


def test_empty_date_is_an_error() -> None:
    with pytest.raises(PostError) as info:
        post('title: ""\ndate:  +0800', name="_posts/-202205262391921712.md")
    assert str(info.value).startswith("_posts/-202205262391921712.md: front matter: 'date'")


@pytest.mark.parametrize(
    ("front", "categories"),
    [
        ("categories: emnews", ("emnews",)),
        ("categories: updates jekyll", ("updates", "jekyll")),
        ("categories: [a, b]", ("a", "b")),
        ("category: two words", ("two words",)),
        ("categories: [a]\ncategory: b", ("a", "b")),
        ("categories: [a, a]", ("a",)),
        ("categories: 2022", ("2022",)),
        ("categories:", ()),
    ],
)
def test_categories_as_list_or_string(front: str, categories: tuple[str, ...]) -> None:
    assert post(f"title: t\ndate: 2022-01-25\n{front}").categories == categories


def test_tags_and_tag() -> None:
    p = post("title: t\ndate: 2022-01-25\ntags: 上海证券报新闻 other\ntag: single one")
    assert p.tags == ("上海证券报新闻", "other", "single one")


def test_numeric_title_is_text() -> None:
    assert post("title: 2022\ndate: 2022-01-25").title == "2022"


@pytest.mark.parametrize("front", ["date: 2022-01-25", 'title: ""\ndate: 2022-01-25'])
def test_missing_title_comes_from_the_file_name_as_in_jekyll(front: str) -> None:
    assert post(front, name="_posts/2022-01-25-my-first-post.md").title == "My First Post"


def test_newlines_in_titles_are_folded() -> None:
    assert post('title: "a\\nb"\ndate: 2022-01-25').title == "a b"


def test_published_false_is_left_out() -> None:
    with pytest.raises(Unpublished):
        post("title: t\ndate: 2022-01-25\npublished: false")


@pytest.mark.parametrize(
    ("front", "author"),
    [
        ("author: ZNing", Author("ZNing")),
        ("author: {name: Z, email: z@example.com}", Author("Z", "z@example.com")),
        ("authors: [A, B]", Author("A")),
    ],
)
def test_author_string_or_mapping(front: str, author: Author) -> None:
    assert post(f"title: t\ndate: 2022-01-25\n{front}").author == author


def test_last_modified_at_gives_updated() -> None:
    p = post(
        "title: t\ndate: 2022-01-25 10:00:00 +0800\nlast_modified_at: 2022-02-01 09:00:00 +0800"
    )
    assert p.published.isoformat() == "2022-01-25T10:00:00+08:00"
    assert p.updated.isoformat() == "2022-02-01T09:00:00+08:00"


def test_description_or_excerpt_is_the_summary() -> None:
    assert post("title: t\ndate: 2022-01-25\nexcerpt: short").summary == "short"
    assert post("title: t\ndate: 2022-01-25\ndescription: d\nexcerpt: e").summary == "d"


def test_permalink_and_id() -> None:
    p = post("title: t\ndate: 2022-05-25 13:51:07 +0800\ncategories: a·b")
    assert p.url == "https://finews.withounder.com/a%C2%B7b/2022/05/25/NW1.html"
    assert p.id == "tag:finews.withounder.com,2022-01-25:NW1"  # from the file name: stable


def test_id_does_not_change_when_title_date_or_category_is_edited() -> None:
    a = post("title: t\ndate: 2022-01-25\ncategories: x")
    b = post("title: other\ndate: 2022-01-26\ncategories: y")
    assert a.id == b.id


def test_front_matter_id_wins() -> None:
    assert post("title: t\ndate: 2022-01-25\nid: urn:uuid:1").id == "urn:uuid:1"


def test_source_keys_for_other_archives() -> None:
    p = post("title: t\ndate: 2022-01-25\nsource: Reuters\nsource_url: https://r.example/1")
    assert (p.source_name, p.source_url) == ("Reuters", "https://r.example/1")


@pytest.mark.parametrize(
    ("text", "front", "body"),
    [
        ("---\ntitle: t\n---\nbody", "title: t", "body"),
        ("---\r\ntitle: t\r\n---\r\nbody\r\nmore", "title: t", "body\nmore"),
        ("---\ntitle: t\n...\nbody", "title: t", "body"),
        ("\n---\ntitle: t\n---\nbody", "title: t", "body"),  # a blank line first: real archive
        ("---\n---\nbody", "", "body"),
        ("---\ntitle: t\n---", "title: t", ""),
        ("---\ntitle: a\n...\nPara\n\n---\n", "title: a", "Para\n\n---\n"),  # the first closes
    ],
)
def test_split_front_matter(text: str, front: str, body: str) -> None:
    split = split_front_matter(text, "p.md")
    assert split is not None and (split.front, split.body) == (front, body)


@pytest.mark.parametrize("text", ["# README\n\nno front matter", "", "title: t\n"])
def test_files_without_front_matter_are_not_posts(text: str) -> None:
    assert split_front_matter(text, "README.md") is None


@pytest.mark.parametrize(
    ("template", "path"),
    [
        ("/:categories/:year/:month/:day/:title:output_ext", "/a/b/2022/05/04/NW1.html"),
        ("/:categories/:year/:month/:day/:title/", "/a/b/2022/05/04/NW1/"),
        ("/:year/:i_month/:i_day/:slug", "/2022/5/4/nw1.html"),  # Jekyll writes nw1.html
        ("/:categories/:year/:y_day/:title:output_ext", "/a/b/2022/124/NW1.html"),
        ("/:year/W:week/:short_day/:title", "/2022/W18/Wed/NW1.html"),
        ("/:short_year/:hour:minute:second/", "/22/093007/"),
    ],
)
def test_permalink_placeholders(template: str, path: str) -> None:
    p = post(f"title: t\ndate: 2022-05-04 09:30:07 +0800\ncategories: A b\npermalink: {template}")
    assert p.url == "https://finews.withounder.com" + path


TRICKY_FRONT_MATTER = [
    'title: "a"\ndate: 2022-01-25 22:27:49 +0800\ncategories: emnews',
    "title: yes\npublished: no",
    "title: 2022\ncategories: 12:30",
    "title: 010\ntags: [0x1F, 1_000, .inf, ~, null, '']",
    "date:  +0800",
    "title: 'yes'",
    'title: "on"\nauthor: {name: Z, email: z@e.org}',
    "title: 1e3\ncategories: - a",
    "a: 1\na: 2",
    "on: off\ny: n",
    "title: 'it''s'\nexcerpt: |\n  two\n  lines",
    "title: 2022-01-25T10:00:00Z",
    "description: 2022-01-25\ntitle: t",
    "title: x\n\t\ny: z",
    "date: 2022-01-25 10:00:00 +8\nn: 1",
]


@pytest.mark.parametrize("front", TRICKY_FRONT_MATTER)
def test_front_matter_reads_as_pyyaml_reads_it(front: str) -> None:
    try:
        expected = yaml.load(front + "\n", Loader=yaml.CSafeLoader)  # as in the file
    except yaml.YAMLError:
        with pytest.raises(PostError):
            load_front_matter(front, "p.md")
        return
    assert load_front_matter(front, "p.md") == expected


def test_every_real_post_reads_as_pyyaml_reads_it() -> None:
    for path in REAL_POSTS:
        text = split_front_matter(path.read_text(encoding="utf-8"), path.name)
        assert text is not None
        relpath = f"_posts/{path.name}"
        try:
            expected = parse_post(relpath, yaml.load(text.front, Loader=yaml.CSafeLoader), SITE)
        except PostError:
            continue
        assert parse_post(relpath, load_front_matter(text.front, relpath), SITE) == expected


def test_a_file_that_grew_since_it_was_listed_is_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "p.md"
    path.write_bytes(b"x" * 5000)
    assert read_bytes(path, "p.md", size=10) == b"x" * 5000
    assert read_bytes(path, "p.md", size=5000) == b"x" * 5000


def _closing_line_by_line(rest: str) -> tuple[str, bool, str]:
    """The rule, a line at a time: the first line that is '---' or '...' once trailing
    white space is stripped closes the front matter."""
    lines = rest.split("\n")
    for number, line in enumerate(lines):
        if line.rstrip() in ("---", "..."):
            return "\n".join(lines[:number]), True, "\n".join(lines[number + 1 :])
    return rest, False, ""


CLOSING_PIECES = ["---", "...", "--", "----", ". ..", "--- x", "a: b", " ", "\t", "\u3000"]
CLOSING_PIECES += ["\xa0", "\u2028", "\u2029", "\x0b", "\n", "\n", "\n"]


@settings(max_examples=3000, deadline=None)
@given(
    st.lists(
        st.sampled_from(CLOSING_PIECES),
        max_size=14,
    ).map("".join)
)
def test_the_closing_line_is_found_as_line_by_line(rest: str) -> None:
    assert _find_closing(rest) == _closing_line_by_line(rest)
