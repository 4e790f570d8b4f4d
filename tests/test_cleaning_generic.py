"""Generic cleaning rules: one (input HTML, expected HTML) table per rule."""

import pytest

from feeds.content.cleaning import clean_body, clean_html, parse_body, serialize_body
from feeds.content.cleaning.generic import (
    GENERIC_RULES,
    Rule,
    absolute_url,
    absolutize_urls,
    center_images_to_figures,
    drop_presentational_attributes,
    normalize_newlines,
    remove_comments,
    remove_empty_paragraphs,
    remove_hidden_elements,
    remove_non_content_elements,
    remove_stray_breaks,
    remove_xml_forbidden_characters,
    strip_block_edges,
    unwrap_bare_spans,
)
from feeds.content.cleaning.tree import TooDeep
from feeds.content.markdown import render_markdown

BASE = "https://finews.withounder.com/shanghaizhengquanbao/2022/01/25/NW202201252261386140.html"


def run(rule: Rule, html: str) -> str:
    return clean_html(html, (rule,))


NON_CONTENT = [
    ("<p>a</p><script>alert(1)</script>", "<p>a</p>"),
    ("<style>@import 'x.css';</style><p>a</p>", "<p>a</p>"),
    ('<p>a<iframe src="https://x"></iframe></p>', "<p>a</p>"),
    ("<noscript><p>enable js</p></noscript><p>a</p>", "<p>a</p>"),
    ("<template><p>t</p></template><p>a</p>", "<p>a</p>"),
    ('<svg onload="x"><text>t</text></svg><p>a</p>', "<p>a</p>"),
    ('<form><input value="x"/><button>go</button>label</form>', "<form>label</form>"),
    ('<object data="x"></object><embed src="y"/><p>a</p>', "<p>a</p>"),
    ('<xmp><p title="</xmp>"><p>a</p>', '"&gt;<p>a</p>'),
    ("<p>keep <b>bold</b></p>", "<p>keep <b>bold</b></p>"),
]

HIDDEN = [
    (
        '<p style="display:none;height:1px;overflow:hidden;"><br/></p><p>a</p>',
        "<p>a</p>",
    ),
    ('<p style="display:none;height:1px;overflow:hidden;"> </p><p>a</p>', "<p>a</p>"),
    ('<p style="DISPLAY : None !important">x</p><p>a</p>', "<p>a</p>"),
    ('<div style="visibility:hidden"><p>x</p></div><p>a</p>', "<p>a</p>"),
    ("<p hidden>x</p><p>a</p>", "<p>a</p>"),
    ('<p style="display:block">a</p>', '<p style="display:block">a</p>'),
    (
        '<p style="text-align:center;">图源：央视新闻</p>',
        '<p style="text-align:center;">图源：央视新闻</p>',
    ),
]

COMMENTS = [
    ("<!-- EM_StockImg_Start --><p>a</p><!-- EM_StockImg_End -->", "<p>a</p>"),
    ("<p>a<!-- x -->b</p>", "<p>ab</p>"),
    ("<p>a</p>", "<p>a</p>"),
]

CENTERS = [
    (
        '<center><img src="https://dfscdn.dfcfw.com/a.jpg" alt="Image"/></center>',
        '<figure><img alt="Image" src="https://dfscdn.dfcfw.com/a.jpg"/></figure>',
    ),
    (
        "<center>\n<img src='a.jpg'/>\n<img src='b.jpg'/></center>",
        '<figure>\n<img src="a.jpg"/>\n<img src="b.jpg"/></figure>',
    ),
    ("<center>centred words</center>", "<div>centred words</div>"),
    ("<center></center>", "<div></div>"),
]

ATTRIBUTES = [
    (
        '<img src="a.jpg" width="552" style="border:#d1d1d1 1px solid;" border="0"/>',
        '<img src="a.jpg"/>',
    ),
    (
        '<a href="x" class="EmImageRemark" target="_blank" data-code="002752|0|2">x</a>',
        '<a href="x">x</a>',
    ),
    ('<p class="em_media" align="center">a</p>', "<p>a</p>"),
    (
        '<table><tr><td bgcolor="red" valign="top" colspan="2">a</td></tr></table>',
        '<table><tr><td colspan="2">a</td></tr></table>',
    ),
    ('<img alt="K图" title="t" src="a.jpg"/>', '<img alt="K图" src="a.jpg" title="t"/>'),
]

