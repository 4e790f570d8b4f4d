"""The scan reads a chunk of files one stage at a time: each file must still get its own
row, in order, whatever happened to the files around it."""

from pathlib import Path

import pytest

import feeds.scan
from feeds.cache import BAD, NOT_A_POST, POST, UNPUBLISHED
from feeds.discover import find_post_files
from feeds.model import Site
from feeds.scan import scan_chunk, scan_file

SITE = Site(
    title="测试",
    url="https://example.org",
    description="",
    language="zh-CN",
    timezone="Asia/Shanghai",
    author=None,
    permalink="/:categories/:year/:month/:day/:title:output_ext",
)
GOOD = (
    "---\ntitle: {n}号\ndate: 2022-01-0{n} 10:00:00 +0800\ncategories: emnews\n---\n<p>正文</p>\n"
)
FILES = {
    "2022-01-01-good.md": GOOD.format(n=1),
    "2022-01-02-bad-yaml.md": '---\ntitle: "a "quoted" word"\n---\nbody\n',
    "2022-01-03-good.md": GOOD.format(n=3),
    "2022-01-04-draft.md": GOOD.format(n=4).replace("---\n<p>", "published: false\n---\n<p>"),
    "2022-01-05-unreadable.md": GOOD.format(n=5),
    "2022-01-06-good.md": GOOD.format(n=6),
    "2022-01-07-bug.md": GOOD.format(n=7),
    "notes.txt": "no front matter here\n",
    "2022-01-08-bad-date.md": GOOD.format(n=8).replace("2022-01-08 10", "2022-13-45 10"),
    "2022-01-09-good.md": GOOD.format(n=9),
}


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, list[feeds.scan.SourceFile]]:
    for name, text in FILES.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    listing = find_post_files(tmp_path, exclude=(), jobs=1)
    return tmp_path, listing.files()


def test_each_file_gets_its_own_row_whatever_its_neighbours_are(
    files: tuple[Path, list[feeds.scan.SourceFile]], monkeypatch: pytest.MonkeyPatch
) -> None:
    source, listed = files
    (source / "2022-01-05-unreadable.md").unlink()  # gone since it was listed
    parse_post = feeds.scan.parse_post

    def buggy(relpath: str, *args: object) -> object:
        if "bug" in relpath:
            raise KeyError("a parsing bug")
        return parse_post(relpath, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(feeds.scan, "parse_post", buggy)
    rows = scan_chunk(listed, source, SITE)
    kinds = {row.relpath: row.kind for row in rows}
    assert [row.relpath for row in rows] == [f.relpath for f in listed]
    assert kinds == {
        "2022-01-01-good.md": POST,
        "2022-01-02-bad-yaml.md": BAD,
        "2022-01-03-good.md": POST,
        "2022-01-04-draft.md": UNPUBLISHED,
        "2022-01-05-unreadable.md": BAD,
        "2022-01-06-good.md": POST,
        "2022-01-07-bug.md": BAD,
        "2022-01-08-bad-date.md": BAD,
        "2022-01-09-good.md": POST,
        "notes.txt": NOT_A_POST,
    }
    assert rows == [scan_file(f, source, SITE) for f in listed]
    by_path = {row.relpath: row for row in rows}
    assert "KeyError" in str(by_path["2022-01-07-bug.md"].message)
    assert "2022-13-45" in str(by_path["2022-01-08-bad-date.md"].message)
    for row in rows:  # each post's own front matter, not a neighbour's
        if row.kind == POST:
            assert f'"{row.relpath[9]}号"' in str(row.post), row
    assert all(row.digest for row in rows if row.relpath != "2022-01-05-unreadable.md")
