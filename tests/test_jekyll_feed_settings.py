"""jekyll-feed's `feed:` block in the site's _config.yml (#21 item 5): what feeds.toml
overrides is said, the copies where jekyll-feed served its feeds are feeds' own to
replace and remove, and editing the block rebuilds as a cold build would."""

import json
import os
import shutil
import time
from pathlib import Path

import pytest
from click.testing import Result
from lxml import etree
from test_jekyll_feed_spec import SITE, URL, build_site, links

from conftest import parse, run_build, state_of
from feeds.config import JEKYLL_KEPT_NAME, load_config


def site_with(tmp: Path, feed_block: str) -> Path:
    site = tmp / "site"
    shutil.copytree(SITE, site)
    with (site / "_config.yml").open("a", encoding="utf-8") as fh:
        fh.write(feed_block)
    return site


def build(site: Path, out: Path, toml: str = "") -> Result:
    config = out.parent / "feeds.toml"
    config.write_text(toml, encoding="utf-8")
    return run_build("--source", site, "--out", out, "--jobs", "1", config=config)


def published(out: Path) -> dict[str, bytes]:
    return {
        p.relative_to(out).as_posix(): p.read_bytes()
        for p in sorted(out.rglob("*"))
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(out).parts)
    }


def test_posts_limit_against_feeds_toml_limit_is_said_and_feeds_toml_wins(tmp_path: Path) -> None:
    site = site_with(tmp_path, "feed:\n  posts_limit: 2\n")
    out = tmp_path / "out"
    result = build(site, out, "limit = 3\n")
    assert result.exit_code == 0, result.stderr
    assert (
        f"{site / '_config.yml'} feed.posts_limit = 2 vs {tmp_path / 'feeds.toml'} limit = 3: "
        "feeds.toml wins"
    ) in result.stderr.splitlines()
    assert len(parse(out / "atom.xml").entries) == 3


def test_posts_limit_alone_is_the_limit_with_no_message(tmp_path: Path) -> None:
    site = site_with(tmp_path, "feed:\n  posts_limit: 3\n")
    result = build(site, tmp_path / "out")
    assert result.exit_code == 0 and "posts_limit" not in result.stderr
    assert len(parse(tmp_path / "out" / "atom.xml").entries) == 3


def test_editing_the_feed_block_rebuilds_as_a_cold_build_would(tmp_path: Path) -> None:
    site = site_with(
        tmp_path,
        "feed:\n  tags: true\n  categories: [garden, alpha]\n  icon: i.png\n  path: all.xml\n",
    )
    out = tmp_path / "out"
    assert build(site, out).exit_code == 0
    assert (out / "feed" / "by_tag" / "storm.xml").exists() and (out / "all.xml").exists()
    config = site / "_config.yml"
    text = config.read_text(encoding="utf-8")
    edited = text.replace("tags: true", "tags: {only: [calm]}").replace(
        "[garden, alpha]", "[garden]"
    )
    config.write_text(edited.replace("  icon: i.png\n", "").replace("all.xml", "feed.xml"))
    result = build(site, out)
    assert result.exit_code == 0, result.stderr
    assert "feed/by_tag/storm.xml: removed: no feed is copied there any more" in result.stderr
    assert "by_tag/storm/atom.xml: removed:" in result.stderr
    rebuilt = published(out)
    assert not (out / "all.xml").exists() and not (out / "alpha").exists()
    cold = tmp_path / "cold"
    assert build(site, cold).exit_code == 0
    assert rebuilt == published(cold)
    assert build(site, out).stderr.endswith("wrote 0 feeds (9 unchanged)\n")


def test_a_file_feeds_did_not_write_is_never_replaced_by_a_copy(tmp_path: Path) -> None:
    site = site_with(tmp_path, "")
    out = tmp_path / "out"
    out.mkdir()
    (out / "feed.xml").write_text("the old site's feed", encoding="utf-8")
    result = build(site, out)
    assert result.exit_code == 0, result.stderr
    assert f"{out / 'feed.xml'}: not a file feeds wrote; not replaced by atom.xml" in result.stderr
    assert (out / "feed.xml").read_text(encoding="utf-8") == "the old site's feed"
    (out / "feed.xml").unlink()
    assert build(site, out).exit_code == 0
    assert (out / "feed.xml").read_bytes() == (out / "atom.xml").read_bytes()


def test_a_copy_is_never_written_over_a_feed_of_its_own(tmp_path: Path) -> None:
    site = site_with(tmp_path, "feed:\n  path: rss.xml\n")
    result = build(site, tmp_path / "out")
    assert result.exit_code == 0
    assert f"{tmp_path / 'out' / 'rss.xml'}: feeds writes a feed there: no copy" in result.stderr
    assert parse(tmp_path / "out" / "rss.xml").version == "rss20"


def test_a_site_without_jekyll_feed_gets_no_copy(tmp_path: Path) -> None:
    site = site_with(tmp_path, "")
    config = site / "_config.yml"
    config.write_text(
        config.read_text(encoding="utf-8").replace("  - jekyll-feed\n", "  - jekyll-sitemap\n")
    )
    out = tmp_path / "out"
    assert build(site, out).exit_code == 0
    assert not (out / "feed.xml").exists()
    assert links(out)[0] == f"{URL}/2021/03/03/data-author.html"


