"""jekyll-feed's own spec (spec/jekyll-feed_spec.rb), behaviour by behaviour, as a peer
check: the fixture site tests/data/jekyll-feed-site (our own posts, each exercising what
one of its fixtures does) is built by `feeds build` and what a reader sees is asserted.

Behaviours where feeds deliberately differs are not asserted as jekyll-feed has them: the
README's "Coming from jekyll-feed" lists them, with the reason for each.
"""

import json
import re
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import Result
from lxml import etree

from conftest import DATA, NS, parse, run_build, xml

SITE = DATA / "jekyll-feed-site"
URL = "http://example.org"
MEDIA = "http://search.yahoo.com/mrss/"
# Every post that is published: newest first, as the combined feed holds them.
LINKS = [
    f"{URL}/2021/03/03/data-author.html",
    f"{URL}/2020/07/07/summary-only.html",
    f"{URL}/2020/05/20/full-author.html",
    f"{URL}/2020/04/01/preformatted.html",
    f"{URL}/alpha/beta/gamma/2020/04/01/templated.html",
    f"{URL}/2020/02/14/folded-title.html",
    f"{URL}/2020/01/05/revised-later.html",
    f"{URL}/village/lights/2019/06/12/lanterns-lit.html",
    f"{URL}/garden/2019/06/10/midsummer.html",
    f"{URL}/garden/2019/02/03/first-frost.html",
]


def build_site(tmp: Path, feed: Mapping[str, Any] | None = None, **config: Any) -> Path:
    """The fixture site with `config` set in its _config.yml (None: the key removed)
    and `feed` as its feed: block, built with an empty feeds.toml; its output folder."""
    out, result = run_site(tmp, feed, **config)
    assert result.exit_code == 0, result.stderr
    return out


def run_site(
    tmp: Path, feed: Mapping[str, Any] | None = None, **config: Any
) -> tuple[Path, Result]:
    site = tmp / "site"
    shutil.copytree(SITE, site)
    data = yaml.safe_load((site / "_config.yml").read_text(encoding="utf-8"))
    for key, value in config.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    if feed is not None:
        data["feed"] = dict(feed)
    (site / "_config.yml").write_text(yaml.safe_dump(data), encoding="utf-8")
    toml = tmp / "feeds.toml"
    toml.write_text("", encoding="utf-8")
    out = tmp / "out"
    return out, run_build("--source", site, "--out", out, config=toml)


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_site(tmp_path_factory.mktemp("jekyll-feed-site"))


def entry(out: Path, link: str, feed: str = "atom.xml") -> etree._Element:
    found = xml(out / feed).xpath(
        "a:entry[a:link[@rel='alternate']/@href=$link]", namespaces=NS, link=link
    )
    assert len(found) == 1, f"no entry {link} in {feed}"
    element: etree._Element = found[0]
    return element


def links(out: Path, feed: str = "atom.xml") -> list[str]:
    return [str(e.link) for e in parse(out / feed).entries]


def text(element: etree._Element, path: str) -> str | None:
    found = element.find(path, NS)
    return None if found is None else (found.text or "")


# "creates a feed.xml file", "changing the feed path"


def test_the_combined_atom_feed_is_also_where_jekyll_feed_served_it(out: Path) -> None:
    assert (out / "feed.xml").read_bytes() == (out / "atom.xml").read_bytes()


def test_a_feed_path_gets_the_copy_instead(tmp_path: Path) -> None:
    out = build_site(tmp_path, {"path": "/news/feed-all.xml"})
    assert (out / "news" / "feed-all.xml").read_bytes() == (out / "atom.xml").read_bytes()
    assert not (out / "feed.xml").exists()


def test_a_feed_path_of_atom_xml_is_the_atom_feed_itself(tmp_path: Path) -> None:
    out = build_site(tmp_path, {"path": "atom.xml"})
    assert links(out) == LINKS
    assert not (out / "feed.xml").exists()


def test_the_posts_collection_path_is_the_feed_path(tmp_path: Path) -> None:
    out = build_site(tmp_path, {"collections": {"posts": {"path": "all.xml"}}})
    assert (out / "all.xml").read_bytes() == (out / "atom.xml").read_bytes()


