"""Bounded growth (issue 16, items 8 and 9): one giant post costs that post only, and the
build stays linear. Each case puts one giant post beside the two good posts of seeds/ and
runs the real command in a subprocess; its timeout guards against a hang, it times nothing.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import CONFIG, FINEWS_SITE, SEEDS, feed_files, parse
from feeds.errors import PostError
from feeds.source.posts import MAX_CATEGORIES, MAX_TAGS, parse_post

HANG_GUARD = 60  # seconds; each build here takes a second or two
GOOD_TITLES = {
    "科技赋能国企混改！商汤科技智能计算中心在临港“扬帆起航”",
}
HEAD = "---\ntitle: Giant\ndate: 2022-01-20 10:00:00 +0800\n"
NAME = "2022-01-20-giant.md"


def build_with(tmp_path: Path, giant: str) -> tuple[subprocess.CompletedProcess[str], Path]:
    source = tmp_path / "source"
    shutil.copytree(SEEDS, source)
    (source / NAME).write_text(giant, encoding="utf-8")
    out = tmp_path / "out"
    argv = [sys.executable, "-m", "feeds", "build", "--source", source, "--out", out]
    result = subprocess.run(
        [*map(str, argv), "--config", str(CONFIG)],
        capture_output=True,
        text=True,
        timeout=HANG_GUARD,
    )
    return result, out


def titles(out: Path) -> set[str]:
    for path in feed_files(out):
        parse(path)
    return {entry.title for entry in parse(out / "atom.xml").entries}


def assert_skipped(result: subprocess.CompletedProcess[str], out: Path, reason: str) -> None:
    assert result.returncode == 3, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith(NAME)]
    assert len(lines) == 1 and reason in lines[0], result.stderr
    assert titles(out) >= GOOD_TITLES
    assert "Giant" not in titles(out)


def test_a_post_in_100000_categories_is_skipped_and_no_feed_made_for_them(
    tmp_path: Path,
) -> None:
    cats = " ".join(f"c{i}" for i in range(100_000))
    result, out = build_with(tmp_path, f"{HEAD}categories: {cats}\n---\nbody\n")
    assert_skipped(result, out, "front matter: 100,000 categories, over the 100")
    assert not (out / "c0").exists()
    assert len(feed_files(out)) == 6  # the combined pair and the seeds' two categories


def test_a_post_of_1000000_tags_is_skipped(tmp_path: Path) -> None:
    tags = " ".join(f"t{i}" for i in range(1_000_000))
    result, out = build_with(tmp_path, f"{HEAD}categories: x\ntags: {tags}\n---\nbody\n")
    assert_skipped(result, out, "front matter: 1,000,000 tags, over the 1,000")


def test_categories_and_tags_up_to_the_caps_are_all_published(tmp_path: Path) -> None:
    cats = "".join(f"\n- c{i}" for i in range(10))
    tags = "".join(f"\n- t{i}" for i in range(1_000))
    result, out = build_with(tmp_path, f"{HEAD}categories:{cats}\ntags:{tags}\n---\nbody\n")
    assert result.returncode == 0, result.stderr
    assert titles(out) >= {"Giant"} | GOOD_TITLES
    for feed in (out / "atom.xml", out / "c9" / "atom.xml", out / "c9" / "rss.xml"):
        (giant,) = [e for e in parse(feed).entries if e.title == "Giant"]
        assert [tag.term for tag in giant.tags] == [f"c{i}" for i in range(10)] + [
            f"t{i}" for i in range(1_000)
        ]


@pytest.mark.parametrize(("key", "cap"), [("categories", MAX_CATEGORIES), ("tags", MAX_TAGS)])
def test_the_caps_are_inclusive(key: str, cap: int) -> None:
    front = {"title": "T", "date": "2022-01-20", key: [f"w{i}" for i in range(cap)]}
    post = parse_post("2022-01-20-t.md", front, FINEWS_SITE)
    assert len(getattr(post, key)) == cap
    front[key] = [*front[key], "one more"]
    with pytest.raises(PostError, match=f"{cap + 1:,} {key}, over the {cap:,} a post may have"):
        parse_post("2022-01-20-t.md", front, FINEWS_SITE)


def test_a_post_of_100000_line_breaks_is_published(tmp_path: Path) -> None:
    body = "<p>a" + "<br>" * 50_000 + "b</p>\n<p>" + "<br>\n" * 50_000 + "</p>\n"
    result, out = build_with(tmp_path, f"{HEAD}categories: x\n---\n{body}")
    assert result.returncode == 0, result.stderr
    assert {"Giant"} | GOOD_TITLES <= titles(out)
    (giant,) = [e for e in parse(out / "x" / "atom.xml").entries if e.title == "Giant"]
    assert giant.content[0].value.count("<br") == 50_000  # the stray ones go


def test_an_element_of_40000_attributes_is_skipped(tmp_path: Path) -> None:
    attributes = " ".join(f"a{i}=x" for i in range(40_000))
    body = f'<p {attributes} title="t">text</p>\n'
    result, out = build_with(tmp_path, f"{HEAD}categories: x\n---\n{body}")
    assert_skipped(
        result, out, "clean: an element of its HTML has 40,001 attributes, over the 1,000"
    )


def test_elements_of_1000_attributes_keep_those_the_sanitizer_keeps(tmp_path: Path) -> None:
    attributes = " ".join(f"a{i}=x" for i in range(998))
    link = f'<a {attributes} title="t" href="https://e.org/">link</a>'
    result, out = build_with(tmp_path, f"{HEAD}categories: x\n---\n" + link * 100 + "\n")
    assert result.returncode == 0, result.stderr
    (giant,) = [e for e in parse(out / "x" / "atom.xml").entries if e.title == "Giant"]
    assert giant.content[0].value.count('<a href="https://e.org/" title="t">link</a>') == 100


def test_a_body_of_14_mb_of_short_lines_is_skipped_before_rendering(tmp_path: Path) -> None:
    result, out = build_with(tmp_path, f"{HEAD}categories: x\n---\n" + "a\n" * 7_000_000)
    assert_skipped(
        result,
        out,
        "render: its body (13.4 MiB) has 7,000,000 lines and Markdown marks, over the 400,000",
    )


def test_a_body_of_more_tags_than_can_be_cleaned_is_skipped_before_cleaning(
    tmp_path: Path,
) -> None:
    result, out = build_with(tmp_path, f"{HEAD}categories: x\n---\n" + "-\n" * 200_000)
    assert_skipped(result, out, "render: its HTML has 400,002 tags, over the 250,000")


def test_a_post_of_8500_paragraphs_with_charts_in_one_div_is_published_whole(
    tmp_path: Path,
) -> None:
    chart = '<p><img src="http://webquoteklinepic.eastmoney.com/GH.aspx?nid=1.{i}&amp;t=k"></p>'
    paragraphs = "\n".join(f"<p>第{i}段。</p>\n{chart.format(i=i)}" for i in range(8_500))
    body = f"<div>\n{paragraphs}\n</div>\n"
    result, out = build_with(tmp_path, f"{HEAD}categories: x\n---\n{body}")
    assert result.returncode == 0, result.stderr
    (giant,) = [e for e in parse(out / "x" / "atom.xml").entries if e.title == "Giant"]
    content = giant.content[0].value
    assert [f"<p>第{i}段。</p>" in content for i in range(8_500)] == [True] * 8_500
    assert content.count("<p>") == 8_500 and "webquoteklinepic" not in content
