"""finews rules: a table per rule, cut from the real posts, then every real fixture end to end."""

from pathlib import Path

import pytest
from lxml import etree

from conftest import REAL_POSTS as FIXTURES
from conftest import real_post
from feeds.content.cleaning import CleanBody, clean_body, clean_html
from feeds.content.cleaning.finews import (
    attach_image_credits,
    drop_scraper_attributes,
    remove_chart_images,
    remove_nav_footer,
    remove_widget_blocks,
    unwrap_keyword_links,
    unwrap_ticker_spans,
)
from feeds.content.cleaning.generic import Rule
from feeds.content.markdown import render_markdown

BASE = "https://finews.withounder.com/emnews/2022/01/21/202201212257099936.html"
HIDDEN = '<p style="display:none;height:1px;overflow:hidden;"><br/></p>'
CHART = (
    '<p style="text-align:center;"><a class="EmImageRemark" data-code="002752|0|2" '
    'href="http://quote.eastmoney.com/unify/r/0.002752" target="_blank"><img alt="K图 002752_0" '
    'border="0" height="276" src="https://webquoteklinepic.eastmoney.com/GetPic.aspx?'
    'nid=0.002752&amp;imageType=k&amp;token=28dfeb41d35cc81d84b4664d7c23c49f&amp;at=1" '
    'width="578"/></a></p>'
)
WIDGET = f"<!-- EM_StockImg_Start -->{CHART}<!-- EM_StockImg_End -->"
BARE_CHART = (
    '<p style="text-align:center;"><img alt="K图 000625_0" src="https://webquoteklinepic.'
    'eastmoney.com/GetPic.aspx?nid=0.000625&amp;imageType=k"/></p>'
)


def post_body(path: Path) -> str:
    """Return the text after the second `---` line, as Jekyll would (front matter may be broken)."""
    lines = path.read_bytes().decode("utf-8").split("\n")
    fences = [number for number, line in enumerate(lines) if line.rstrip("\r") == "---"]
    return "\n".join(lines[fences[1] + 1 :])


def clean_post(name: str) -> CleanBody:
    return clean_body(render_markdown(post_body(real_post(name))), base_url=BASE)


def run(rule: Rule, html: str) -> str:
    return clean_html(html, (rule,))


WIDGETS = [
    (
        f"{HIDDEN}{WIDGET}<p>昇兴股份(002752)1月21日晚间</p>",
        f"{HIDDEN}<p>昇兴股份(002752)1月21日晚间</p>",
    ),
    (f"{HIDDEN}{WIDGET}{HIDDEN}{WIDGET}<p>每经AI快讯</p>", f"{HIDDEN}{HIDDEN}<p>每经AI快讯</p>"),
    (
        f"<!-- EM_StockImg_Start -->{BARE_CHART}<!-- EM_StockImg_End --><p>6月14日</p>",
        "<p>6月14日</p>",
    ),
    ("<!-- EM_StockImg_Start --><p>正文</p>", "<p>正文</p>"),
    ("<p>正文</p><!-- other -->", "<p>正文</p><!-- other -->"),
]

CHARTS = [
    (f"{CHART}<p>正文</p>", "<p>正文</p>"),
    (f"{BARE_CHART}<p>正文</p>", "<p>正文</p>"),
    ('<img src="//webquoteklinepic.eastmoney.com/GetPic.aspx?nid=1"/><p>正文</p>', "<p>正文</p>"),
    (
        '<p>图：<img src="https://webquoteklinepic.eastmoney.com/GetPic.aspx?nid=1"/></p>',
        "<p>图：</p>",
    ),
    (
        '<figure><img src="https://dfscdn.dfcfw.com/download/D1.jpg"/></figure>',
        '<figure><img src="https://dfscdn.dfcfw.com/download/D1.jpg"/></figure>',
    ),
    # Ancestors go once the last chart in them has, and only those left showing nothing.
    (f"<div>{BARE_CHART} <div>{BARE_CHART}</div></div><p>正文</p>", "<p>正文</p>"),
    (
        f"<div>{BARE_CHART}<p>文</p><div>{BARE_CHART}</div>尾</div>",
        "<div><p>文</p>尾</div>",
    ),
]