BARE_SPANS = [
    ("<p>上海<span>证券</span>报</p>", "<p>上海证券报</p>"),
    ('<p><span lang="en">x</span></p>', '<p><span lang="en">x</span></p>'),
]

BREAKS = [
    ("<p>…的发展阶段。<br/></p>", "<p>…的发展阶段。</p>"),
    ("<p><br/>a</p>", "<p>a</p>"),
    ("<p>a<br/><br/> </p>", "<p>a </p>"),
    ("<p>line one<br/>line two</p>", "<p>line one<br/>line two</p>"),
    ("<p>a<br/><br/>b</p>", "<p>a<br/><br/>b</p>"),
    ("<p>a</p><br/><p>b</p>", "<p>a</p><p>b</p>"),
    ("<p><strong>a<br/></strong>b</p>", "<p><strong>a<br/></strong>b</p>"),
    ("<p>a<br/><img src='x.jpg'/></p>", '<p>a<br/><img src="x.jpg"/></p>'),
]

EMPTY_PARAGRAPHS = [
    ("<p></p><p>a</p>", "<p>a</p>"),
    ("<p> \u00a0\u3000</p><p>a</p>", "<p>a</p>"),
    ("<p><br/></p>", ""),
    ("<p><span></span></p>", ""),
    ('<p><img src="a.jpg"/></p>', '<p><img src="a.jpg"/></p>'),
    ("<p>0</p>", "<p>0</p>"),
]

BLOCK_EDGES = [
    ("<p> AI业内备受瞩目的商汤科技</p>", "<p>AI业内备受瞩目的商汤科技</p>"),
    ("<p>高出市场预期。 </p>", "<p>高出市场预期。</p>"),
    ("<p>\u00a0a b\u3000</p>", "<p>a b</p>"),
    ("<p> <strong> x </strong> </p>", "<p><strong> x </strong></p>"),
    ("<li> item </li>", "<li>item</li>"),
    ("<p> x</p>\n <p>y </p>", "<p>x</p>\n<p>y</p>"),
]


@pytest.mark.parametrize(("html", "expected"), NON_CONTENT)
def test_remove_non_content_elements(html: str, expected: str) -> None:
    assert run(remove_non_content_elements, html) == expected


@pytest.mark.parametrize(("html", "expected"), HIDDEN)
def test_remove_hidden_elements(html: str, expected: str) -> None:
    assert run(remove_hidden_elements, html) == expected


@pytest.mark.parametrize(("html", "expected"), COMMENTS)
def test_remove_comments(html: str, expected: str) -> None:
    assert run(remove_comments, html) == expected


@pytest.mark.parametrize(("html", "expected"), CENTERS)
def test_center_images_to_figures(html: str, expected: str) -> None:
    assert run(center_images_to_figures, html) == expected


@pytest.mark.parametrize(("html", "expected"), ATTRIBUTES)
def test_drop_presentational_attributes(html: str, expected: str) -> None:
    assert run(drop_presentational_attributes, html) == expected


@pytest.mark.parametrize(("html", "expected"), BARE_SPANS)
def test_unwrap_bare_spans(html: str, expected: str) -> None:
    assert run(unwrap_bare_spans, html) == expected


@pytest.mark.parametrize(("html", "expected"), BREAKS)
def test_remove_stray_breaks(html: str, expected: str) -> None:
    assert run(remove_stray_breaks, html) == expected


@pytest.mark.parametrize(("html", "expected"), EMPTY_PARAGRAPHS)
def test_remove_empty_paragraphs(html: str, expected: str) -> None:
    assert run(remove_empty_paragraphs, html) == expected


@pytest.mark.parametrize(("html", "expected"), BLOCK_EDGES)
def test_strip_block_edges(html: str, expected: str) -> None:
    assert run(strip_block_edges, html) == expected