# "has no layout", "doesn't have multiple new lines or trailing whitespace"


def test_the_feed_is_bare_atom_without_blank_lines_or_trailing_spaces(out: Path) -> None:
    data = (out / "atom.xml").read_bytes()
    assert data.startswith(b"<?xml version='1.0' encoding='UTF-8'?>\n<feed ")
    assert not re.search(rb"[ \t]+\n", data)
    assert b"\n\n" not in data


# "puts all the posts in the feed.xml file", "does not include assets or any static
# files", "support drafts", and the unpublished and future posts


def test_every_published_post_and_nothing_else_is_an_entry(out: Path) -> None:
    assert links(out) == LINKS  # newest first; no draft, no page, no image
    body = (out / "atom.xml").read_text(encoding="utf-8")
    for absent in ("unfinished", "not-yet", "far-ahead", "lamp.png", "feeds/atom.xml", "notebook"):
        assert absent not in body


def test_drafts_stay_out_even_where_jekyll_would_show_them(tmp_path: Path) -> None:
    out = build_site(tmp_path, show_drafts=True)
    assert links(out) == LINKS


# "preserves linebreaks in preformatted text in posts", "converts markdown posts to HTML"


def test_preformatted_text_keeps_its_line_breaks(out: Path) -> None:
    content = text(entry(out, f"{URL}/2020/04/01/preformatted.html"), "a:content")
    assert content == "<pre>Row 1\nRow 2\nRow 3</pre>"


def test_markdown_posts_are_html(out: Path) -> None:
    content = text(entry(out, f"{URL}/garden/2019/06/10/midsummer.html"), "a:content")
    assert content == "<p>Midsummer is here!</p>"


# authors


def test_an_author_given_as_a_mapping_has_its_email_and_uri(out: Path) -> None:
    author = entry(out, f"{URL}/2020/05/20/full-author.html").find("a:author", NS)
    assert author is not None
    assert [(child.tag.split("}")[1], child.text) for child in author] == [
        ("name", "Grace"),
        ("email", "grace@example.com"),
        ("uri", "http://grace.example.com"),
    ]


def test_an_author_given_as_a_name_is_only_a_name(out: Path) -> None:
    author = entry(out, f"{URL}/2020/04/01/preformatted.html").find("a:author", NS)
    assert author is not None
    assert [(child.tag.split("}")[1], child.text) for child in author] == [("name", "Ada")]


def test_no_author_is_ever_empty(tmp_path: Path) -> None:
    out = build_site(tmp_path, author=None)
    root = xml(out / "atom.xml")
    names = root.xpath("//a:author/a:name/text()", namespaces=NS)
    assert names and all(name.strip() for name in names)
    assert len(root.xpath("//a:author", namespaces=NS)) == len(names)
    # a post without an author of its own has none when the site has none
    assert entry(out, f"{URL}/2020/02/14/folded-title.html").find("a:author", NS) is None


def test_an_author_named_in_data_authors_yml_is_looked_up(out: Path) -> None:
    author = entry(out, f"{URL}/2021/03/03/data-author.html").find("a:author", NS)
    assert author is not None
    assert [(child.tag.split("}")[1], child.text) for child in author] == [
        ("name", "Ringo"),
        ("email", "ringo@example.net"),
        ("uri", "http://ringo.example.net"),
    ]


# dates, titles, summaries


def test_last_modified_at_is_the_entry_updated(out: Path) -> None:
    revised = entry(out, f"{URL}/2020/01/05/revised-later.html")
    assert text(revised, "a:updated") == "2020-03-01T08:15:00+00:00"
    assert text(revised, "a:published") == "2020-01-05T00:00:00+00:00"


def test_newlines_in_a_title_are_spaces(out: Path) -> None:
    folded = entry(out, f"{URL}/2020/02/14/folded-title.html")
    assert text(folded, "a:title") == "A title folded over three lines."


def test_html_is_stripped_from_titles(out: Path) -> None:
    lit = entry(out, f"{URL}/village/lights/2019/06/12/lanterns-lit.html")
    assert text(lit, "a:title") == "Bright Lanterns"