FOOTERS = [
    ('<p><a href="../emnews/">返回东财滚动新闻</a>\n<a href="../">返回首页</a></p>', ""),
    (
        '<p><a href="//finews.withounder.com/emnews/">返回东财滚动新闻</a>\n'
        '<a href="//finews.withounder.com/">返回首页</a></p>',
        "",
    ),
    (
        '<p><a href="//finews.withounder.com/emnews/">返回东财滚动新闻</a>｜'
        '<a href="//finews.withounder.com/">返回首页</a></p>',
        "",
    ),
    (
        '<p>正文</p>\n<p><a href="//finews.withounder.com/category/shanghaizhengquanbao.html">'
        '返回上海证券报新闻</a>｜<a href="//finews.withounder.com/">返回首页</a></p>\n',
        "<p>正文</p>",
    ),
    ("<p>正文</p>", "<p>正文</p>"),
    ('<p>请<a href="/">返回首页</a>查看</p>', '<p>请<a href="/">返回首页</a>查看</p>'),
    (
        '<p><a href="https://finance.eastmoney.com/a/202205302396506117.html">点击阅读报告全文</a></p>',
        '<p><a href="https://finance.eastmoney.com/a/202205302396506117.html">点击阅读报告全文</a></p>',
    ),
]

KEYWORD_LINKS = [
    (
        '<span id="stock_0.002752"><a class="keytip" data-code="0,002752" '
        'href="http://quote.eastmoney.com/unify/r/0.002752">昇兴股份</a></span>',
        '<span id="stock_0.002752">昇兴股份</span>',
    ),
    (
        '<span id="Info.3332"><a class="infokey" href="http://data.eastmoney.com/notices/">公告</a></span>',
        '<span id="Info.3332">公告</span>',
    ),
    (
        '<a href="https://finance.eastmoney.com/a/202205302396506117.html">点击阅读报告全文</a>',
        '<a href="https://finance.eastmoney.com/a/202205302396506117.html">点击阅读报告全文</a>',
    ),
]

TICKER_SPANS = [
    (
        '<p><span id="stock_0.002752">昇兴股份</span><span id="quote_0.002752"></span>(002752)</p>',
        "<p>昇兴股份(002752)</p>",
    ),
    (
        '<p>发展<span class="em_stock_key_common" data-code="116,01315" '
        'href="http://quote.eastmoney.com/unify/r/116.01315" web="1">绿色经济</span>。</p>',
        "<p>发展绿色经济。</p>",
    ),
    (
        '<p><span id="bk_90.BK0493">新能源</span><span id="bkquote_90.BK0493"></span>汽车</p>',
        "<p>新能源汽车</p>",
    ),
    ('<p><span id="Info.3321">业绩</span>增长点</p>', "<p>业绩增长点</p>"),
    ('<p><span id="note">x</span></p>', '<p><span id="note">x</span></p>'),
]

CREDITS = [
    (
        '<figure><img src="a.jpg"/></figure><p style="text-align:center;">图源：央视新闻</p>',
        '<figure><img src="a.jpg"/><figcaption>图源：央视新闻</figcaption></figure>',
    ),
    (
        '<figure><img src="a.jpg"/></figure>\n <p>图片来源：霍尼韦尔官网</p>',
        '<figure><img src="a.jpg"/><figcaption>图片来源：霍尼韦尔官网</figcaption></figure>',
    ),
    (
        '<figure><img src="a.jpg"/></figure><p>据介绍，商汤位于上海临港的AIDC</p>',
        '<figure><img src="a.jpg"/></figure><p>据介绍，商汤位于上海临港的AIDC</p>',
    ),
    ("<p>图源：央视新闻</p>", "<p>图源：央视新闻</p>"),
]

SCRAPER_ATTRIBUTES = [
    (
        '<img orginial_src="https://dfscdn.dfcfw.com/download/D1_o.jpg" '
        'src="https://dfscdn.dfcfw.com/download/D1.jpg"/>',
        '<img src="https://dfscdn.dfcfw.com/download/D1.jpg"/>',
    ),
    (
        '<a href="https://x.example/" web="1">绿色经济</a>',
        '<a href="https://x.example/">绿色经济</a>',
    ),
    ('<img alt="Image" src="a.jpg"/>', '<img alt="Image" src="a.jpg"/>'),
]


@pytest.mark.parametrize(("html", "expected"), WIDGETS)
def test_remove_widget_blocks(html: str, expected: str) -> None:
    assert run(remove_widget_blocks, html) == expected