URLS = [
    ("//finews.withounder.com/emnews/", "https://finews.withounder.com/emnews/"),
    ("../emnews/", "https://finews.withounder.com/shanghaizhengquanbao/2022/01/emnews/"),
    ("../", "https://finews.withounder.com/shanghaizhengquanbao/2022/01/"),
    ("/about.html", "https://finews.withounder.com/about.html"),
    ("#top", BASE + "#top"),
    (
        "http://finance.eastmoney.com/news/1354,202201212257099936.html",
        "http://finance.eastmoney.com/news/1354,202201212257099936.html",
    ),
    (
        "https://webquoteklinepic.eastmoney.com/GetPic.aspx?nid=0.002752&imageType=k",
        "https://webquoteklinepic.eastmoney.com/GetPic.aspx?nid=0.002752&imageType=k",
    ),
    (
        "//finews.withounder.com/category/shanghaizhengquanbao·zhongguozhengquanwang.html",
        "https://finews.withounder.com/category/shanghaizhengquanbao%C2%B7zhongguozhengquanwang.html",
    ),
    ("  https://x.example/a b  ", "https://x.example/a%20b"),
    ("mailto:editor@example.com", "mailto:editor@example.com"),
    ("javascript:alert(1)", None),
    ("JaVaScRiPt:alert(1)", None),
    ("jav\tascript:alert(1)", None),
    ("vbscript:msgbox(1)", None),
    ("data:text/html;base64,PHNjcmlwdD4=", None),
    ("ftp://example.com/x", None),
    ("http://[broken", None),
    ("http:no-host", None),
    ("", None),
]


@pytest.mark.parametrize(("url", "expected"), URLS)
def test_absolute_url(url: str, expected: str | None) -> None:
    assert absolute_url(url, BASE) == expected


ABSOLUTIZE = [
    (
        '<a href="//finews.withounder.com/">返回首页</a>',
        '<a href="https://finews.withounder.com/">返回首页</a>',
    ),
    (
        '<img src="../x.jpg"/>',
        '<img src="https://finews.withounder.com/shanghaizhengquanbao/2022/01/x.jpg"/>',
    ),
    ('<a href="javascript:alert(1)">x</a>', "<a>x</a>"),
    ('<p>x<img src="javascript:alert(1)" alt="x"/></p>', "<p>x</p>"),
    (
        '<blockquote cite="/q">q</blockquote>',
        '<blockquote cite="https://finews.withounder.com/q">q</blockquote>',
    ),
    (
        '<img src="https://a.example/GetPic.aspx?nid=1&amp;imageType=k"/>',
        '<img src="https://a.example/GetPic.aspx?nid=1&amp;imageType=k"/>',
    ),
]


@pytest.mark.parametrize(("html", "expected"), ABSOLUTIZE)
def test_absolutize_urls(html: str, expected: str) -> None:
    body = parse_body(html)
    absolutize_urls(body, BASE)
    assert serialize_body(body) == expected


TEXT = [
    ("a\r\nb\rc\n", "a\nb\nc\n"),
    ("</p>\r\n <p>", "</p>\n <p>"),
]


@pytest.mark.parametrize(("text", "expected"), TEXT)
def test_normalize_newlines(text: str, expected: str) -> None:
    assert normalize_newlines(text) == expected


FORBIDDEN = [
    ("a\x00b\x01c\x08d\x0be\x0cf\x1fg", "abcdefg"),
    ("tab\tlf\ncr\r", "tab\tlf\ncr\r"),
    ("\ufffe\uffffx\ud800y\udfff", "xy"),
    ("\x7f\x85\x9f中文", "中文"),
    ("emoji 😀 and \u00a0 nbsp", "emoji 😀 and \u00a0 nbsp"),
]


@pytest.mark.parametrize(("text", "expected"), FORBIDDEN)
def test_remove_xml_forbidden_characters(text: str, expected: str) -> None:
    assert remove_xml_forbidden_characters(text) == expected


def test_generic_rules_run_in_order_on_a_scraped_paragraph() -> None:
    html = (
        '<p style="display:none;"><br/></p><!-- c --><center><img src="a.jpg" width="5"/></center>'
        '<p class="x"> 文字<br/></p><p> </p>'
    )
    assert clean_html(html, GENERIC_RULES) == '<figure><img src="a.jpg"/></figure><p>文字</p>'


def test_generic_profile_keeps_what_only_finews_calls_junk() -> None:
    body = "正文。\n\n<http://finance.eastmoney.com/news/1354,1.html>\n\n[返回首页](//finews.withounder.com/)"
    result = clean_body(render_markdown(body), base_url=BASE, profile="generic")
    assert "返回首页" in result.html
    assert 'href="https://finews.withounder.com/"' in result.html
    assert result.outlet is None
    assert result.original_url is None


