"""Issue 21, item 4: front matter and _config.yml as Jekyll and jekyll-feed read them,
one minimal site per behaviour, checked in what a reader of the feeds sees."""

import json
import shutil
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from conftest import NS, parse, run_build, xml
from feeds.incremental.listing import RACY_NS

CONFIG = "url: https://ex.org\ntitle: T\ntimezone: Asia/Shanghai\n"


def site(root: Path, posts: dict[str, str], *, config: str = "", data: str = "") -> Path:
    """A Jekyll site of the posts (file name: front matter lines), and a feeds.toml."""
    (root / "_posts").mkdir(parents=True)
    (root / "_config.yml").write_text(CONFIG + config, "utf-8")
    for name, front in posts.items():
        (root / "_posts" / name).write_text(f"---\n{front}\n---\nBody.\n", "utf-8")
    if data:
        (root / "_data").mkdir()
        (root / "_data" / "authors.yml").write_text(data, "utf-8")
    (root / "feeds.toml").write_text('cleaning = "generic"\n', "utf-8")
    return root


def build(src: Path, out: Path, *args: str, code: int = 0) -> str:
    result = run_build("--source", src, "--out", out, *args, config=src / "feeds.toml")
    assert result.exit_code == code, result.stderr
    return result.stderr


def published(tmp_path: Path, value: str) -> datetime:
    src = site(tmp_path / "site", {"2024-01-02-a.md": f"title: A\ndate: {value}"})
    build(src, tmp_path / "out")
    (entry,) = parse(tmp_path / "out" / "atom.xml").entries
    return datetime.fromisoformat(entry.published)


@pytest.mark.parametrize(
    ("value", "utc"),
    [
        # As `TZ=Asia/Shanghai ruby -rtime -e 'p Time.parse(ARGV[0])' VALUE` reads them.
        # Ruby's Time.parse reads the date and time and ignores what follows: the offset
        # too, unless it follows the time at once. The site's zone is +0800.
        ("2024-01-02 18:30:22 2024 -0800", "2024-01-02 10:30:22"),
        ("2024-01-02T18:30:22Z", "2024-01-02 18:30:22"),
        ("2024-01-02T18:30:22.123+01:00", "2024-01-02 17:30:22"),
        ("2024/01/02", "2024-01-01 16:00:00"),
        ("2024.01.02", "2024-01-01 16:00:00"),
        ("02/01/2024", "2024-01-01 16:00:00"),  # day first, as Ruby reads it
        ("Tue, 02 Jan 2024 18:30:22 +0000", "2024-01-02 18:30:22"),
        ("Jan 2 2024", "2024-01-01 16:00:00"),
        ("2 January 2024 10:00", "2024-01-02 02:00:00"),
        ("Tue Jan  2 18:30:22 PST 2024", "2024-01-03 02:30:22"),
        ("2024-01-02 6:30 pm", "2024-01-02 10:30:00"),
        ("20240102T183022", "2024-01-02 10:30:22"),
        ("2024-01-02 18:30:22 +0800", "2024-01-02 10:30:22"),
        # An offset after GMT or UTC is one Ruby does not know: the site's zone.
        ("2024-01-02 10:00 GMT+8", "2024-01-02 02:00:00"),
        ("2024-01-02 10:00 UTC-3", "2024-01-02 02:00:00"),
        ("Tue, 02 Jan 2024 18:30:22 GMT+0800", "2024-01-02 10:30:22"),
        ("2024-01-02 10:00 GMT +8", "2024-01-02 10:00:00"),  # GMT, then words
        # Two-digit years: three short numbers are year, month, day; 69-99 are 19xx.
        ("24-01-02", "2024-01-01 16:00:00"),
        ("01/02/24", "2001-02-23 16:00:00"),
        ("1-2-24 10:00 pm", "2001-02-24 14:00:00"),
        ("24 Jan 02", "2002-01-23 16:00:00"),
        ("Jan 2 75", "1975-01-01 16:00:00"),
    ],
)
def test_date_forms_jekyll_accepts(tmp_path: Path, value: str, utc: str) -> None:
    expected = datetime.fromisoformat(utc).replace(tzinfo=UTC)
    assert published(tmp_path, f'"{value}"') == expected


@pytest.mark.parametrize("value", ["January", "yesterday", "2024-13-01", "2024年1月2日"])
def test_a_date_without_year_month_and_day_skips_the_post_by_name(
    tmp_path: Path, value: str
) -> None:
    src = site(
        tmp_path / "site",
        {"2024-01-02-bad.md": f'title: Bad\ndate: "{value}"', "2024-01-03-ok.md": "title: Ok"},
    )
    stderr = build(src, tmp_path / "out", code=3)
    assert "_posts/2024-01-02-bad.md: front matter: 'date'" in stderr
    assert [e.title for e in parse(tmp_path / "out" / "atom.xml").entries] == ["Ok"]


