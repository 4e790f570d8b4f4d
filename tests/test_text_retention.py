"""At least 99% of each real post's article text survives cleaning.

The reference text is taken from the rendered body with lxml and a few plain text
tests, independently of the cleaning rules: the visible paragraphs, minus hidden
ones, the navigation footer, the `（文章来源：…）` line and the source autolink.
A paragraph counts as kept only if its whole text (blanks ignored) is in the output.
"""

import re
from collections.abc import Callable
from pathlib import Path
from statistics import mean

import lxml.html
import pytest
from lxml import etree

from conftest import REAL_POSTS as FIXTURES
from conftest import real_post
from feeds.content.cleaning import clean_body
from feeds.content.markdown import render_markdown

BASE = "https://finews.withounder.com/emnews/2022/01/21/202201212257099936.html"
THRESHOLD = 0.99
TEXT_BLOCKS = (
    "//p | //li[not(.//p)] | //h1 | //h2 | //h3 | //h4 | //h5 | //h6"
    " | //td[not(.//p)] | //th[not(.//p)] | //figcaption | //dt | //dd"
)
NOT_ARTICLE = (
    re.compile(r"(返回\S*)(\s*[｜|]?\s*返回\S*)*"),  # navigation footer
    re.compile(r"[（(]文章来源[：:].*[）)]"),  # attribution line
    re.compile(r"https?://\S+|<>"),  # source autolink, or an empty one
)


def post_body(path: Path) -> str:
    """Return the text after the second `---` line, as Jekyll would (front matter may be broken)."""
    lines = path.read_bytes().decode("utf-8").split("\n")
    fences = [number for number, line in enumerate(lines) if line.rstrip("\r") == "---"]
    return "\n".join(lines[fences[1] + 1 :])


def squeeze(text: str) -> str:
    return "".join(text.split())


def is_hidden(element: lxml.html.HtmlElement) -> bool:
    for node in [element, *element.iterancestors()]:
        if "display:none" in squeeze(node.get("style", "")).lower() or "hidden" in node.attrib:
            return True
    return False


def article_paragraphs(rendered: str) -> list[str]:
    """The visible article text of a rendered body, one string per paragraph, blanks removed."""
    if not rendered.strip():
        return []
    root = lxml.html.fragment_fromstring(rendered, create_parent="div")
    paragraphs = []
    for block in root.xpath(TEXT_BLOCKS):
        text = "".join(block.itertext()).strip()
        if not text or is_hidden(block) or any(junk.fullmatch(text) for junk in NOT_ARTICLE):
            continue
        paragraphs.append(squeeze(text))
    return paragraphs


def output_text(cleaned: str) -> str:
    """The text of a cleaned body without our own closing `来源：…` line, blanks removed."""
    root = etree.fromstring(f"<div>{cleaned}</div>")
    last = root[-1] if len(root) else None
    if last is not None and last.tag == "p" and "".join(last.itertext()).startswith("来源："):
        root.remove(last)
    return squeeze("".join(root.itertext()))


def retention(paragraphs: list[str], output: str) -> float:
    """Share of the article's characters in paragraphs found whole in the output."""
    total = sum(len(paragraph) for paragraph in paragraphs)
    kept = sum(len(paragraph) for paragraph in paragraphs if paragraph in output)
    return kept / total if total else 1.0


def measure(path: Path) -> tuple[float, int]:
    rendered = render_markdown(post_body(path))
    paragraphs = article_paragraphs(rendered)
    output = output_text(clean_body(rendered, base_url=BASE).html)
    return retention(paragraphs, output), sum(map(len, paragraphs))


@pytest.mark.parametrize("path", FIXTURES, ids=lambda path: path.name)
def test_article_text_survives(path: Path, record_property: Callable[[str, object], None]) -> None:
    share, characters = measure(path)
    record_property("retention", round(share, 4))
    assert characters > 0
    assert share >= THRESHOLD, f"{path.name}: {share:.2%} of {characters} characters kept"


def test_retention_report() -> None:
    figures = {path.name: measure(path) for path in FIXTURES}
    for name, (share, characters) in figures.items():
        print(f"{share:8.2%} {characters:6d}  {name}")
    shares = [share for share, _ in figures.values()]
    print(f"min {min(shares):.2%}  mean {mean(shares):.2%}  posts {len(shares)}")
    assert len(FIXTURES) >= 20
    assert min(shares) >= THRESHOLD


def test_the_measure_notices_a_lost_paragraph() -> None:
    rendered = render_markdown(post_body(real_post("2022-01-25-NW202201252261386140.md")))
    cleaned = clean_body(rendered, base_url=BASE).html
    paragraphs = article_paragraphs(rendered)
    without_one = cleaned.replace(
        "<p>而商汤的这座计算中心具有“价廉”的优势，其在商业化上更具竞争力。</p>", ""
    )
    assert without_one != cleaned
    assert retention(paragraphs, output_text(cleaned)) == 1.0
    assert retention(paragraphs, output_text(without_one)) < THRESHOLD


def test_the_reference_leaves_out_junk_only() -> None:
    rendered = render_markdown(post_body(real_post("2022-01-21-202201212257099936.md")))
    paragraphs = article_paragraphs(rendered)
    assert not any("返回" in paragraph or "文章来源" in paragraph for paragraph in paragraphs)
    assert not any(paragraph.startswith("http") for paragraph in paragraphs)
    assert paragraphs[0].startswith("昇兴股份(002752)1月21日晚间公告")
    assert len(paragraphs) == 2  # the digest and the article paragraph
