"""Summaries: the opening of the cleaned body, cut at a sentence or character boundary."""

import dataclasses
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import feeds.content.entries
import feeds.content.summary
from conftest import FINEWS, real_post
from conftest import REAL_POSTS as FIXTURES
from feeds.config import load_config
from feeds.content.cleaning import clean_body
from feeds.content.entries import make_entry, plain_text
from feeds.content.markdown import render_markdown
from feeds.content.summary import MAX_CHARS, lines, sentence_ends, summarize, summarize_html
from feeds.errors import PostError
from feeds.source.posts import load_front_matter, parse_post, read_post

BASE = "https://finews.withounder.com/emnews/2022/01/21/202201212257099936.html"


def post_body(path: Path) -> str:
    """Return the text after the second `---` line, as Jekyll would (front matter may be broken)."""
    lines = path.read_bytes().decode("utf-8").split("\n")
    fences = [number for number, line in enumerate(lines) if line.rstrip("\r") == "---"]
    return "\n".join(lines[fences[1] + 1 :])


A, B = "甲" * 149, "乙" * 100
TEXTS = [
    ("祝贺开站", "祝贺开站"),
    ("  北向资金净流入达30亿元。\n ", "北向资金净流入达30亿元。"),
    ("第一行\n\n第二行", "第一行 第二行"),
    ("字" * MAX_CHARS, "字" * MAX_CHARS),
    # the first sentence end at or after 150 characters wins
    (f"{A}。{B}。{B}", f"{A}。"),
    (f"{A}。”{B}", f"{A}。”"),
    (f"{A}！{B}", f"{A}！"),
    # else the last sentence end before 150, if not too short
    (f"{'甲' * 99}。{'乙' * 150}。", f"{'甲' * 99}。"),
    # no usable sentence end: cut at a character, with an ellipsis
    ("字" * 300, "字" * (MAX_CHARS - 1) + "…"),
    (f"{'甲' * 30}。{'乙' * 300}", "甲" * 30 + "。" + "乙" * (MAX_CHARS - 32) + "…"),
    # a decimal point is not a sentence end
    ("预计2021年净利润1.66亿元" * 20, None),
    # combining marks stay with their letter
    ("字" * 198 + "e\u0301" + "字" * 50, "字" * 198 + "…"),
    # Latin text is cut between words
    ("word " * 80, ("word " * 40).rstrip() + "…"),
    ("word " * 38 + "abcdefghij" * 5, ("word " * 38).rstrip() + "…"),
]


@pytest.mark.parametrize(("text", "expected"), TEXTS)
def test_summarize(text: str, expected: str | None) -> None:
    summary = summarize(text)
    assert len(summary) <= MAX_CHARS
    if expected is None:
        assert summary.endswith("…")
        assert "1.66" in summary
    else:
        assert summary == expected


HTML = [
    ("<p>祝贺开站</p>", "祝贺开站"),
    (
        '<figure><img alt="K图 002752_0" src="https://x/a.jpg"/><figcaption>图源：央视新闻</figcaption>'
        "</figure><p>正文。</p>",
        "正文。",
    ),
    ("<table><tr><td>数据</td></tr></table><p>正文。</p>", "正文。"),
    ("<p>第一行<br/>第二行</p><p>第三段</p>", "第一行 第二行 第三段"),
    ("<blockquote><p>摘要。</p></blockquote><p>摘要。</p><p>下文。</p>", "摘要。 下文。"),
    (
        "<blockquote><p>摘要内容很长。</p></blockquote><p>摘要内容很长。（<a href='https://x/'>全文</a>）</p>",
        "摘要内容很长。",
    ),
    ("<p><strong>背景</strong></p><p>背景资料显示。</p>", "背景 背景资料显示。"),
    ("<p>A&amp;B &lt;C&gt;</p>", "A&B <C>"),
    ("", ""),
]


@pytest.mark.parametrize(("html", "expected"), HTML)
def test_summarize_html(html: str, expected: str) -> None:
    assert summarize_html(html) == expected


@pytest.mark.parametrize("path", FIXTURES, ids=lambda path: path.name)
def test_real_summary_is_article_text_only(path: Path) -> None:
    result = clean_body(render_markdown(post_body(path)), base_url=BASE)
    assert 0 < len(result.summary) <= MAX_CHARS
    for junk in ("K图", "返回", "来源：", "图源", "图片来源", "http", "<>", "原文"):
        assert junk not in result.summary, junk
    assert "\n" not in result.summary