FUTURE = {"2999-01-01-later.md": "title: Later", "2024-01-02-now.md": "title: Now"}


@pytest.mark.parametrize(
    ("config", "args", "titles"),
    [
        ("", (), ["Now"]),
        ("future: true\n", (), ["Later", "Now"]),
        ("future: false\n", ("--future",), ["Later", "Now"]),
    ],
)
def test_future_from_config_yml(
    tmp_path: Path, config: str, args: tuple[str, ...], titles: list[str]
) -> None:
    src = site(tmp_path / "site", FUTURE, config=config)
    build(src, tmp_path / "out", *args)
    assert [e.title for e in parse(tmp_path / "out" / "atom.xml").entries] == titles


def test_future_that_is_not_true_or_false_is_a_config_error(tmp_path: Path) -> None:
    src = site(tmp_path / "site", FUTURE, config="future: soon\n")
    stderr = build(src, tmp_path / "out", code=2)
    assert "_config.yml" in stderr and "future" in stderr


def test_html_is_stripped_from_titles_in_every_format(tmp_path: Path) -> None:
    posts = {
        "2024-01-02-a.md": 'title: "如何理解 <code>document</code> 对象"',
        "2024-01-03-b.md": 'title: "《<蒙特利尔议定书>基加利修正案》"',  # no tag: kept
        "2024-01-04-c.md": 'title: "AT&amp;T < 3"',  # no tag: its entity kept as written
        "2024-01-05-d.md": 'title: "Q&amp;A </i> bar"',  # a stray end tag: stripped
    }
    out = tmp_path / "out"
    build(site(tmp_path / "site", posts), out)
    wanted = [
        "Q&A bar",
        "AT&amp;T < 3",
        "《<蒙特利尔议定书>基加利修正案》",
        "如何理解 document 对象",
    ]
    assert [e.title for e in parse(out / "atom.xml").entries] == wanted
    assert [e.title for e in parse(out / "rss.xml").entries] == wanted
    items = json.loads((out / "feed.json").read_text("utf-8"))["items"]
    assert [item["title"] for item in items] == wanted


AUTHORS = """\
garth:
  name: Garth
  email: g@example.org
  uri: https://garth.example.org
ben: Ben Balter
"""


def test_authors_looked_up_in_data_authors_yml(tmp_path: Path) -> None:
    posts = {
        "2024-01-02-a.md": "title: A\nauthor: garth",
        "2024-01-03-b.md": "title: B\nauthor: ben",
        "2024-01-04-c.md": "title: C\nauthor: Someone Else",
    }
    out = tmp_path / "out"
    build(site(tmp_path / "site", posts, data=AUTHORS), out)
    atom = {e.title: e for e in parse(out / "atom.xml").entries}
    assert atom["A"].author_detail == {
        "name": "Garth",
        "email": "g@example.org",
        "href": "https://garth.example.org",
    }
    assert atom["B"].author_detail == {"name": "Ben Balter"}
    assert atom["C"].author_detail == {"name": "Someone Else"}
    rss = {item.findtext("title"): item for item in xml(out / "rss.xml").iter("item")}
    assert rss["A"].findtext("author") == "g@example.org (Garth)"
    assert rss["B"].findtext("dc:creator", namespaces=NS) == "Ben Balter"


def test_a_bad_email_in_authors_yml_names_the_file_and_key(tmp_path: Path) -> None:
    data = "garth:\n  name: Garth\n  email: not-an-address\n"
    src = site(tmp_path / "site", {"2024-01-02-a.md": "title: A\nauthor: garth"}, data=data)
    stderr = build(src, tmp_path / "out", code=2)
    assert "_data/authors.yml" in stderr and "garth.email" in stderr


def outputs(out: Path) -> dict[str, bytes]:
    return {
        p.relative_to(out).as_posix(): p.read_bytes()
        for p in sorted(out.rglob("*"))
        if p.is_file() and not p.name.startswith(".")
    }


