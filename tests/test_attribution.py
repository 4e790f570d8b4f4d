"""Attribution: outlet and original article found in real posts, overridden by front matter."""

import re
from pathlib import Path

import pytest
from lxml import etree

from conftest import real_post
from feeds.content.cleaning import CleanBody, clean_body, clean_html, parse_body
from feeds.content.cleaning.attribution import (
    Attribution,
    credit_line,
    resolve_attribution,
    take_outlet_line,
    take_source_autolink,
)
from feeds.content.cleaning.finews import OUTLET_LINE
from feeds.content.cleaning.generic import Rule
from feeds.content.markdown import render_markdown

BASE = "https://finews.withounder.com/emnews/2022/05/30/202205302396671645.html"
NEWS_SHARE = "http://finews.zning.xyz/html_News/NewsShare.html?infoCode="


def post_body(path: Path) -> str:
    """Return the text after the second `---` line, as Jekyll would (front matter may be broken)."""
    lines = path.read_bytes().decode("utf-8").split("\n")
    fences = [number for number, line in enumerate(lines) if line.rstrip("\r") == "---"]
    return "\n".join(lines[fences[1] + 1 :])


def clean_post(name: str, **front_matter: str) -> CleanBody:
    html = render_markdown(post_body(real_post(name)))
    return clean_body(html, base_url=BASE, **front_matter)


REAL_POSTS = [
    # a keyword span splits the outlet's name; the autolink is an empty <>
    ("-202205262391921712.md", "上海证券报", None),
    # split name; finance.eastmoney.com/news/1354,… keeps its comma
    (
        "2022-01-21-202201212257099936.md",
        "证券时报",
        "http://finance.eastmoney.com/news/1354,202201212257099936.html",
    ),
    (
        "2022-05-30-202205302396671645.md",
        "中国证券报",
        "http://finance.eastmoney.com/news/1353,202205302396671645.html",
    ),
    ("2022-01-25-NW202201252261386140.md", "上海证券报", NEWS_SHARE + "NW202201252261386140"),
    ("2022-06-14-NW202206142412311033.md", "东方财富研究中心", NEWS_SHARE + "NW202206142412311033"),
    (
        "2022-05-25-NW202205252391453833.md",
        "上海证券报·中国证券网",
        NEWS_SHARE + "NW202205252391453833",
    ),
    # other eastmoney hosts, no outlet line
    (
        "2021-12-08-202112082206710723.md",
        None,
        "http://futures.eastmoney.com/news/1517,202112082206710723.html",
    ),
    (
        "2021-12-08-202112082206748961.md",
        None,
        "http://mss.eastmoney.com/news/11059,202112082206748961.html",
    ),
    (
        "2021-12-08-202112082206891339.md",
        None,
        "http://stock.eastmoney.com/news/1405,202112082206891339.html",
    ),
    # empty <> and no outlet: nothing to credit
    ("2021-12-08-202112082206870651.md", None, None),
    # no attribution at all
    ("2021-12-01-init.md", None, None),
]


@pytest.mark.parametrize(("name", "outlet", "original_url"), REAL_POSTS)
def test_real_post_attribution(name: str, outlet: str | None, original_url: str | None) -> None:
    result = clean_post(name)
    assert (result.outlet, result.original_url) == (outlet, original_url)


@pytest.mark.parametrize(("name", "outlet", "original_url"), REAL_POSTS)
def test_attribution_is_shown_once_at_the_end(
    name: str, outlet: str | None, original_url: str | None
) -> None:
    html = clean_post(name).html
    expected = credit_line(Attribution(outlet, original_url))
    if expected:
        assert html.endswith("\n" + expected)
    else:
        assert "来源：" not in html
    assert "文章来源" not in html
    assert "&lt;&gt;" not in html
    if original_url:
        assert html.count(original_url.replace("&", "&amp;")) == 1
        assert f">{original_url}<" not in html


def test_visible_line_for_outlet_and_link() -> None:
    html = clean_post("2022-01-25-NW202201252261386140.md").html
    assert html.endswith(
        f'<p>来源：上海证券报 · <a href="{NEWS_SHARE}NW202201252261386140">原文</a></p>'
    )


def test_front_matter_wins_over_the_body() -> None:
    result = clean_post(
        "2022-01-25-NW202201252261386140.md",
        outlet=" 新华社 ",
        original_url="//example.com/a?b=1&c=2",
    )
    assert result.outlet == "新华社"
    assert result.original_url == "https://example.com/a?b=1&c=2"
    assert result.html.endswith(
        '<p>来源：新华社 · <a href="https://example.com/a?b=1&amp;c=2">原文</a></p>'
    )
    assert "上海证券报" not in result.html
    assert "NewsShare" not in result.html


def test_unsafe_front_matter_url_falls_back_to_the_body() -> None:
    result = clean_post("2022-01-25-NW202201252261386140.md", original_url="javascript:alert(1)")
    assert result.original_url == NEWS_SHARE + "NW202201252261386140"