@pytest.mark.parametrize(("html", "expected"), CHARTS)
def test_remove_chart_images(html: str, expected: str) -> None:
    assert run(remove_chart_images, html) == expected


@pytest.mark.parametrize(("html", "expected"), FOOTERS)
def test_remove_nav_footer(html: str, expected: str) -> None:
    assert run(remove_nav_footer, html) == expected


@pytest.mark.parametrize(("html", "expected"), KEYWORD_LINKS)
def test_unwrap_keyword_links(html: str, expected: str) -> None:
    assert run(unwrap_keyword_links, html) == expected


@pytest.mark.parametrize(("html", "expected"), TICKER_SPANS)
def test_unwrap_ticker_spans(html: str, expected: str) -> None:
    assert run(unwrap_ticker_spans, html) == expected


@pytest.mark.parametrize(("html", "expected"), CREDITS)
def test_attach_image_credits(html: str, expected: str) -> None:
    assert run(attach_image_credits, html) == expected


@pytest.mark.parametrize(("html", "expected"), SCRAPER_ATTRIBUTES)
def test_drop_scraper_attributes(html: str, expected: str) -> None:
    assert run(drop_scraper_attributes, html) == expected


def test_keyword_span_inside_outlet_name_unwraps_to_one_name() -> None:
    html = (
        '<p class="em_media">（文章来源：上海<span id="bk_90.BK0473"><a class="keytip" '
        'href="http://quote.eastmoney.com/unify/r/90.BK0473">证券</a></span>'
        '<span id="bkquote_90.BK0473"></span>报）</p>'
    )
    rules = (unwrap_keyword_links, unwrap_ticker_spans)
    assert clean_html(html, rules) == '<p class="em_media">（文章来源：上海证券报）</p>'


JUNK = (
    "EM_StockImg",
    "display:none",
    "style=",
    "class=",
    "<center",
    "返回首页",
    "返回东财滚动新闻",
    "文章来源",
    "K图",
    "webquoteklinepic",
    "orginial_src",
    "quote.eastmoney.com",
    'href="//',
    'src="//',
    "\r",
)


@pytest.mark.parametrize("path", FIXTURES, ids=lambda path: path.name)
def test_real_post_has_no_junk(path: Path) -> None:
    html = clean_post(path.name).html
    for junk in JUNK:
        assert junk not in html, junk


@pytest.mark.parametrize("path", FIXTURES, ids=lambda path: path.name)
def test_real_post_is_well_formed_with_absolute_urls(path: Path) -> None:
    root = etree.fromstring(f"<div>{clean_post(path.name).html}</div>")
    urls = [value for element in root.iter() for value in element.attrib.values()]
    assert all(url.startswith(("http://", "https://")) for url in urls if "/" in url)
    for element in root.iter("a", "img"):
        url = element.get("href") or element.get("src")
        assert url is not None and url.startswith(("http://", "https://")), element.attrib


def test_two_widgets_leave_both_paragraphs() -> None:
    html = clean_post("2022-02-11-NW202202112274017262.md").html
    assert html.startswith("<p>每经AI快讯，有投资者在投资者互动平台提问")
    assert html.count("<p>") == 3  # two article paragraphs and the attribution line
    assert "<img" not in html


def test_center_image_keeps_its_credit_as_figcaption() -> None:
    html = clean_post("2022-01-25-NW202201252261386140.md").html
    assert html.count("<figure>") == 3
    assert (
        '<img alt="Image" src="https://dfscdn.dfcfw.com/download/D24755540220003965744_w543h352.jpg"/>'
        "<figcaption>图源：央视新闻</figcaption></figure>"
    ) in html


def test_in_body_link_to_another_article_is_kept() -> None:
    html = clean_post("2022-05-30-202205302396671291.md").html
    assert (
        '（<a href="https://finance.eastmoney.com/a/202205302396506117.html">点击阅读报告全文</a>）'
    ) in html


def test_entities_stay_escaped_text() -> None:
    html = clean_post("-202205262391921712.md").html
    assert "《&lt;蒙特利尔议定书&gt;基加利修正案》" in html


def test_bodies_without_junk_come_through_unchanged() -> None:
    assert clean_post("2021-12-01-init.md").html == "<p>祝贺开站</p>"