@pytest.mark.parametrize(
    ("path", "before", "after"),
    [
        ("_config.yml", CONFIG, CONFIG + "future: true\n"),
        ("_config.yml", CONFIG, CONFIG + "kramdown:\n  smart_quotes: apos,apos,quot,quot\n"),
        ("_data/authors.yml", AUTHORS, AUTHORS.replace("Garth", "Garth Dee")),
    ],
    ids=["future", "smart_quotes", "authors"],
)
def test_an_edited_jekyll_file_rebuilds_as_a_cold_build(
    tmp_path: Path, path: str, before: str, after: str
) -> None:
    posts = {**FUTURE, "2024-01-03-q.md": "title: Q\nauthor: garth"}
    src = site(tmp_path / "site", posts, data=AUTHORS)
    (src / "_posts" / "2024-01-03-q.md").write_text(
        '---\ntitle: Q\nauthor: garth\n---\nIt\'s "quoted".\n', "utf-8"
    )
    (src / path).write_text(before, "utf-8")
    out = tmp_path / "out"
    build(src, out)
    time.sleep(RACY_NS / 1e9 + 2.1)  # the parsed copies are kept once the files settle
    build(src, out)
    (src / path).write_text(after, "utf-8")
    build(src, out)
    cold = tmp_path / "cold"
    shutil.copytree(src, tmp_path / "copy")
    build(tmp_path / "copy", cold)
    assert outputs(out) == outputs(cold)


MEDIA = "{http://search.yahoo.com/mrss/}"
ATOM = "{http://www.w3.org/2005/Atom}"


def test_image_is_a_thumbnail_an_enclosure_and_a_json_image(tmp_path: Path) -> None:
    posts = {
        "2024-01-02-a.md": "title: A\nimage: /assets/a.png",
        "2024-01-03-b.md": "title: B\nimage:\n  path: https://cdn.example.org/b.jpg",
        "2024-01-04-c.md": "title: C\nimage: pictures/c",  # no type in its name
        "2024-01-05-d.md": "title: D",
    }
    out = tmp_path / "out"
    build(site(tmp_path / "site", posts, config="baseurl: /blog\n"), out)
    wanted = {
        "A": "https://ex.org/blog/assets/a.png",
        "B": "https://cdn.example.org/b.jpg",
        "C": "https://ex.org/blog/pictures/c",
    }
    atom = {e.findtext(f"{ATOM}title"): e for e in xml(out / "atom.xml").iter(f"{ATOM}entry")}
    for title, entry in atom.items():
        thumbnails = entry.findall(f"{MEDIA}thumbnail")
        assert [t.get("url") for t in thumbnails] == ([wanted[title]] if title in wanted else [])
    parsed = {e.title: e for e in parse(out / "atom.xml").entries}
    assert parsed["A"].media_thumbnail[0]["url"] == wanted["A"]
    rss = {item.findtext("title"): item for item in xml(out / "rss.xml").iter("item")}
    enclosures = {t: [dict(e.attrib) for e in item.iter("enclosure")] for t, item in rss.items()}
    assert enclosures == {
        "A": [{"url": wanted["A"], "length": "0", "type": "image/png"}],
        "B": [{"url": wanted["B"], "length": "0", "type": "image/jpeg"}],
        "C": [],
        "D": [],
    }
    items = json.loads((out / "feed.json").read_text("utf-8"))["items"]
    assert {i["title"]: i.get("image") for i in items} == {**wanted, "D": None}