def test_liquid_in_posts_is_run(out: Path) -> None:
    content = text(entry(out, f"{URL}/alpha/beta/gamma/2020/04/01/templated.html"), "a:content")
    assert content is not None
    assert "The template was run." in content
    assert "not run" not in content and "{%" not in content


def test_the_oldest_entry_reads_as_its_post(out: Path) -> None:
    oldest = parse(out / "atom.xml").entries[-1]
    assert oldest.title == "First Frost"
    assert oldest.link == f"{URL}/garden/2019/02/03/first-frost.html"
    assert oldest.published == "2019-02-03T00:00:00+00:00"


def test_an_excerpt_is_the_summary_and_a_description_wins_over_it(out: Path) -> None:
    frost = entry(out, f"{URL}/garden/2019/02/03/first-frost.html")
    assert text(frost, "a:summary") == "Short one"
    summer = entry(out, f"{URL}/garden/2019/06/10/midsummer.html")
    assert text(summer, "a:summary") == "a description wins"


# images


def test_a_post_image_is_an_absolute_media_thumbnail(out: Path) -> None:
    expected = {
        f"{URL}/garden/2019/02/03/first-frost.html": f"{URL}/frost.png",
        f"{URL}/garden/2019/06/10/midsummer.html": "https://cdn.example.org/sun.png?w=300&h=200",
        f"{URL}/village/lights/2019/06/12/lanterns-lit.html": f"{URL}/lantern.png",
    }
    for link, image in expected.items():
        thumbnail = entry(out, link).find(f"{{{MEDIA}}}thumbnail")
        assert thumbnail is not None and thumbnail.get("url") == image


# "parsing": the feed as a reader's parser sees it


def test_the_feed_is_atom_1_0_in_utf_8_with_no_language_icon_or_logo(out: Path) -> None:
    feed = parse(out / "atom.xml")
    assert feed.version == "atom10"
    assert feed.encoding.lower() == "utf-8"
    assert "language" not in feed.feed
    assert "icon" not in feed.feed and "logo" not in feed.feed
    assert feed.feed.links[0] == {
        "href": f"{URL}/atom.xml",
        "rel": "self",
        "type": "application/atom+xml",
    }
    assert feed.feed.generator
    assert len(feed.entries) == 10


def test_the_site_language_is_the_feed_language(tmp_path: Path) -> None:
    out = build_site(tmp_path, lang="en-US")
    feed = parse(out / "atom.xml")
    assert feed.feed.language == "en-US"
    assert all(e.get("language", feed.feed.language) == "en-US" for e in feed.entries)


def test_a_post_language_is_its_entry_language(out: Path) -> None:
    pre = entry(out, f"{URL}/2020/04/01/preformatted.html")
    assert pre.get("{http://www.w3.org/XML/1998/namespace}lang") == "fr"


@pytest.mark.parametrize(
    ("config", "title"),
    [
        ({}, "Lantern Notes"),  # the site's name
        ({"title": "My Lantern Site"}, "My Lantern Site"),
        ({"title": "My Lantern Site", "name": "Other Name"}, "My Lantern Site"),
        ({"title": "Lanterns <&> more"}, "Lanterns <&> more"),
    ],
)
def test_the_feed_title_is_the_site_title_else_its_name(
    tmp_path: Path, config: dict[str, str], title: str
) -> None:
    out = build_site(tmp_path, **config)
    assert parse(out / "atom.xml").feed.title == title


def test_the_site_title_gets_smart_quotes(tmp_path: Path) -> None:
    out = build_site(tmp_path, title="Ada's Lanterns")
    assert parse(out / "atom.xml").feed.title == "Ada\u2019s Lanterns"


