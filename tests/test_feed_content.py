"""What a reader sees in the entries built from the real posts: clean article HTML, its
source named three ways, and nothing active, whatever a post carries."""

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from lxml import etree, html

from conftest import FINEWS, NS, Build, feed_files, parse, xml

JUNK = ["EM_StockImg", "display:none", "style=", "class=", "<center", "返回首页", "返回东财"]
CREDIT = re.compile(r"来源：([^<·]+?)(?: · |</p>)")


def contents(out: Path) -> list[tuple[Path, str]]:
    found = []
    for path in feed_files(out):
        root = xml(path)
        bodies = root.xpath("//a:content/text()", namespaces=NS) or root.xpath(
            "//content:encoded/text()", namespaces=NS
        )
        found += [(path, body) for body in bodies]
    return found


def test_no_junk_in_any_entry(finews_out: Path) -> None:
    bodies = contents(finews_out)
    assert len(bodies) > 300
    for path, body in bodies:
        for junk in JUNK:
            assert junk not in body, (path, junk)


def test_every_url_is_absolute(finews_out: Path) -> None:
    for path, body in contents(finews_out):
        for element in html.fragment_fromstring(body, create_parent="div").iter():
            for attribute in ("href", "src"):
                url = element.get(attribute)
                if url is not None:
                    parts = urlsplit(url)
                    assert parts.scheme in ("http", "https", "mailto") and (
                        parts.netloc or parts.scheme == "mailto"
                    ), (path, url)


def test_content_is_well_formed(finews_out: Path) -> None:
    for _, body in contents(finews_out):
        etree.fromstring(f"<div>{body}</div>")  # XML, hence also a clean HTML fragment


def test_outlet_and_original_article_in_content_rss_source_and_atom_via(
    finews_out: Path,
) -> None:
    atom = {
        e.id: e for p in feed_files(finews_out) if p.name == "atom.xml" for e in parse(p).entries
    }
    sources = {
        item.findtext("guid"): item.find("source")
        for p in feed_files(finews_out)
        if p.name == "rss.xml"
        for item in xml(p).iter("item")
    }
    named = 0
    for id_, entry in atom.items():
        body = entry.content[0].value
        credit = CREDIT.search(body)
        via = [link.href for link in entry.links if link.rel == "via"]
        source = sources[id_]
        if via:
            assert source is not None and source.get("url") == via[0]
            assert f'<a href="{via[0].replace("&", "&amp;")}">原文</a>' in body
        if credit:
            named += 1
            if via:
                assert source is not None and source.text == credit.group(1)
    naming = [p for p in (FINEWS / "_posts").iterdir() if "文章来源" in p.read_text("utf-8")]
    assert named == len(naming) - 1  # all but the post skipped for its date


def test_the_outlet_split_by_a_keyword_span_is_whole(finews_out: Path) -> None:
    entries = parse(finews_out / "emnews/atom.xml").entries
    body = next(e for e in entries if e.id.endswith("202201212257099936")).content[0].value
    assert "来源：证券时报" in body


def test_summaries_are_plain_text_openings(finews_out: Path) -> None:
    for entry in parse(finews_out / "atom.xml").entries:
        assert "<" not in entry.summary
        assert len(entry.summary) <= 200
        assert "来源：" not in entry.summary and "K图" not in entry.summary


XSS = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    '<a href=" javascript:alert(1)">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    "<svg onload=alert(1)><script>alert(1)</script></svg>",
    '<iframe src="https://evil.example/"></iframe>',
    '<object data="https://evil.example/x.swf"></object>',
    '<embed src="https://evil.example/x.swf">',
    '<meta http-equiv="refresh" content="0;url=https://evil.example/">',
    "<style>@import 'https://evil.example/x.css';</style>",
    '<form action="https://evil.example/"><input name=a></form>',
    '<div style="background:url(javascript:alert(1))">x</div>',
    '<body onload="alert(1)">',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<<script>alert(1);//<</script>",
    '<img src="x` `<script>alert(1)</script>"` `>',
    "<!--<script>alert(1)</script>-->",
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">x</a>',
]
ACTIVE = re.compile(
    r"<(script|iframe|object|embed|meta|style|form|svg|math|base|link)\b|"
    r"\bon[a-z]+\s*=|javascript:|vbscript:|data:text",
    re.IGNORECASE,
)


@pytest.mark.parametrize("vector", XSS)
def test_xss_vectors_never_reach_a_feed(tmp_path: Path, build: Build, vector: str) -> None:
    posts = tmp_path / "posts"
    posts.mkdir()
    (posts / "2022-01-01-x.md").write_text(
        "---\ntitle: 'x <script>alert(1)</script>'\ndate: 2022-01-01 10:00:00 +0800\n"
        f"categories: emnews\n---\n<p>正文</p>\n\n{vector}\n\n<p>后文</p>\n",
        encoding="utf-8",
    )
    assert build("--source", posts, "--out", tmp_path / "out").exit_code == 0
    for path in feed_files(tmp_path / "out"):
        root = xml(path)
        for text in root.xpath(
            "//a:content/text() | //content:encoded/text() | "
            "//a:summary/text() | //description/text()",
            namespaces=NS,
        ):
            assert not ACTIVE.search(text), (path, text)
        feed = parse(path)
        assert feed.entries[0].title == "x <script>alert(1)</script>"  # text, shown as typed
        if "<style>" not in vector:  # an unclosed <style> hides the rest, as in a browser
            assert "后文" in feed.entries[0].content[0].value
