"""One bad post costs that post only: one stderr line naming it, exit 3, the rest published.

Each case puts one fixture beside the two good posts of seeds/ and runs the real command.
Fixtures that are text live in tests/data/bad/, named for what they pin; those that must
be made as bytes (other encodings, byte order marks, random bytes, images, huge posts)
are made here from real posts of the finews sample.
"""

import os
import random
import shutil
import struct
import subprocess
import sys
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import CONFIG, DATA, FINEWS, ROOT, SEEDS, Build, feed_files, parse

BAD = DATA / "bad"
REAL = FINEWS / "_posts"
GOOD = {
    "tag:finews.withounder.com,2022-01-25:NW202201252261386140",
    "tag:finews.withounder.com,2022-05-25:NW202205252391453833",
}
FULL_GB_POST = "2021-12-08-202112082206945215.md"
FULL_GB_TITLE = "免费研报精选：军工板块再度被激活！优质标的名单在这里！“锂电”行情尚未结束？"
SHORT_GB_POST = "2021-12-08-202112082206742097.md"
SHORT_GB_TITLE = "北向资金净流入达30亿元"
MIXED_EOL_POST = "2022-01-07-NW202201072239307540.md"  # CRLF between paragraphs only
MIXED_EOL_TITLE = "资管圈风向又变！雪球结构产品再迎强监管 信托公司雪球发行被叫停 影响多大？"
TRADITIONAL = """---
layout: post
title: "港股恆生指數收跌百分之二，科技股領跌"
date: 2021-12-08 15:11:38 +0800
categories: emnews
tags: 東財滾動新聞
---

港股恆生指數收跌百分之二，科技股領跌，市場人士認為短期震盪不改中長期趨勢。
"""
LATIN = """---
layout: post
title: "Les marchés européens ouvrent en hausse"
date: 2021-12-08 15:11:38 +0800
categories: emnews
---

Les marchés européens ont ouvert en hausse, portés par l’énergie et les matières premières.
"""


def real(name: str) -> bytes:
    return (REAL / name).read_bytes()


def source_with(tmp_path: Path, files: dict[str, bytes]) -> Path:
    """The two good posts of seeds/ and these files, in a plain folder."""
    source = tmp_path / "source"
    shutil.copytree(SEEDS, source)
    for name, data in files.items():
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        (source / name).write_bytes(data)
    return source


def published(out: Path) -> dict[str, str]:
    """id -> title of the combined feed; Atom and RSS parse and agree."""
    atom, rss = parse(out / "atom.xml"), parse(out / "rss.xml")
    titles = {e.id: e.title for e in atom.entries}
    assert titles == {e.id: e.title for e in rss.entries}
    for path in feed_files(out):
        parse(path)
    return titles


def problems(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if not line.startswith("feeds: ")]


def random_bytes(size: int) -> bytes:
    """Bytes that are no text in any encoding, without NUL (which would mark a binary)."""
    rng = random.Random(20211208)
    return bytes(rng.randrange(1, 256) for _ in range(size))


