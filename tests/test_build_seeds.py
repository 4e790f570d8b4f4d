"""`feeds build` on seeds/: the files, the elements a reader needs, and stable output."""

import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

from conftest import CONFIG, NS, ROOT, SEEDS, Build, feed_files, parse, xml

SITE = "https://finews.withounder.com"
FIRST = "tag:finews.withounder.com,2022-01-25:NW202201252261386140"
SECOND = "tag:finews.withounder.com,2022-05-25:NW202205252391453833"


def test_writes_combined_pair_and_one_pair_per_category(seeds_out: Path) -> None:
    assert sorted(p.relative_to(seeds_out).as_posix() for p in feed_files(seeds_out)) == [
        "atom.xml",
        "rss.xml",
        "shanghaizhengquanbao-zhongguozhengquanwang/atom.xml",
        "shanghaizhengquanbao-zhongguozhengquanwang/rss.xml",
        "shanghaizhengquanbao/atom.xml",
        "shanghaizhengquanbao/rss.xml",
    ]


def test_atom_feed_elements(seeds_out: Path) -> None:
    root = xml(seeds_out / "atom.xml")
    assert root.findtext("a:id", namespaces=NS) == f"{SITE}/atom.xml"
    assert root.findtext("a:title", namespaces=NS) == "金融消息"
    assert root.findtext("a:subtitle", namespaces=NS)
    # The newest entry's date, never the clock.
    assert root.findtext("a:updated", namespaces=NS) == "2022-05-25T13:51:07+08:00"
    assert root.findtext("a:author/a:name", namespaces=NS) == "ZNing"
    links = [(ln.get("rel"), ln.get("type"), ln.get("href")) for ln in root.findall("a:link", NS)]
    assert links == [
        ("self", "application/atom+xml", f"{SITE}/atom.xml"),
        ("alternate", "application/rss+xml", f"{SITE}/rss.xml"),
        ("alternate", "application/feed+json", f"{SITE}/feed.json"),
        ("related", "text/html", f"{SITE}/index.html"),
        ("alternate", "text/html", f"{SITE}/"),
    ]
    generator = root.find("a:generator", NS)
    assert generator is not None and generator.text == "feeds"
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "zh-CN"


def test_atom_entries(seeds_out: Path) -> None:
    feed = parse(seeds_out / "atom.xml")
    assert feed.version == "atom10"
    assert [e.id for e in feed.entries] == [SECOND, FIRST]  # newest first
    entry = feed.entries[1]
    assert entry.title == "科技赋能国企混改！商汤科技智能计算中心在临港“扬帆起航”"
    assert entry.link == f"{SITE}/shanghaizhengquanbao/2022/01/25/NW202201252261386140.html"
    assert entry.published == "2022-01-25T22:27:49+08:00"
    assert entry.updated == "2022-01-25T22:27:49+08:00"
    assert entry.author == "ZNing"
    assert [t.term for t in entry.tags] == ["shanghaizhengquanbao", "上海证券报新闻"]
    assert entry.content[0].type == "text/html"
    assert "商汤科技上海临港人工智能计算中心" in entry.content[0].value
    assert entry.summary_detail.type == "text/plain"
    assert 0 < len(entry.summary) <= 220


def test_atom_content_is_html_not_cdata(seeds_out: Path) -> None:
    for content in xml(seeds_out / "atom.xml").iterfind("a:entry/a:content", NS):
        assert content.get("type") == "html"


def test_rss_channel_and_items(seeds_out: Path) -> None:
    root = xml(seeds_out / "rss.xml")
    channel = root.find("channel")
    assert channel is not None
    assert channel.findtext("title") == "金融消息"
    assert channel.findtext("link") == f"{SITE}/"  # the site, not the feed
    assert channel.findtext("description")
    assert channel.findtext("language") == "zh-CN"
    self_link = channel.find("a:link", NS)
    assert self_link is not None
    assert (self_link.get("rel"), self_link.get("href")) == ("self", f"{SITE}/rss.xml")
    assert channel.findtext("lastBuildDate") == "Wed, 25 May 2022 13:51:07 +0800"
    items = channel.findall("item")
    assert [i.findtext("guid") for i in items] == [SECOND, FIRST]
    item = items[1]
    guid = item.find("guid")
    assert guid is not None and guid.get("isPermaLink") == "false"
    assert item.findtext("pubDate") == "Tue, 25 Jan 2022 22:27:49 +0800"
    assert item.findtext("link", "").startswith(f"{SITE}/shanghaizhengquanbao/2022/01/25/")
    assert [c.text for c in item.findall("category")] == ["shanghaizhengquanbao", "上海证券报新闻"]
    assert item.findtext("dc:creator", namespaces=NS) == "ZNing"
    description = item.findtext("description", "")
    body = item.findtext("content:encoded", namespaces=NS) or ""
    assert "<" not in description and 0 < len(description) < len(body)
    assert "商汤科技上海临港人工智能计算中心" in body


