"""Files that must not be read as posts, and encodings that must not be guessed (issue 16,
items 4 and 13): each case sits beside the two good posts of seeds/ and runs the command."""

from pathlib import Path

import pytest
from test_bad_posts import GOOD, problems, published, source_with

from conftest import Build

JAPANESE = """---
layout: post
title: "東京株式市場は続落、半導体株が下げを主導"
date: 2021-12-08 15:11:38 +0800
categories: emnews
---

東京株式市場で日経平均株価は続落した。半導体関連株の下げが目立ち、投資家の慎重な姿勢が続いている。
"""
KOREAN = """---
title: "서울 증시 하락"
date: 2021-12-08 15:11:38 +0800
---

서울 증시는 반도체주 약세로 하락했다.
"""
POST = """---
title: "Editor leftovers"
date: 2021-12-08 15:11:38 +0800
categories: emnews
---

An editor's copy of a post, not the post.
"""


@pytest.mark.parametrize(
    "name",
    [
        "#2021-12-08-autosave.md#",  # Emacs autosave
        "2021-12-08-backup.md~",  # Emacs and vim backup
        "~2021-12-08-lock.md",
        "2021-12-08-merge.md.orig",  # a merge tool's copy
        "_2021-12-08-underscore.md",  # Jekyll ignores these too
    ],
)
def test_editor_and_backup_files_are_ignored_as_jekyll_does(
    name: str, tmp_path: Path, build: Build, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out"
    result = build("--source", source_with(tmp_path, {name: POST.encode()}), "--out", out)
    assert result.exit_code == 0, result.stderr
    assert problems(result.stderr) == []
    assert set(published(out)) == GOOD
    assert not (out / "emnews").exists()


def test_euc_jp_is_refused_with_an_iconv_hint_not_published_as_mojibake(
    tmp_path: Path, build: Build, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out"
    name = "2021-12-08-euc-jp.md"
    result = build(
        "--source", source_with(tmp_path, {name: JAPANESE.encode("euc_jp")}), "--out", out
    )
    assert result.exit_code == 3, result.stderr
    (line,) = problems(result.stderr)
    assert line.startswith(f"{name}: decode: not UTF-8")
    assert "iconv -f EUC-JP -t UTF-8" in line
    assert set(published(out)) == GOOD


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_bom_after_a_blank_line_is_read(
    encoding: str, tmp_path: Path, build: Build, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out"
    text = "\r\n" + JAPANESE.replace("\n", "\r\n")
    result = build(
        "--source",
        source_with(tmp_path, {"2021-12-08-u16.md": text.encode(encoding)}),
        "--out",
        out,
    )
    assert result.exit_code == 0, result.stderr
    titles = published(out)
    assert set(titles) - GOOD == {"tag:finews.withounder.com,2021-12-08:u16"}
    assert "東京株式市場は続落、半導体株が下げを主導" in titles.values()


@pytest.mark.parametrize(
    ("encoding", "name"), [("iso2022_jp", "ISO-2022-JP"), ("iso2022_kr", "ISO-2022-KR")]
)
def test_seven_bit_iso_2022_text_is_refused_not_read_as_utf8(
    encoding: str, name: str, tmp_path: Path, build: Build, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out"
    text = JAPANESE if encoding.endswith("jp") else KOREAN
    post = "2021-12-08-iso-2022.md"
    result = build("--source", source_with(tmp_path, {post: text.encode(encoding)}), "--out", out)
    assert result.exit_code == 3, result.stderr
    (line,) = problems(result.stderr)
    assert line.startswith(f"{post}: decode: {name} text, not UTF-8")
    assert f"iconv -f {name} -t UTF-8" in line
    assert set(published(out)) == GOOD