def test_front_matter_names_an_outlet_the_body_lacks() -> None:
    result = clean_post("2021-12-01-init.md", outlet="站长")
    assert result.html == "<p>祝贺开站</p>\n<p>来源：站长</p>"
    assert result.summary == "祝贺开站"


def take_autolink_rule(found: list[str | None]) -> Rule:
    return lambda body: found.append(take_source_autolink(body))


AUTOLINKS = [
    (
        '<p>正文</p>\n<p><a href="http://hk.eastmoney.com/news/1533,1.html">http://hk.eastmoney.com/news/1533,1.html</a></p>\n',
        "<p>正文</p>",
        "http://hk.eastmoney.com/news/1533,1.html",
    ),
    ("<p>正文</p>\n<p>&lt;&gt;</p>", "<p>正文</p>", None),
    (
        '<p><a href="http://a.example/x">http://a.example/x</a></p><p>正文</p>',
        '<p><a href="http://a.example/x">http://a.example/x</a></p><p>正文</p>',
        None,
    ),
    (
        '<p>正文</p><p><a href="http://a.example/x">原文链接</a></p>',
        '<p>正文</p><p><a href="http://a.example/x">原文链接</a></p>',
        None,
    ),
    (
        '<p>正文</p><p><a href="mailto:a@b.c">mailto:a@b.c</a></p>',
        '<p>正文</p><p><a href="mailto:a@b.c">mailto:a@b.c</a></p>',
        None,
    ),
    ("", "", None),
]


@pytest.mark.parametrize(("html", "expected", "url"), AUTOLINKS)
def test_take_source_autolink(html: str, expected: str, url: str | None) -> None:
    found: list[str | None] = []
    assert clean_html(html, (take_autolink_rule(found),)) == expected
    assert found == [url]


OUTLET_LINES = [
    ('<p>正文</p><p class="em_media">（文章来源：上海证券报）</p>', "<p>正文</p>", "上海证券报"),
    ("<p>（文章来源：上海证券报·中国证券网）</p>", "", "上海证券报·中国证券网"),
    ("<p>(文章来源: 财联社)</p>", "", "财联社"),
    ("<p>（文章来源：中国证券报(北京)）</p>", "", "中国证券报(北京)"),
    (
        "<p>记者从（文章来源：某报）获悉更多。</p>",
        "<p>记者从（文章来源：某报）获悉更多。</p>",
        None,
    ),
    ("<p>(东方财富Choice数据)</p>", "<p>(东方财富Choice数据)</p>", None),
]


@pytest.mark.parametrize(("html", "expected", "outlet"), OUTLET_LINES)
def test_take_outlet_line(html: str, expected: str, outlet: str | None) -> None:
    found: list[str | None] = []
    assert clean_html(html, (lambda body: found.append(take_outlet_line(body, OUTLET_LINE)),)) == (
        expected
    )
    assert found == [outlet]


def test_outlet_pattern_is_anchored() -> None:
    assert OUTLET_LINE.fullmatch("（文章来源：财联社）")
    assert not OUTLET_LINE.fullmatch("据（文章来源：财联社）")
    assert isinstance(OUTLET_LINE, re.Pattern)


CREDIT_LINES = [
    (
        Attribution("上海证券报", "http://x.example/a"),
        '<p>来源：上海证券报 · <a href="http://x.example/a">原文</a></p>',
    ),
    (Attribution("上海证券报", None), "<p>来源：上海证券报</p>"),
    (
        Attribution(None, "http://x.example/a?b=1&c=2"),
        '<p>来源：<a href="http://x.example/a?b=1&amp;c=2">原文</a></p>',
    ),
    (Attribution("<b>A&B</b>", None), "<p>来源：&lt;b&gt;A&amp;B&lt;/b&gt;</p>"),
    (Attribution(None, None), ""),
]


@pytest.mark.parametrize(("attribution", "expected"), CREDIT_LINES)
def test_credit_line(attribution: Attribution, expected: str) -> None:
    assert credit_line(attribution) == expected


RESOLVE = [
    (Attribution("A", "http://a/"), None, None, Attribution("A", "http://a/")),
    (Attribution("A", "http://a/"), "B", "https://b/", Attribution("B", "https://b/")),
    (Attribution("A", None), "", "", Attribution("A", None)),
    (Attribution(None, None), "  ", "mailto:x@y.z", Attribution(None, None)),
    (Attribution(None, "http://a/"), None, "data:text/html,x", Attribution(None, "http://a/")),
    (
        Attribution(" 财联社 ", None),
        None,
        "/relative",
        Attribution("财联社", "https://finews.withounder.com/relative"),
    ),
]


@pytest.mark.parametrize(("found", "outlet", "url", "expected"), RESOLVE)
def test_resolve_attribution(
    found: Attribution, outlet: str | None, url: str | None, expected: Attribution
) -> None:
    assert resolve_attribution(found, base_url=BASE, outlet=outlet, original_url=url) == expected


def test_parse_body_keeps_a_leading_comment_inside_the_body() -> None:
    body = parse_body("<!-- EM_StockImg_Start --><p>x</p>")
    assert body.tag == "body"
    assert [node.text for node in body.iter(etree.Comment)] == [" EM_StockImg_Start "]