def test_rss_parses_as_rss20(seeds_out: Path) -> None:
    feed = parse(seeds_out / "rss.xml")
    assert feed.version == "rss20"
    assert [e.id for e in feed.entries] == [SECOND, FIRST]


def test_category_feeds_hold_their_posts_with_the_same_ids(seeds_out: Path) -> None:
    for slug, ids in [
        ("shanghaizhengquanbao", [FIRST]),
        ("shanghaizhengquanbao-zhongguozhengquanwang", [SECOND]),
    ]:
        for name in ("atom.xml", "rss.xml"):
            feed = parse(seeds_out / slug / name)
            assert [e.id for e in feed.entries] == ids
        root = xml(seeds_out / slug / "atom.xml")
        assert root.findtext("a:id", namespaces=NS) == f"{SITE}/{slug}/atom.xml"
        self_href = root.find("a:link[@rel='self']", NS)
        assert self_href is not None and self_href.get("href") == f"{SITE}/{slug}/atom.xml"


def test_category_titles_in_the_outlets_words(seeds_out: Path) -> None:
    assert parse(seeds_out / "shanghaizhengquanbao/atom.xml").feed.title == "上海证券报 · 金融消息"
    rss = parse(seeds_out / "shanghaizhengquanbao-zhongguozhengquanwang/rss.xml")
    assert rss.feed.title == "上海证券报·中国证券网 · 金融消息"


def test_feed_updated_is_the_newest_entry_of_that_feed(seeds_out: Path) -> None:
    root = xml(seeds_out / "shanghaizhengquanbao/atom.xml")
    assert root.findtext("a:updated", namespaces=NS) == "2022-01-25T22:27:49+08:00"


def test_rebuild_is_byte_identical_whatever_the_hash_seed(tmp_path: Path) -> None:
    outputs = []
    for seed in ("1", "2"):
        out = tmp_path / seed
        env = {
            **os.environ,
            "PYTHONHASHSEED": seed,
            "TZ": "America/New_York" if seed == "1" else "UTC",
        }
        subprocess.run(
            [
                sys.executable,
                "-m",
                "feeds",
                "build",
                "--source",
                str(SEEDS),
                "--out",
                str(out),
                "--config",
                str(CONFIG),
            ],
            check=True,
            env=env,
            cwd=ROOT,
            capture_output=True,
        )
        outputs.append({p.relative_to(out): p.read_bytes() for p in feed_files(out)})
    assert outputs[0] == outputs[1]
    assert len(outputs[0]) == 6


def test_unchanged_feeds_are_not_rewritten(tmp_path: Path, build: Build) -> None:
    assert build("--source", SEEDS, "--out", tmp_path).exit_code == 0
    before = {p: p.stat().st_mtime_ns for p in feed_files(tmp_path)}
    os.utime(tmp_path / "atom.xml", ns=(1, 1))
    result = build("--source", SEEDS, "--out", tmp_path)
    assert result.exit_code == 0
    assert "wrote 0 feeds (9 unchanged)" in result.stderr
    assert (tmp_path / "atom.xml").stat().st_mtime_ns == 1
    assert all(
        p.stat().st_mtime_ns == before[p]
        for p in before
        if p.name != "atom.xml" or p.parent != tmp_path
    )


def test_silent_on_stdout_with_a_summary_on_stderr(tmp_path: Path, build: Build) -> None:
    result = build("--source", SEEDS, "--out", tmp_path)
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        "feeds: read 2 posts, skipped 0, wrote 9 feeds (0 unchanged)"
    ]


def test_limit_keeps_the_newest(tmp_path: Path, build: Build) -> None:
    assert build("--source", SEEDS, "--out", tmp_path, "--limit", "1").exit_code == 0
    assert [e.id for e in parse(tmp_path / "atom.xml").entries] == [SECOND]


def test_dates_keep_their_offset_in_rss(seeds_out: Path) -> None:
    for entry in parse(seeds_out / "rss.xml").entries:
        assert entry.published.endswith("+0800")
        datetime.strptime(entry.published, "%a, %d %b %Y %H:%M:%S %z")
