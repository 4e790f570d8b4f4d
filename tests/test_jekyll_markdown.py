"""Issue 21, item 3: a post's Markdown as Jekyll's kramdown (GFM input) reads it, one
minimal post per row, checked in the content a reader gets. The rows no maintained Python
or C parser reads as kramdown does are strict xfails: they say what is missing, and turn
red when a parser gets them right (docs/design.md, "Markdown"). What kramdown makes of
each was checked with kramdown 2.4 and kramdown-parser-gfm 1.1 (Debian's packages)."""

from pathlib import Path

import pytest
from lxml import html

from conftest import parse, run_build

XFAIL_NO_PARSER = pytest.mark.xfail(
    strict=True, reason="no maintained parser for Python reads it as kramdown (docs/design.md)"
)


def site(root: Path, body: str, *, config: str = "", toml: str = "") -> Path:
    """A Jekyll site of one post with `body`, and its feeds.toml (generic cleaning)."""
    (root / "_posts").mkdir(parents=True)
    (root / "_config.yml").write_text(f"url: https://ex.org\ntitle: T\n{config}", "utf-8")
    front = "---\ntitle: A post\ndate: 2024-01-02 10:00:00 +0000\n---\n"
    (root / "_posts" / "2024-01-02-a-post.md").write_text(front + body, "utf-8")
    (root / "feeds.toml").write_text(f'cleaning = "generic"\n{toml}', "utf-8")
    return root


def content(tmp_path: Path, body: str, **kw: str) -> html.HtmlElement:
    """The entry's content in the Atom feed, as a reader's HTML tree."""
    src = site(tmp_path / "site", body, **kw)
    out = tmp_path / "out"
    result = run_build("--source", src, "--out", out, config=src / "feeds.toml")
    assert result.exit_code == 0, result.stderr
    (entry,) = parse(out / "atom.xml").entries
    tree: html.HtmlElement = html.fragment_fromstring(entry.content[0].value, create_parent="div")
    return tree


def test_gfm_table_is_a_table(tmp_path: Path) -> None:
    tree = content(tmp_path, "| a | b |\n|---|---|\n| 1 | 2 |\n")
    assert [c.text for c in tree.xpath("//table//th")] == ["a", "b"]
    assert [c.text for c in tree.xpath("//table//td")] == ["1", "2"]


def test_strikethrough(tmp_path: Path) -> None:
    assert content(tmp_path, "a ~~gone~~ b\n").xpath("//del/text()") == ["gone"]


def test_smart_quotes_dashes_and_ellipsis_by_default(tmp_path: Path) -> None:
    tree = content(tmp_path, 'It\'s "quoted" -- and --- so...\n')
    assert tree.text_content().strip() == "It’s “quoted” – and — so…"


@pytest.mark.parametrize(
    ("config", "toml"),
    [
        ("", "smart_quotes = false\n"),
        ("kramdown:\n  smart_quotes: apos,apos,quot,quot\n", ""),
    ],
    ids=["feeds.toml", "kramdown-config"],
)
def test_smart_quotes_switched_off(tmp_path: Path, config: str, toml: str) -> None:
    tree = content(tmp_path, 'It\'s "quoted" -- so...\n', config=config, toml=toml)
    assert tree.text_content().strip() == 'It\'s "quoted" -- so...'


def test_feeds_toml_smart_quotes_wins_over_kramdown(tmp_path: Path) -> None:
    tree = content(
        tmp_path,
        "It's\n",
        config="kramdown:\n  smart_quotes: apos,apos,quot,quot\n",
        toml="smart_quotes = true\n",
    )
    assert tree.text_content().strip() == "It’s"


def test_smart_quotes_leave_html_and_code_alone(tmp_path: Path) -> None:
    tree = content(tmp_path, '<p title="x">"raw"</p>\n\n`"code"`\n')
    assert tree.xpath("//p[1]/text()") == ['"raw"']
    assert tree.xpath("//code/text()") == ['"code"']


def test_footnote_is_a_note_at_the_end(tmp_path: Path) -> None:
    tree = content(tmp_path, "Text[^1] here.\n\n[^1]: The note.\n")
    assert tree.xpath("//p[1]/sup/a/text()") == ["1"]
    assert "[^1]" not in tree.text_content()
    assert tree.xpath("//ol/li")[0].text_content().startswith("The note.")


@XFAIL_NO_PARSER
def test_bold_next_to_cjk_punctuation(tmp_path: Path) -> None:
    tree = content(tmp_path, "他说**不能，因为心智模型不同。**我觉得如此。\n")
    assert tree.xpath("//strong/text()") == ["不能，因为心智模型不同。"]


@XFAIL_NO_PARSER
def test_indented_html_inside_an_html_block(tmp_path: Path) -> None:
    tree = content(tmp_path, "<div>\n\n    <p>inner</p>\n\n</div>\n")
    assert not tree.xpath("//pre") and tree.xpath("//div/p/text()") == ["inner"]


@XFAIL_NO_PARSER
def test_indented_html_after_an_unclosed_p(tmp_path: Path) -> None:
    tree = content(tmp_path, '<p>open\n\n    <a href="https://ex.org/x">inner</a>\n')
    assert not tree.xpath("//pre") and tree.xpath("//a/text()") == ["inner"]


@XFAIL_NO_PARSER
def test_link_url_with_a_space(tmp_path: Path) -> None:
    tree = content(tmp_path, "[a](https://ex.org/a b.html)\n")
    assert tree.xpath("//a/@href") == ["https://ex.org/a%20b.html"]


@XFAIL_NO_PARSER
def test_link_url_with_an_escaped_parenthesis(tmp_path: Path) -> None:
    """kramdown counts `\\)` as a parenthesis, and keeps the backslash in the URL."""
    tree = content(tmp_path, "[a](https://ex.org/a_(b\\))\n")
    assert tree.xpath("//a/text()") == ["a"]


@pytest.mark.xfail(
    strict=True, reason="cmark-gfm has no definition lists; the parsers that do miss more"
)
def test_definition_list(tmp_path: Path) -> None:
    tree = content(tmp_path, "term\n: definition\n")
    assert tree.xpath("//dl/dt/text()") == ["term"]