def png() -> bytes:
    """A real 1x1 PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 6, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00\xff")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def large_post(size: int) -> bytes:
    """A real post's front matter and a body of long paragraphs: `size` bytes in all."""
    head = real(SHORT_GB_POST).split(b"\n---\n", 1)[0] + b"\n---\n"
    paragraph = ("这是一段很长的正文。" * 170 + "\n\n").encode()  # 5 kB: a long article's
    end = "全文完。\n".encode()
    body = paragraph * ((size - len(head) - len(end)) // len(paragraph))
    return (head + body).ljust(size - len(end), b"\n") + end


# name in the source -> (its bytes, stage, what the reason must say)
SKIPPED: dict[str, tuple[Callable[[], bytes], str, list[str]]] = {
    "2021-12-08-unescaped-quote-in-title.md": (
        lambda: (BAD / "2021-12-08-unescaped-quote-in-title.md").read_bytes(),
        "front matter",
        ["line 3", "'title'", "'\"' inside its double quotes", "single quotes", 'escape it as \\"'],
    ),
    "2021-12-08-front-matter-is-a-list.md": (
        lambda: (BAD / "2021-12-08-front-matter-is-a-list.md").read_bytes(),
        "front matter",
        ["must be 'key: value' lines, not a list"],
    ),
    "2021-12-08-front-matter-is-a-scalar.md": (
        lambda: (BAD / "2021-12-08-front-matter-is-a-scalar.md").read_bytes(),
        "front matter",
        ["must be 'key: value' lines, not a single value"],
    ),
    "2021-12-08-front-matter-not-closed.md": (
        lambda: (BAD / "2021-12-08-front-matter-not-closed.md").read_bytes(),
        "front matter",
        ["not closed", "add a '---' line"],
    ),
    "2021-12-08-text-before-front-matter.md": (
        lambda: (BAD / "2021-12-08-text-before-front-matter.md").read_bytes(),
        "front matter",
        ["text before the opening '---'", "remove it"],
    ),
    "2021-12-08-python-object-tag.md": (
        lambda: (BAD / "2021-12-08-python-object-tag.md").read_bytes(),
        "front matter",
        ["line 3", "!!python/object/apply:os.system", "not allowed", "never run"],
    ),
    "2021-12-08-yaml-alias-bomb.md": (
        lambda: (BAD / "2021-12-08-yaml-alias-bomb.md").read_bytes(),
        "front matter",
        ["YAML aliases", "expand"],
    ),
    "-202205262391921712.md": (  # the real archive's post with `date:  +0800`
        lambda: real("-202205262391921712.md"),
        "front matter",
        ["'date'", "'+0800' is not a date like 2022-01-25 22:27:49 +0800"],
    ),
    "2021-12-08-random-bytes.md": (
        lambda: random_bytes(4000),
        "decode",
        ["not UTF-8", "nor Chinese GB18030", "convert it", "iconv"],
    ),
    "2021-12-08-random-bytes-after-front-matter.md": (
        lambda: real(SHORT_GB_POST).split(b"\n---\n")[0] + b"\n---\n" + random_bytes(2000),
        "decode",
        ["not UTF-8 (bad byte on line 8)", "iconv"],
    ),
    "2021-12-08-big5-traditional-chinese.md": (
        lambda: TRADITIONAL.encode("big5"),
        "decode",
        ["not UTF-8", "iconv -f BIG5 -t UTF-8 (BIG5 is a guess)"],
    ),
    "2021-12-08-cp1252-latin.md": (
        lambda: LATIN.encode("cp1252"),
        "decode",
        ["not UTF-8", "iconv -f"],
    ),
    "2021-12-08-bom-then-gbk.md": (
        lambda: b"\xef\xbb\xbf" + real(SHORT_GB_POST).decode().encode("gbk"),
        "decode",
        ["not valid UTF-8", "save it as UTF-8"],
    ),
    "2021-12-08-larger-than-16-mib.md": (
        lambda: large_post(16 * 2**20 + 1),
        "read",
        ["larger than 16 MiB, the limit for one post"],
    ),
    "2021-12-08-nine-mib.md": (  # under the file limit, over what a feed entry may hold
        lambda: large_post(9 * 2**20),
        "render",
        ["9 MiB of HTML, over the 8 MiB a feed entry may hold; split the post"],
    ),
}


@pytest.mark.parametrize("name", SKIPPED)
def test_a_bad_post_is_named_skipped_and_the_rest_published(
    name: str, tmp_path: Path, build: Build, monkeypatch: pytest.MonkeyPatch
) -> None:
    make, stage, reasons = SKIPPED[name]
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out"
    result = build("--source", source_with(tmp_path, {name: make()}), "--out", out)
    assert result.exit_code == 3, result.stderr
    [line] = problems(result.stderr)
    assert line.startswith(f"{name}: {stage}: "), line
    for reason in reasons:
        assert reason in line
    assert "skipped 1," in result.stderr
    assert published(out).keys() == GOOD


def test_yaml_tags_are_never_run(
    tmp_path: Path, build: Build, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    post = (BAD / "2021-12-08-python-object-tag.md").read_bytes()
    result = build("--source", source_with(tmp_path, {"p.md": post}), "--out", tmp_path / "o")
    assert result.exit_code == 3
    assert not list(tmp_path.rglob("PWNED")) and not (ROOT / "PWNED").exists()


def gb(name: str, encoding: str = "gb18030") -> bytes:
    return real(name).decode("utf-8").encode(encoding)


def crlf(name: str) -> bytes:
    return real(name).replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


# name in the source -> (its bytes, the title the feed must carry, a piece of its content)
PUBLISHED: dict[str, tuple[Callable[[], bytes], str, str]] = {
    "2021-12-08-missing-title.md": (  # Jekyll's fallback: the file name's words
        lambda: (BAD / "2021-12-08-missing-title.md").read_bytes(),
        "Missing Title",
        "北向资金净流入达30亿元",
    ),
    "2021-12-08-202112082206703990.md": (  # real: a blank line before the '---'
        lambda: real("2021-12-08-202112082206703990.md"),
        "FF：有充足的现金支持到FF 91完成投产",
        "Faraday Future",
    ),
    "2021-12-08-gb18030.md": (lambda: gb(FULL_GB_POST), FULL_GB_TITLE, "东兴证券表示"),
    "2021-12-08-gbk-short.md": (lambda: gb(SHORT_GB_POST, "gbk"), SHORT_GB_TITLE, "北向资金"),
    "2021-12-08-gbk-tiny.md": (
        lambda: "---\ntitle: 涨停\ndate: 2021-12-08 10:00:00\n---\n涨停。\n".encode("gbk"),
        "涨停",
        "涨停。",
    ),
    "2021-12-08-utf8-bom.md": (
        lambda: b"\xef\xbb\xbf" + real(SHORT_GB_POST),
        SHORT_GB_TITLE,
        "北向资金",
    ),
    "2021-12-08-utf16-bom.md": (
        lambda: real(SHORT_GB_POST).decode().encode("utf-16"),
        SHORT_GB_TITLE,
        "北向资金",
    ),
    MIXED_EOL_POST: (lambda: real(MIXED_EOL_POST), MIXED_EOL_TITLE, "雪球结构产品"),
    "2021-12-08-crlf.md": (lambda: crlf(FULL_GB_POST), FULL_GB_TITLE, "东兴证券表示"),
    "2021-12-08-cr-only.md": (
        lambda: real(FULL_GB_POST).replace(b"\n", b"\r"),
        FULL_GB_TITLE,
        "东兴证券表示",
    ),
    "2021-12-08-control-characters.md": (  # and a NUL, U+FFFE, U+FFFF, &#1; in the body
        lambda: (BAD / "2021-12-08-control-characters.md").read_bytes(),
        "北向资金[0m净流入达30亿元",
        "控制字符",
    ),
    "2021-12-08-empty-body.md": (
        lambda: (BAD / "2021-12-08-empty-body.md").read_bytes(),
        SHORT_GB_TITLE,
        "",
    ),
    "2021-12-08-five-mb.md": (lambda: large_post(5 * 2**20), SHORT_GB_TITLE, "全文完"),
}


@pytest.mark.parametrize("name", PUBLISHED)
def test_an_odd_but_readable_post_is_published(name: str, tmp_path: Path, build: Build) -> None:
    make, title, content = PUBLISHED[name]
    out = tmp_path / "out"
    result = build("--source", source_with(tmp_path, {name: make()}), "--out", out)
    assert result.exit_code == 0, result.stderr
    assert problems(result.stderr) == []
    titles = published(out)
    [new] = titles.keys() - GOOD
    assert titles[new] == title
    [entry] = [e for e in parse(out / "atom.xml").entries if e.id == new]
    body = entry.content[0].value if "content" in entry else ""
    assert content in body
    assert "\r" not in body and "\ufffe" not in body and "\x00" not in body
    for path in feed_files(out):  # no control character, and no CR, even as a reference
        raw = path.read_bytes()
        assert not any(bytes([c]) in raw for c in [*range(0x09), *range(0x0B, 0x20), 0x7F])
        assert b"&#13;" not in raw and b"&#XD;" not in raw.upper()


def test_files_that_are_not_posts_are_ignored_silently(tmp_path: Path, build: Build) -> None:
    source = source_with(
        tmp_path,
        {
            ".DS_Store": b"\x00\x00\x00\x01Bud1" + bytes(2040),
            "images/chart.png": png(),
            "README.md": (BAD / "README.md").read_bytes(),
            "notes-cp1252.txt": "Notes de l’équipe — à relire".encode("cp1252"),
            "README-gbk.txt": "本目录存放东方财富新闻。".encode("gbk"),
            "2021-12-08-image-named-like-a-post.md": png(),
        },
    )
    out = tmp_path / "out"
    result = build("--source", source, "--out", out)
    assert result.exit_code == 0
    assert result.stderr.splitlines() == [
        "feeds: read 2 posts, skipped 0, wrote 9 feeds (0 unchanged)"
    ]
    assert published(out).keys() == GOOD


def run_isolated(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """The command in a process of its own: a hang or a crash fails the test, not the suite."""
    return subprocess.run(
        [sys.executable, "-m", "feeds", "build", "--config", str(CONFIG), *map(str, args)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_symlink_loops_dangling_links_and_fifos_neither_crash_nor_hang(tmp_path: Path) -> None:
    source = source_with(tmp_path, {})
    (source / "2021-12-08-dangling.md").symlink_to("gone.md")
    os.mkfifo(source / "2021-12-08-fifo.md")  # opened for reading, it waits for a writer
    (source / "loop.md").symlink_to("loop.md")
    (source / "archive").mkdir()
    (source / "archive" / "again").symlink_to("..")
    (source / "archive" / "self").symlink_to(".")
    out = tmp_path / "out"
    result = run_isolated("--source", source, "--out", out)
    assert result.returncode == 0, result.stderr
    assert problems(result.stderr) == []
    assert published(out).keys() == GOOD


def test_deeply_nested_front_matter_neither_crashes_nor_hangs(tmp_path: Path) -> None:
    """PyYAML's C loader recurses on nesting: 50,000 levels overflow its stack."""
    head = "---\ntitle: deep\ndate: 2021-12-08 10:00:00\n"
    deep = {
        "2021-12-08-nested-flow.md": head + "x: " + "[" * 50_000 + "]" * 50_000 + "\n---\nb\n",
        "2021-12-08-nested-block.md": head + "x:\n" + "- " * 50_000 + "y\n---\nb\n",
    }
    source = source_with(tmp_path, {k: v.encode() for k, v in deep.items()})
    out = tmp_path / "out"
    result = run_isolated("--source", source, "--out", out)
    assert result.returncode == 3, result.stderr
    assert sorted(problems(result.stderr)) == [
        f"{name}: front matter: nested over 100 levels deep" for name in sorted(deep)
    ]
    assert published(out).keys() == GOOD


def test_a_body_nested_past_what_the_html_parser_reads_is_named_not_cut(tmp_path: Path) -> None:
    """libxml2 stops reading at 2,048 levels, without an error: the body's end, and so
    the article's last paragraphs, would have gone missing from the feed unsaid."""
    head = "---\ntitle: {}\ndate: 2021-12-08 10:00:00\n---\n"
    deep = {
        "2021-12-08-nested-divs.md": "<div>" * 3000 + "end" + "</div>" * 3000,
        "2021-12-08-nested-quotes.md": "> " * 3000 + "end\n",  # Markdown
        # A fragment with a </body> of its own is parsed another way, with no limit; the
        # sanitizer's parse would cut it.
        "2021-12-08-nested-page.md": "<p>a</p></body>" + "<div>" * 3000 + "end" + "</div>" * 3000,
        # 1,800 levels, until nh3 puts a <tbody> in each table.
        "2021-12-08-nested-tables.md": "<table><tr><td>" * 600 + "end" + "</td></tr></table>" * 600,
    }
    files = {name: head.format("deep") + body for name, body in deep.items()}
    files["2021-12-09-shallow.md"] = (
        head.format("shallow") + "<div>" * 1500 + "<p>the very end</p>" + "</div>" * 1500
    )
    source = source_with(tmp_path, {k: v.encode() for k, v in files.items()})
    out = tmp_path / "out"
    result = run_isolated("--source", source, "--out", out)
    assert result.returncode == 3, result.stderr
    assert sorted(problems(result.stderr)) == [
        f"{name}: clean: its HTML is nested too deep for the HTML parser (2,048 levels at "
        "most): the rest of the body would be lost; flatten its markup"
        for name in sorted(deep)
    ]
    titles = published(out)
    assert "deep" not in titles.values()
    assert len(titles) == len(GOOD) + 1
    (shallow,) = (e for e in parse(out / "atom.xml").entries if e.title == "shallow")
    assert "<p>the very end</p>" in shallow.content[0].value


def test_a_file_whose_name_is_not_utf8_is_named_and_the_rest_published(tmp_path: Path) -> None:
    """os.listdir gives such a name with surrogate escapes, which no XML or cache holds:
    it once failed the whole build with a UnicodeEncodeError."""
    source = source_with(tmp_path, {})
    misnamed = source / os.fsdecode(b"2022-01-26-caf\xe9.md")  # a Latin-1 file name
    misnamed.write_bytes(real(SHORT_GB_POST))
    out = tmp_path / "out"
    expected = [
        "2022-01-26-caf\\xe9.md: read: the file name is not UTF-8; rename it (convmv "
        "converts names from another encoding)"
    ]
    for _ in range(2):  # the second build finds nothing changed, and says it again
        result = run_isolated("--source", source, "--out", out)
        assert result.returncode == 3, result.stderr
        assert problems(result.stderr) == expected
        assert published(out).keys() == GOOD
    misnamed.rename(source / "2022-01-26-cafe.md")
    result = run_isolated("--source", source, "--out", out)
    assert result.returncode == 0, result.stderr
    assert problems(result.stderr) == []
    assert len(published(out)) == 3