def test_summary_skips_the_image_credit() -> None:
    path = real_post("2022-01-25-NW202201252261386140.md")
    summary = clean_body(render_markdown(post_body(path)), base_url=BASE).summary
    assert summary.startswith(
        "AI业内备受瞩目的商汤科技上海临港人工智能计算中心，近日宣布正式启动运营。"
    )
    assert 150 <= len(summary) <= MAX_CHARS
    assert summary.endswith("。")


def test_summary_does_not_repeat_the_digest() -> None:
    path = real_post("2022-05-30-202205302396671291.md")
    summary = clean_body(render_markdown(post_body(path)), base_url=BASE).summary
    assert summary.count("周一央行研究局课题组发布政策研究报告指出") == 1


def test_a_giant_body_is_summarized_from_its_opening(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each block is compared with the blocks kept before it; past the opening a summary
    needs, no more are compared (8,000 paragraphs cost 16 million comparisons)."""
    compared = []
    repeats = feeds.content.summary.repeats
    monkeypatch.setattr(
        feeds.content.summary, "repeats", lambda a, b: compared.append(a) or repeats(a, b)
    )
    html = "".join(f"<p>第{i}段，写得不长。</p>" for i in range(8000))
    summary = summarize_html(html)
    assert summary.startswith("第0段，写得不长。 第1段，写得不长。")
    assert len(summary) <= MAX_CHARS
    assert len(compared) < 1000


@pytest.mark.parametrize(
    ("summary", "expected"),
    [
        ("a<textarea>b", "a b"),  # nothing of a wrapper around the fragment shows
        ("a</body>b</html>c", "a b c"),
        ("<b><i>x</b>y</i></body>z", "x y z"),
        ("x&#1;y</body>z", "xy z"),
        ("<title>T</title>text", "T text"),
        ("a<script>s</script>b<style>t</style>c<!-- d -->e", "a b c e"),
        ("<p>a</p><p>b &amp; c</p>", "a b & c"),
        ("<!-- only markup -->", ""),
        ("<div>" * 300 + "deep" + "</div>" * 300 + " after", "deep after"),
    ],
)
def test_front_matter_summaries_are_read_as_text(summary: str, expected: str) -> None:
    assert plain_text(summary) == expected


def test_a_summary_that_fails_costs_its_post_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = load_config(None, source=FINEWS, out=tmp_path)
    relpath = "_posts/2022-01-25-NW202201252261386140.md"
    text = read_post(FINEWS / relpath, relpath)
    assert text is not None
    post = parse_post(relpath, load_front_matter(text.front, relpath), config.site)
    post = dataclasses.replace(post, summary="<b>x</b>")
    assert make_entry(post, config.source, config.cleaning).summary == "x"

    def fail(html: str) -> str:
        raise ValueError("boom")

    monkeypatch.setattr(feeds.content.entries, "plain_text", fail)
    with pytest.raises(PostError, match="summary: ValueError: boom"):
        make_entry(post, config.source, config.cleaning)


@pytest.mark.parametrize(
    "pieces",
    [[], [""], ["\n"], ["a", "\n", "b"], ["a\nb\n\nc", "d", "\n"], ["\n\n", "x\n", "", "y"]],
)
def test_lines_are_the_joined_pieces_split_at_newlines(pieces: list[str]) -> None:
    assert list(lines(iter(pieces))) == "".join(pieces).split("\n")


def _sentence_ends_by_character(text: str) -> list[int]:
    """sentence_ends as its docstring defines it, a character at a time."""
    ends = []
    for index, char in enumerate(text):
        if char in "。！？!?" or (char == "." and text[index + 1 : index + 2] in {"", " "}):
            end = index + 1
            while end < len(text) and text[end] in "”’」』）)\"'":
                end += 1
            ends.append(end)
    return ends


@given(st.text(alphabet="a .。！？!?”’」』）)\"'\n", max_size=30))
def test_sentence_ends_are_found_as_defined(text: str) -> None:
    assert list(sentence_ends(text)) == _sentence_ends_by_character(text)