def test_an_icon_and_a_logo_are_absolute_urls(tmp_path: Path) -> None:
    out = build_site(tmp_path, {"icon": "lamp-icon.png", "logo": "/lamp-logo.png"})
    root = xml(out / "atom.xml")
    assert text(root, "a:icon") == f"{URL}/lamp-icon.png"
    assert text(root, "a:logo") == f"{URL}/lamp-logo.png"
    image = xml(out / "rss.xml").find("channel/image")
    assert image is not None
    assert [(child.tag, child.text) for child in image] == [
        ("url", f"{URL}/lamp-logo.png"),
        ("title", "Lantern Notes"),
        ("link", f"{URL}/"),
    ]
    top = json.loads((out / "feed.json").read_bytes())
    assert (top["icon"], top["favicon"]) == (f"{URL}/lamp-logo.png", f"{URL}/lamp-icon.png")
    assert text(xml(out / "garden" / "atom.xml"), "a:icon") == f"{URL}/lamp-icon.png"


def test_an_absolute_icon_is_kept_as_it_is(tmp_path: Path) -> None:
    out = build_site(tmp_path, {"icon": "https://cdn.example.org/i.png"})
    assert text(xml(out / "atom.xml"), "a:icon") == "https://cdn.example.org/i.png"
    assert xml(out / "atom.xml").find("a:logo", NS) is None


# "with a baseurl"


def test_a_baseurl_is_in_every_link(tmp_path: Path) -> None:
    out = build_site(tmp_path, baseurl="/bass")
    assert links(out) == [link.replace(URL, f"{URL}/bass") for link in LINKS]
    assert parse(out / "atom.xml").feed.links[0]["href"] == f"{URL}/bass/atom.xml"


# "with 'categories' or 'category' or 'tags' key in the front matter"


def test_an_entry_has_its_categories_then_its_tags(out: Path) -> None:
    def terms(link: str) -> list[str]:
        return [c.get("term") for c in entry(out, link).findall("a:category", NS)]

    assert terms(f"{URL}/garden/2019/06/10/midsummer.html") == ["garden"]
    assert terms(f"{URL}/alpha/beta/gamma/2020/04/01/templated.html") == ["alpha", "beta", "gamma"]
    assert terms(f"{URL}/village/lights/2019/06/12/lanterns-lit.html") == [
        "village",
        "lights",
        '"/><SCRIPT>',
        "weather",
    ]


# "categories": feed.categories, and collections.posts.categories


@pytest.mark.parametrize(
    "feed",
    [
        {"categories": ["garden", "lights"]},
        {"collections": {"posts": {"categories": ["garden", "lights"]}}},
    ],
)
def test_the_category_feeds_named_are_published(tmp_path: Path, feed: dict[str, Any]) -> None:
    out = build_site(tmp_path, feed)
    assert links(out) == LINKS  # the combined feed as ever
    assert links(out, "garden/atom.xml") == [
        f"{URL}/garden/2019/06/10/midsummer.html",
        f"{URL}/garden/2019/02/03/first-frost.html",
    ]
    assert links(out, "lights/atom.xml") == [f"{URL}/village/lights/2019/06/12/lanterns-lit.html"]
    assert "garden" in parse(out / "garden/atom.xml").feed.title
    for other in ("alpha", "beta", "gamma", "village"):
        assert not (out / other).exists()
    # where jekyll-feed served them
    assert (out / "feed/garden.xml").read_bytes() == (out / "garden/atom.xml").read_bytes()
    assert (out / "feed/lights.xml").read_bytes() == (out / "lights/atom.xml").read_bytes()


def test_without_feed_categories_every_category_has_a_feed(out: Path) -> None:
    assert links(out, "alpha/atom.xml") == [f"{URL}/alpha/beta/gamma/2020/04/01/templated.html"]
    assert not (out / "feed").exists()


# "collections"


def test_another_collection_is_warned_of_and_gets_no_feed(tmp_path: Path) -> None:
    out, result = run_site(tmp_path, {"collections": ["notebook"]})
    assert result.exit_code == 0, result.stderr
    site = tmp_path / "site" / "_config.yml"
    assert f"{site}: feed.collections: no feed for notebook" in result.stderr
    assert not (out / "feed" / "notebook.xml").exists()
    assert links(out) == LINKS


# "tags"


def test_without_feed_tags_there_are_no_tag_feeds(out: Path) -> None:
    assert not (out / "by_tag").exists()
    assert not (out / "feed" / "by_tag").exists()