def test_a_feed_without_images_declares_no_media_namespace(tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(site(tmp_path / "site", {"2024-01-02-a.md": "title: A"}), out)
    assert b"search.yahoo.com" not in (out / "atom.xml").read_bytes()


EXCERPT = "title: E\ndescription: The summary."


@pytest.mark.parametrize(
    ("config", "front", "only"),
    [
        ("feed:\n  excerpt_only: true\n", "", True),
        ("", "\nfeed:\n  excerpt_only: true", True),
        ("feed:\n  excerpt_only: true\n", "\nfeed:\n  excerpt_only: false", False),
    ],
    ids=["site", "post", "post-overrides-site"],
)
def test_excerpt_only_gives_the_summary_and_no_content(
    tmp_path: Path, config: str, front: str, only: bool
) -> None:
    out = tmp_path / "out"
    build(site(tmp_path / "site", {"2024-01-02-e.md": EXCERPT + front}, config=config), out)
    (atom,) = xml(out / "atom.xml").iter(f"{ATOM}entry")
    assert atom.findtext(f"{ATOM}summary") == "The summary."
    assert (atom.find(f"{ATOM}content") is None) == only
    (item,) = xml(out / "rss.xml").iter("item")
    assert item.findtext("description") == "The summary."
    assert (item.find("content:encoded", namespaces=NS) is None) == only
    (entry,) = json.loads((out / "feed.json").read_text("utf-8"))["items"]
    assert ("content_html" in entry) != only
    if only:
        assert entry["content_text"] == "The summary."


def test_excerpt_separator_of_the_site_and_of_a_post(tmp_path: Path) -> None:
    posts = {
        "2024-01-02-a.md": "title: A",
        "2024-01-03-b.md": "title: B\nexcerpt_separator: '[cut]'",
        "2024-01-04-c.md": "title: C",
    }
    src = site(tmp_path / "site", posts, config="excerpt_separator: <!--more-->\n")
    bodies = {
        "a": "First *part*.\n\nStill first.\n\n<!--more-->\n\nThe rest.\n",
        "b": "Intro words [cut] the rest.\n",
        "c": "No separator here.\n\nA second paragraph.\n",
    }
    for name, body in bodies.items():
        path = next((src / "_posts").glob(f"*-{name}.md"))
        path.write_text(path.read_text("utf-8").replace("Body.\n", body), "utf-8")
    out = tmp_path / "out"
    build(src, out)
    entries = {e.title: e for e in parse(out / "atom.xml").entries}
    assert entries["A"].summary == "First part. Still first."
    assert "The rest." in entries["A"].content[0].value
    assert entries["B"].summary == "Intro words"
    assert entries["C"].summary.startswith("No separator here.")


def test_entries_with_images_kept_from_an_earlier_build_equal_a_cold_build(
    tmp_path: Path,
) -> None:
    """A feed written again around kept entries (see formats.atom_rss) writes their
    thumbnails and enclosures as a cold build does, namespace declarations included."""
    posts = {
        "2024-01-02-a.md": "title: A\nimage: /a.png",
        "2024-01-03-b.md": "title: B\nfeed:\n  excerpt_only: true\ndescription: S.",
    }
    src = site(tmp_path / "site", posts)
    out = tmp_path / "out"
    build(src, out)
    (src / "_posts" / "2024-01-04-c.md").write_text("---\ntitle: C\nimage: c.gif\n---\nC.\n")
    build(src, out)
    cold = tmp_path / "cold"
    shutil.copytree(src, tmp_path / "copy")
    build(tmp_path / "copy", cold)
    assert outputs(out) == outputs(cold)
    assert b'xmlns:media="http://search.yahoo.com/mrss/"' in (out / "atom.xml").read_bytes()


def test_a_posts_lang_is_its_entry_language_and_a_bad_one_is_named(tmp_path: Path) -> None:
    """jekyll-feed's `<entry xml:lang>`; JSON Feed's item `language`. A post in the site's
    language, or with none, inherits the feed's; a tag that is no language tag is left out
    with a warning naming the file."""
    posts = {
        "2024-01-04-fr.md": "title: Fr\nlang: fr",
        "2024-01-03-locale.md": "title: Locale\nlang: pt_BR",
        "2024-01-02-bad.md": "title: Bad\nlang: 'français!'",
        "2024-01-01-site.md": "title: Site\nlang: zh-CN",
    }
    src = site(tmp_path / "site", posts, config="lang: zh-CN\n")
    stderr = build(src, tmp_path / "out")
    assert "2024-01-02-bad.md: front matter: 'lang' 'français!' is not a language tag" in stderr
    root = xml(tmp_path / "out" / "atom.xml")
    lang = "{http://www.w3.org/XML/1998/namespace}lang"
    assert root.get(lang) == "zh-CN"
    langs = {e.findtext("a:title", namespaces=NS): e.get(lang) for e in root.findall("a:entry", NS)}
    assert langs == {"Fr": "fr", "Locale": "pt-BR", "Bad": None, "Site": None}
    read = {e.title: e.title_detail.language for e in parse(tmp_path / "out" / "atom.xml").entries}
    assert read == {"Fr": "fr", "Locale": "pt-BR", "Bad": "zh-CN", "Site": "zh-CN"}
    items = json.loads((tmp_path / "out" / "feed.json").read_bytes())["items"]
    assert {i["title"]: i["language"] for i in items} == {
        "Fr": "fr",
        "Locale": "pt-BR",
        "Bad": "zh-CN",
        "Site": "zh-CN",
    }


def test_entries_with_a_lang_kept_or_edited_equal_a_cold_build(tmp_path: Path) -> None:
    posts = {"2024-01-02-a.md": "title: A\nlang: fr", "2024-01-03-b.md": "title: B"}
    src = site(tmp_path / "site", posts)
    out = tmp_path / "out"
    build(src, out)
    (src / "_posts" / "2024-01-03-b.md").write_text("---\ntitle: B\nlang: de\n---\nBody.\n")
    (src / "_posts" / "2024-01-04-c.md").write_text("---\ntitle: C\n---\nC.\n")
    build(src, out)
    cold = tmp_path / "cold"
    shutil.copytree(src, tmp_path / "copy")
    build(tmp_path / "copy", cold)
    assert outputs(out) == outputs(cold)
    assert b'xml:lang="de"' in (out / "atom.xml").read_bytes()