def test_tag_feeds_are_listed_on_the_index_page_and_in_opml(tmp_path: Path) -> None:
    out = build_site(tmp_path, {"tags": {"only": ["calm", "storm"]}})
    opml = etree.parse(str(out / "feeds.opml"))
    assert opml.xpath("//outline/@xmlUrl")[-2:] == [
        f"{URL}/by_tag/calm/atom.xml",
        f"{URL}/by_tag/storm/atom.xml",
    ]
    assert opml.xpath("//outline/@title")[-1] == "#storm · Lantern Notes"
    page = (out / "index.html").read_text(encoding="utf-8")
    assert f'href="{URL}/by_tag/calm/atom.xml"' in page
    assert "#calm · Lantern Notes" in page
    top = json.loads((out / "by_tag" / "calm" / "feed.json").read_bytes())
    assert top["feed_url"] == f"{URL}/by_tag/calm/feed.json"


@pytest.mark.parametrize(
    ("block", "key"),
    [
        ("feed: yes\n", "feed"),
        ("feed:\n  tags: all\n", "feed.tags"),
        ("feed:\n  icon: ftp://example.org/i.png\n", "feed.icon"),
        ("feed:\n  path: .hidden/feed.xml\n", "feed.path"),
        ("feed:\n  posts_limit: -1\n", "feed.posts_limit"),
        ("feed:\n  categories: {a: 1}\n", "feed.categories"),
        ("feed:\n  collections: notebook\n", "feed.collections"),
    ],
)
def test_a_bad_feed_setting_names_the_file_and_the_key(
    tmp_path: Path, block: str, key: str
) -> None:
    site = site_with(tmp_path, block)
    result = build(site, tmp_path / "out")
    assert result.exit_code == 2
    assert str(site / "_config.yml") in result.stderr and key in result.stderr


def test_the_kept_jekyll_config_holds_only_the_feed_keys_read(tmp_path: Path) -> None:
    site = site_with(tmp_path, "feed:\n  tags: true\n  token: SECRET\n  icon: i.png\n")
    out = tmp_path / "out"
    state_of(out).mkdir(parents=True)
    old = time.time() - 10
    os.utime(site / "_config.yml", (old, old))
    time.sleep(2.1)  # the ctime too must be older than the racy margin
    first = load_config(None, source=site, out=out)
    kept = (state_of(out) / JEKYLL_KEPT_NAME).read_text(encoding="utf-8")
    assert "SECRET" not in kept and "i.png" in kept
    assert load_config(None, source=site, out=out) == first  # read from the copy
    assert first.jekyll_feed.icon == f"{URL}/i.png"


def tagged_site(tmp: Path, tags: dict[str, list[str]]) -> Path:
    """A Jekyll site with tag feeds on, of posts (slug: tags)."""
    site = tmp / "site"
    (site / "_posts").mkdir(parents=True)
    (site / "_config.yml").write_text(f"url: {URL}\ntitle: T\nfeed:\n  tags: true\n")
    for day, (slug, names) in enumerate(tags.items(), start=1):
        front = f"title: {slug}\ntags: [{', '.join(names)}]"
        (site / "_posts" / f"2024-01-{day:02d}-{slug}.md").write_text(f"---\n{front}\n---\nx\n")
    return site


def tag_feeds(out: Path) -> list[str]:
    return sorted(p.parent.name for p in (out / "by_tag").glob("*/atom.xml"))


def test_tag_feeds_are_bounded_to_the_most_used_tags(tmp_path: Path) -> None:
    """Review of issues 19-21, finding 5: a site of many tags (jekyll-feed writes a feed
    for each) gets feeds for the 100 tags of the most posts, and one warning."""
    many = [f"t{i:03d}" for i in range(120)]
    site = tagged_site(tmp_path, {"a": ["common", *many], "b": ["common", "rare"], "c": ["common"]})
    out = tmp_path / "out"
    result = build(site, out)
    assert result.exit_code == 0, result.stderr
    warning = (
        f"{site / '_config.yml'}: feed.tags: 22 of 122 tags get no feed: only the 100 tags "
        "of the most posts do (`max_tag_feeds` in feeds.toml; 0 for all)"
    )
    assert result.stderr.splitlines().count(warning) == 1
    assert tag_feeds(out) == sorted(["common", "rare", *many[:98]])
    assert [e.title for e in parse(out / "by_tag" / "common" / "atom.xml").entries] == [
        "c",
        "b",
        "a",
    ]
    outlines = etree.parse(out / "feeds.opml").iter("outline")
    assert sum("/by_tag/" in (o.get("xmlUrl") or "") for o in outlines) == 100
    assert len(list((out / "feed" / "by_tag").glob("*.xml"))) == 100


def test_max_tag_feeds_edited_rebuilds_as_a_cold_build_would(tmp_path: Path) -> None:
    site = tagged_site(tmp_path, {"a": ["x", "y", "z"], "b": ["y", "z"], "c": ["z"]})
    out = tmp_path / "out"
    assert build(site, out).exit_code == 0
    assert tag_feeds(out) == ["x", "y", "z"]
    result = build(site, out, "max_tag_feeds = 2\n")
    assert result.exit_code == 0, result.stderr
    assert "by_tag/x/atom.xml: removed:" in result.stderr
    assert tag_feeds(out) == ["y", "z"]
    cold = tmp_path / "cold"
    assert build(site, cold, "max_tag_feeds = 2\n").exit_code == 0
    assert published(out) == published(cold)
