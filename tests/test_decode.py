"""Bytes to text: a post is decoded exactly, or refused with a hint; never mojibake.

Every real post of the finews sample, whole and cut down to its front matter (the short
files charset detectors get wrong), is encoded in GB18030 and GBK and must come back
exactly. Text in encodings that cannot be told apart from GBK with certainty is refused.
"""

import codecs
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import FINEWS
from feeds.source.decode import UndecodableError, decode_text, looks_binary

POSTS = sorted((FINEWS / "_posts").glob("*.md"))


def front_matter(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    return text[: text.index("\n---", 4) + 5]


def whole(path: Path) -> str:
    return path.read_text(encoding="utf-8")


@pytest.mark.parametrize("encoding", ["gb18030", "gbk"])
@pytest.mark.parametrize("cut", [whole, front_matter], ids=["whole", "front-matter"])
def test_real_posts_in_gb18030_and_gbk_decode_exactly(
    encoding: str, cut: Callable[[Path], str]
) -> None:
    for path in POSTS:
        text = cut(path)
        if any(ord(c) > 127 for c in text):
            assert decode_text(text.encode(encoding)) == (text, "gb18030"), path.name


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        ("北向资金净流入达30亿元", "utf-8"),
        ("北向资金净流入达30亿元", "utf-8-sig"),
        ("北向资金净流入达30亿元", "utf-16"),
        ("涨停", "gbk"),
        ("上海证券报·中国证券网——财经", "gb18030"),  # the two marks Python's gb2312 differs on
        ("plain ASCII", "ascii"),
    ],
)
def test_decoded_exactly(text: str, encoding: str) -> None:
    data = f'---\ntitle: "{text}"\n---\n{text}\n'.encode(encoding)
    assert decode_text(data)[0] == f'---\ntitle: "{text}"\n---\n{text}\n'


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        ("港股恆生指數收跌百分之二，科技股領跌", "big5"),
        ("日銀、金融緩和を維持", "shift_jis"),
        ("東京株式市場で日経平均株価は続落した。", "shift_jis"),
        ("Les marchés européens ouvrent en hausse, portés par l’énergie", "cp1252"),
        ("naïve façade", "latin-1"),
        ("Москва: индекс МосБиржи вырос", "cp1251"),
    ],
)
def test_other_encodings_are_refused_with_a_hint_not_guessed(text: str, encoding: str) -> None:
    with pytest.raises(UndecodableError, match=r"not UTF-8 \(bad byte on line 2\).*iconv -f"):
        decode_text(f'---\ntitle: "{text}"\n---\n{text}\n'.encode(encoding))


def test_a_bom_that_lies_is_refused() -> None:
    with pytest.raises(UndecodableError, match="not valid UTF-8 although it starts as such"):
        decode_text(codecs.BOM_UTF8 + "---\ntitle: 标题\n---\n".encode("gbk"))
    with pytest.raises(UndecodableError, match="not valid UTF-16"):
        decode_text(codecs.BOM_UTF16_LE + b"-\x00-\x00\x00\xd8")  # a lone surrogate


@pytest.mark.parametrize(
    ("data", "binary"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", True),
        (b"\x00\x00\x00\x01Bud1\x00", True),  # .DS_Store
        (b"PK\x03\x04\x14\x00\x00\x00", True),  # a zip
        (b"---\ntitle: x\n---\nstray \x00 byte", False),
        (b"\xef\xbb\xbf\n\n---\ntitle: x\n---\n\x00", False),
        ("---\ntitle: x\n---\n".encode("utf-16-le"), False),
        ("---\ntitle: x\n---\n".encode("utf-16"), False),
        (b"no front matter at all", False),
    ],
)
def test_binary_files_are_told_from_posts(data: bytes, binary: bool) -> None:
    assert looks_binary(data) is binary


def test_utf16_without_a_bom_is_read_when_it_opens_with_front_matter() -> None:
    for encoding in ("utf-16-le", "utf-16-be"):
        assert decode_text("---\ntitle: 标题\n---\n".encode(encoding)) == (
            "---\ntitle: 标题\n---\n",
            encoding,
        )