def test_feed_tags_true_gives_every_tag_a_feed(tmp_path: Path) -> None:
    out = build_site(tmp_path, {"tags": True})
    assert links(out, "by_tag/storm/atom.xml") == [
        f"{URL}/2020/07/07/summary-only.html",
        f"{URL}/2020/01/05/revised-later.html",
    ]
    assert links(out, "by_tag/calm/atom.xml") == [f"{URL}/2020/05/20/full-author.html"]
    assert links(out, "by_tag/weather/atom.xml") == [
        f"{URL}/2020/07/07/summary-only.html",
        f"{URL}/2020/05/20/full-author.html",
        f"{URL}/2020/04/01/preformatted.html",
        f"{URL}/2020/01/05/revised-later.html",
        f"{URL}/village/lights/2019/06/12/lanterns-lit.html",
        f"{URL}/garden/2019/02/03/first-frost.html",
    ]
    for tag in ("storm", "calm", "weather"):
        copy = out / "feed" / "by_tag" / f"{tag}.xml"
        assert copy.read_bytes() == (out / "by_tag" / tag / "atom.xml").read_bytes()
    # a tag jekyll-feed gave no feed (not letters, digits, _) has one, but no copy
    assert len(list((out / "by_tag").iterdir())) == 4
    assert len(list((out / "feed" / "by_tag").iterdir())) == 3


def test_feed_tags_except_leaves_those_out(tmp_path: Path) -> None:
    out = build_site(tmp_path, {"tags": {"except": ["storm"]}})
    assert not (out / "by_tag" / "storm").exists()
    assert (out / "by_tag" / "calm" / "atom.xml").exists()
    assert not (out / "feed" / "by_tag" / "storm.xml").exists()


def test_feed_tags_only_keeps_those_alone(tmp_path: Path) -> None:
    out = build_site(tmp_path, {"tags": {"only": ["calm"]}})
    assert sorted(p.name for p in (out / "by_tag").iterdir()) == ["calm"]
    assert sorted(p.name for p in (out / "feed" / "by_tag").iterdir()) == ["calm.xml"]


@pytest.mark.parametrize(
    "path", ["other/place/", "../../../../../../../other/place/"], ids=["plain", "climbing"]
)
def test_feed_tags_path_moves_the_copies_and_never_out(tmp_path: Path, path: str) -> None:
    out = build_site(tmp_path, {"tags": {"path": path}})
    assert (out / "other" / "place" / "calm.xml").read_bytes() == (
        out / "by_tag" / "calm" / "atom.xml"
    ).read_bytes()
    assert not (out / "feed").exists()
    assert not (tmp_path / "other").exists() and not (tmp_path.parent / "other").exists()


# "excerpt_only flag"


def test_excerpt_only_for_the_site_leaves_every_content_out(tmp_path: Path) -> None:
    out = build_site(tmp_path, {"excerpt_only": True})
    assert xml(out / "atom.xml").xpath("//a:content", namespaces=NS) == []


def test_without_excerpt_only_entries_have_their_content(tmp_path: Path) -> None:
    out = build_site(tmp_path, {"excerpt_only": False})
    root = xml(out / "atom.xml")
    # every post but the one whose own front matter says excerpt_only
    assert len(root.xpath("//a:content", namespaces=NS)) == len(LINKS) - 1


def test_excerpt_only_in_a_post_leaves_its_content_out(out: Path) -> None:
    summary_only = entry(out, f"{URL}/2020/07/07/summary-only.html")
    assert summary_only.find("a:content", NS) is None
    # its excerpt, the opening paragraph, is what jekyll-feed's summary holds
    assert text(summary_only, "a:summary") == "This body stays out of the feed."


# "with feed.posts_limit set to 2"


def test_posts_limit_keeps_the_newest(tmp_path: Path) -> None:
    out = build_site(tmp_path, {"posts_limit": 2})
    assert links(out) == LINKS[:2]
    assert (out / "feed.xml").read_bytes() == (out / "atom.xml").read_bytes()
