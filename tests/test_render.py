"""Bodies rendered as CommonMark with raw HTML, the way the archive's posts are written."""

import pytest

from feeds.content.markdown import render_markdown


@pytest.mark.parametrize(
    ("markdown", "html"),
    [
        ("> digest", "<blockquote>\n<p>digest</p>\n</blockquote>\n"),
        (
            "<http://a.example/news/1354,2022.html>",
            '<p><a href="http://a.example/news/1354,2022.html">http://a.example/news/1354,2022.html</a></p>\n',
        ),
        ("[返回首页](../)", '<p><a href="../">返回首页</a></p>\n'),
        ('<p style="x">raw</p>\n', '<p style="x">raw</p>\n'),
        ("<>", "<p>&lt;&gt;</p>\n"),
        ("**bold**", "<p><strong>bold</strong></p>\n"),
    ],
)
def test_render(markdown: str, html: str) -> None:
    assert render_markdown(markdown) == html


def test_digest_blockquote_then_html_body() -> None:
    html = render_markdown("> digest\n\n<p>body</p>\n\n<http://x.example/1>")
    assert html.startswith("<blockquote>") and "<p>body</p>" in html
    assert '<a href="http://x.example/1">' in html


@pytest.mark.parametrize("reference", ["&#xFFFF;", "&#XfFfE;", "&#65535;", "&#0065534;"])
def test_a_reference_to_a_noncharacter_renders_as_the_replacement_character(
    reference: str,
) -> None:
    assert render_markdown(f"a {reference} b") == "<p>a \ufffd b</p>\n"