def test_unknown_profile_names_the_known_ones() -> None:
    with pytest.raises(ValueError, match="finews, generic"):
        clean_body("<p>x</p>", base_url=BASE, profile="nope")


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("<p>正文</p>\n<p>第二 &amp; <b>粗</b></p>", "<p>正文</p>\n<p>第二 &amp; <b>粗</b></p>"),
        ("<title>标题</title><p>正文</p>", "<title>标题</title><p>正文</p>"),
        ("<p>一</p></body></html><p>二</p>", "<p>一</p><p>二</p>"),  # a pasted page's end
        ("<p>一</p></BODY><p>二</p>", "<p>一</p><p>二</p>"),
        ("<p>一</p></html>\n<p>二</p></body>三", "<p>一</p>\n<p>二</p>三"),
        ("<html><body><p>嵌套</p></body></html>", "<p>嵌套</p>"),
        ("<!-- 注释 --><p>a</p>", "<!-- 注释 --><p>a</p>"),
        ("前面的字<p>a</p>后面的字", "前面的字<p>a</p>后面的字"),
        ("<head><style>p{}</style></head><p>a</p>", "<style>p{}</style><p>a</p>"),
        ('<p title="</html>">一</p><p>二</p>', '<p title="&lt;/html&gt;">一</p><p>二</p>'),
    ],
)
def test_the_body_is_written_out_whole_without_wrappers(html: str, expected: str) -> None:
    """Nothing after a `</body>` or `</html>` inside the fragment is lost, and the
    html/head/body wrappers are not written."""
    assert serialize_body(parse_body(html)) == expected


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("<p>a</p>\n  \n<p>b</p>", "<p>a</p>\n<p>b</p>"),
        ("<p>a</p>  <p>b</p>", "<p>a</p> <p>b</p>"),
        ("<pre>  \n  </pre>\n\n<p> \t </p>", "<pre>  \n  </pre>\n<p> </p>"),
        ("<pre><b>x</b>  \n </pre>", "<pre><b>x</b>  \n </pre>"),
        ("<p>a\u3000</p>\u3000<p>b</p>", "<p>a\u3000</p>\u3000<p>b</p>"),
    ],
)
def test_white_space_between_elements_is_folded_outside_pre(html: str, expected: str) -> None:
    """A string of ASCII white space alone becomes one newline or space, as entries
    have been written since the first version; <pre> keeps its own."""
    assert serialize_body(parse_body(html)) == expected


def test_character_references_to_forbidden_characters_are_dropped() -> None:
    html = '<p title="a&#1;b">x&#2;y<b>z</b>&#x1F;w</p>'
    assert serialize_body(parse_body(html)) == '<p title="ab">xy<b>z</b>w</p>'


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ('<p>a&#1;b</p><script>"</html>"</script>', "<p>ab</p>"),
        ("<p>a&#1;b</p><!-- </body> -->", "<p>ab</p>"),
        ('<p title="a&#1;b">x</p></body>', '<p title="ab">x</p>'),
    ],
)
def test_forbidden_character_references_around_a_stray_end_tag(html: str, expected: str) -> None:
    """The parse that keeps what follows `</body>` gets `&#1;` as U+0001, which lxml's
    tree refuses: it is dropped there too, not left to fail the post."""
    assert clean_body(html, base_url=BASE, profile="generic").html == expected


def test_a_string_over_ten_megabytes_does_not_cut_the_body_short() -> None:
    """libxml2 stops at 10 MB in one string unless told otherwise, without an error."""
    html = "<p>before</p><script>" + "A" * 11_000_000 + "</script><p>after</p>"
    assert clean_body(html, base_url=BASE).html == "<p>before</p><p>after</p>"


def test_nesting_deeper_than_libxml2s_default_keeps_what_follows() -> None:
    html = "<div>" * 300 + "<p>deep</p>" + "</div>" * 300 + "<p>after</p>"
    cleaned = clean_body(html, base_url=BASE, profile="generic")
    assert cleaned.html.endswith("<p>after</p>")
    assert cleaned.summary == "deep after"


@pytest.mark.parametrize(
    ("html", "whole"),
    [
        ("<div>" * 2046 + "x" + "</div>" * 2046, True),  # 2,048 with html and body
        ("<div>" * 2047 + "x" + "</div>" * 2047, False),
        ("<table><tr><td>" * 500 + "x" + "</td></tr></table>" * 500, True),
        ("<table><tr><td>" * 600 + "x" + "</td></tr></table>" * 600, False),  # tbody added
        ("<p>a" * 5000, True),  # unclosed paragraphs close each other: 3 levels
    ],
)
def test_nesting_libxml2_cannot_read_is_refused_not_cut(html: str, whole: bool) -> None:
    html += "<p>END</p>"
    if whole:
        assert clean_body(html, base_url=BASE).html.endswith("<p>END</p>")
    else:
        with pytest.raises(TooDeep):
            clean_body(html, base_url=BASE)
