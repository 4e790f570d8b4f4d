"""`feeds build` on the real finews sample (a Jekyll site): categories, duplicates, dates."""

from collections import Counter
from pathlib import Path

import frontmatter
import pytest

from conftest import FINEWS, NS, feed_files, parse, xml

CATEGORY_COUNTS = {  # from the corpus README, less the post whose date is unusable
    "emnews": 64,
    "cailianshe": 2,
    "meirijingjixinwen": 2,
    "sitenews": 1,
    "21shijijingjibaodao": 1,
    "dongfangcaifuyanjiuzhongxin": 1,
    "quanshangzhongguo": 1,
    "quanzhouwanbao": 1,
    "shanghaizhengquanbao": 1,
    "yangshixinwenkehuduan": 1,
    "yangxingwangzhan": 1,
    "zhengquanshibao": 1,
    "zhongguojijinbao": 1,
    "zhongguozhengquanbao": 1,
}


def test_writes_all_fourteen_category_pairs(finews_out: Path) -> None:
    folders = {p.parent.name for p in feed_files(finews_out) if p.parent != finews_out}
    assert folders == set(CATEGORY_COUNTS)
    # and feed.xml: the combined Atom feed where jekyll-feed, which the site lists, served it
    assert len(feed_files(finews_out)) == 2 + 2 * 14 + 1


@pytest.mark.parametrize("category", sorted(CATEGORY_COUNTS))
def test_each_post_lands_in_its_category(finews_out: Path, category: str) -> None:
    expected = set()
    for path in (FINEWS / "_posts").iterdir():
        try:
            # the tool reads a post with blank lines before its '---' too
            post = frontmatter.loads(path.read_text(encoding="utf-8").lstrip())
        except Exception:
            continue
        if post.get("categories") == category and str(post.get("date", "")).strip() != "+0800":
            expected.add(path.name.split("-", 3)[-1].removesuffix(".md"))
    for name in ("atom.xml", "rss.xml"):
        feed = parse(finews_out / category / name)
        ids = {e.id.rsplit(":", 1)[-1] for e in feed.entries}
        assert ids == expected
        assert len(feed.entries) == CATEGORY_COUNTS[category]


def test_bad_posts_are_named_with_the_reason(build, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = build("--source", FINEWS, "--out", tmp_path)
    assert result.exit_code == 3
    assert "_posts/-202205262391921712.md: front matter: 'date' '+0800' is not a date" in (
        result.stderr
    )


def test_combined_feed_shows_each_twin_article_once(finews_out: Path) -> None:
    feed = parse(finews_out / "atom.xml")
    keys = Counter((e.title, e.published) for e in feed.entries)
    assert max(keys.values()) == 1
    all_posts = sum(CATEGORY_COUNTS.values())
    assert len(feed.entries) == all_posts - 7  # seven emnews/outlet pairs in the sample


def test_twins_stay_in_their_own_category_feeds(finews_out: Path) -> None:
    emnews = {e.title for e in parse(finews_out / "emnews/atom.xml").entries}
    outlet = {e.title for e in parse(finews_out / "zhengquanshibao/atom.xml").entries}
    assert outlet and outlet <= emnews


def test_dates_without_offset_are_in_the_site_time_zone(finews_out: Path) -> None:
    entries = {e.id.rsplit(":", 1)[-1]: e for e in parse(finews_out / "emnews/atom.xml").entries}
    # `date: 2021-12-08 10:46:18` in a site whose timezone is Asia/Shanghai
    assert entries["202112082206672930"].published == "2021-12-08T10:46:18+08:00"


def test_entries_newest_first(finews_out: Path) -> None:
    root = xml(finews_out / "atom.xml")
    from datetime import datetime

    dates = [
        datetime.fromisoformat(t) for t in root.xpath("a:entry/a:published/text()", namespaces=NS)
    ]
    assert dates == sorted(dates, reverse=True)


def test_default_limit_is_fifty(build, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    build("--source", FINEWS, "--out", tmp_path)
    assert len(parse(tmp_path / "emnews/rss.xml").entries) == 50
    assert len(parse(tmp_path / "atom.xml").entries) == 50
