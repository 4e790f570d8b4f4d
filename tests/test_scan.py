"""The scan reads a chunk of files one stage at a time: each file must still get its own
row, in order, whatever happened to the files around it."""

import hashlib
import os
import tracemalloc
from pathlib import Path

import pytest

import feeds.incremental.scan
from conftest import FINEWS_SITE
from feeds.errors import PostError
from feeds.incremental.cache import BAD, GONE, NOT_A_POST, POST, UNPUBLISHED, FileRow, post_from_row
from feeds.incremental.scan import scan_chunk, scan_file
from feeds.model import Post, Site
from feeds.source.discover import UNSTATED, find_post_files
from feeds.source.posts import (
    Unpublished,
    front_matter_only,
    load_front_matter,
    post_fields,
    read_bytes,
)

SITE = FINEWS_SITE
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
def files(tmp_path: Path) -> tuple[Path, list[feeds.incremental.scan.SourceFile]]:
    for name, text in FILES.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    listing = find_post_files(tmp_path, exclude=(), jobs=1)
    return tmp_path, listing.files()


def test_each_file_gets_its_own_row_whatever_its_neighbours_are(
    files: tuple[Path, list[feeds.incremental.scan.SourceFile]], monkeypatch: pytest.MonkeyPatch
) -> None:
    source, listed = files
    (source / "2022-01-05-unreadable.md").unlink()  # gone since it was listed
    post_fields = feeds.incremental.scan.post_fields

    def buggy(relpath: str, *args: object) -> object:
        if "bug" in relpath:
            raise KeyError("a parsing bug")
        return post_fields(relpath, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(feeds.incremental.scan, "post_fields", buggy)
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
            post = post_from_row((row.relpath, row.id, row.post))
            assert post.title == f"{row.relpath[9]}号", row
    assert all(row.digest for row in rows if row.relpath != "2022-01-05-unreadable.md")


def scan_alone(file: feeds.incremental.scan.SourceFile, source: Path, site: Site) -> FileRow:
    """One file, start to end: what the scan did before it went a stage at a time."""
    stamp = (file.relpath, file.size, file.mtime_ns)
    try:
        data = read_bytes(f"{source}/{file.relpath}", file.relpath, file.size)
    except PostError as exc:
        return FileRow(*stamp, "", BAD, str(exc))
    digest = hashlib.sha256(data).hexdigest()[:32]
    try:
        text = front_matter_only(data, file.relpath)
        if text is None:
            return FileRow(*stamp, digest, NOT_A_POST)
        front = load_front_matter(text.front, file.relpath)
        post = post_fields(file.relpath, front, site, file.dir_categories)
    except Unpublished:
        return FileRow(*stamp, digest, UNPUBLISHED)
    except PostError as exc:
        return FileRow(*stamp, digest, BAD, str(exc))
    return FileRow.of_post(*stamp, digest, post)


EDGE_CASES: dict[str, str | bytes] = {
    "2022-01-03-draft.md": '---\ntitle: x\npublished: "no"\n---\nb\n',
    "2022-01-04-draft-bad-date.md": "---\ntitle: x\npublished: false\ndate: 2022-13-45\n---\nb\n",
    "2022-01-05-list.md": "---\n- a\n- b\n---\nb\n",
    "2022-01-06-empty.md": "---\n---\nbody\n",
    "2022-01-07-dots.md": "---\ntitle: dots\n...\nbody\n",
    "2022-01-08-unclosed.md": "---\ntitle: open\nbody\n",
    "2022-01-09-latin.md": "---\ntitle: caf\xe9\n---\nbody\n".encode("latin-1"),
    "2022-01-10-binary.md": b"\x00\x01\x02---\n",
    "2022-01-11-types.md": "---\ntitle: 2020\ntags: [yes, no, 1.5, ~]\nid: 0x1F\n---\nb\n",
    "2022-01-12-alias.md": "---\na: &x [1,2]\nb: *x\ntitle: t\n---\nb\n",
    "2022-01-13-late.md": "intro\n---\ntitle: late\n---\nbody\n",
    "2022-01-14-bom.md": "\ufeff---\ntitle: bom\n---\nbody\n",
    "2022-01-15-utf16.md": "---\ntitle: u16\n---\nbody\n".encode("utf-16"),
    "2022-01-16-nested.md": "---\ntitle: " + "[" * 150 + "]" * 150 + "\n---\nb\n",
    "2022-01-17-perma.md": "---\ntitle: P\npermalink: /:year/:short_day/:slug/\nslug: a b\n---\n",
    "2022-01-18-multiline.md": '---\ntitle: "l1\n\n  true"\ndescription: |\n  2020-01-01\n---\nb\n',
    "2022-01-19-hour-25.md": "---\ntitle: t\ndate: 2022-01-19T25:00:00\n---\nb\n",
    "2022-01-20-percent.md": "---\ntitle: 涨50%\ncategories: emnews\n---\nb\n",
}


def test_a_chunk_gives_what_scanning_each_file_alone_gave(tmp_path: Path) -> None:
    for name, text in {**FILES, **EDGE_CASES}.items():
        data = text.encode("utf-8") if isinstance(text, str) else text
        (tmp_path / name).write_bytes(data)
    listed = find_post_files(tmp_path, exclude=(), jobs=1).files()
    (tmp_path / "2022-01-05-unreadable.md").unlink()
    expected = [scan_alone(f, tmp_path, SITE) for f in listed]
    assert {row.kind for row in expected} == {POST, BAD, UNPUBLISHED, NOT_A_POST}
    assert scan_chunk(listed, tmp_path, SITE) == expected


def test_a_chunk_holds_one_file_at_a_time_not_all_of_them(tmp_path: Path) -> None:
    body = "正文。" * 200_000  # 1.8 MB a post
    for i in range(20):
        text = f"---\ntitle: 第{i}篇\ndate: 2022-01-01 10:00:00 +0800\n---\n{body}\n"
        (tmp_path / f"2022-01-01-big-{i:02d}.md").write_text(text, encoding="utf-8")
    listed = find_post_files(tmp_path, exclude=(), jobs=1).files()

    def peak_of(files: list[feeds.incremental.scan.SourceFile]) -> int:
        tracemalloc.start()
        try:
            assert [row.kind for row in scan_chunk(files, tmp_path, SITE)] == [POST] * len(files)
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    alone = peak_of(listed[:1])
    assert alone < 3 * len(body.encode("utf-8"))
    assert peak_of(listed) < 2 * alone  # not twenty posts' bytes at once


def test_an_unstated_listing_is_scanned_as_a_stated_one(tmp_path: Path) -> None:
    """A new cache lists files without asking each its size and mtime: the scan learns
    them from the file it opens. Rows equal those of a listing that asked. Only what the
    listing says is a regular file is opened so: a fifo (whose writer our open and close
    would kill) or a link is asked with `stat` first, as ever."""
    for name, text in {**FILES, **EDGE_CASES}.items():
        data = text.encode("utf-8") if isinstance(text, str) else text
        (tmp_path / name).write_bytes(data)
    os.mkfifo(tmp_path / "2022-02-01-fifo.md")
    (tmp_path / "2022-02-02-folder.md").symlink_to(tmp_path)
    (tmp_path / "2022-02-03-dangling.md").symlink_to(tmp_path / "nothing.md")
    (tmp_path / "2022-02-04-link.md").symlink_to(tmp_path / "2022-01-01-good.md")
    stated = find_post_files(tmp_path, exclude=(), jobs=1)
    unstated = find_post_files(tmp_path, exclude=(), jobs=1, stat=False)
    assert not unstated.stated and unstated.relpaths == stated.relpaths
    link = unstated.relpaths.index("2022-02-04-link.md")
    stamp = stated.sizes[link], stated.mtimes[link]
    assert (unstated.sizes[link], unstated.mtimes[link]) == stamp
    assert set(unstated.sizes[:link]) | set(unstated.sizes[link + 1 :]) == {UNSTATED}
    (tmp_path / "2022-01-05-unreadable.md").unlink()  # gone since it was listed
    rows = {row.relpath: row for row in scan_chunk(unstated.files(), tmp_path, SITE)}
    assert {relpath for relpath, row in rows.items() if row.kind == GONE} == {
        "2022-01-05-unreadable.md"
    }
    expected = [row for row in scan_chunk(stated.files(), tmp_path, SITE) if row.digest]
    assert [rows[row.relpath] for row in expected] == expected


def test_a_file_there_but_unreadable_keeps_its_stamp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """It is reported, and tried again at the next build: the cache must hold its real
    size and mtime, not the unstated ones."""
    (tmp_path / "2022-01-01-good.md").write_text(GOOD.format(n=1), encoding="utf-8")
    unstated = find_post_files(tmp_path, exclude=(), jobs=1, stat=False)
    real_open = os.open

    def refusing(path: str, flags: int, *args: object, **kwargs: object) -> int:
        if str(path).endswith("good.md"):
            raise PermissionError(13, "Permission denied")
        return real_open(path, flags, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", refusing)
    (row,) = scan_chunk(unstated.files(), tmp_path, SITE)
    st = (tmp_path / "2022-01-01-good.md").stat()
    assert (row.kind, row.digest, row.size, row.mtime_ns) == (BAD, "", st.st_size, st.st_mtime_ns)
    assert row.message == "2022-01-01-good.md: read: Permission denied"


def test_a_file_whose_stamp_cannot_be_taken_is_reported_not_taken_for_a_bug(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`fstat` on the open file failing (a stale NFS handle) is a read error, with the
    stamp `stat` gives, as for a file that cannot be opened."""
    (tmp_path / "2022-01-01-good.md").write_text(GOOD.format(n=1), encoding="utf-8")
    unstated = find_post_files(tmp_path, exclude=(), jobs=1, stat=False)

    real_fstat = os.fstat

    def stale(fd: int) -> os.stat_result:  # for the post only: imports use fstat too
        if str(Path(f"/proc/self/fd/{fd}").readlink()).endswith("good.md"):
            raise OSError(116, "Stale file handle")
        return real_fstat(fd)

    monkeypatch.setattr(os, "fstat", stale)
    (row,) = scan_chunk(unstated.files(), tmp_path, SITE)
    st = (tmp_path / "2022-01-01-good.md").stat()
    assert (row.kind, row.digest, row.size, row.mtime_ns) == (BAD, "", st.st_size, st.st_mtime_ns)
    assert row.message == "2022-01-01-good.md: read: Stale file handle"


ROUND_TRIP_FRONTS = [
    {"title": "最小", "date": "2022-01-25 22:27:49 +0800"},
    {
        "title": "every field",
        "date": "2022-01-25 22:27:49 -0530",
        "last_modified_at": "2022-02-01 08:00:00 +0000",
        "categories": ["市场", "emnews"],
        "category": "one more",
        "tags": "a b",
        "author": {"name": "Ann", "email": "ann@example.com", "uri": "https://ann.example/"},
        "description": "A summary\nover lines",
        "source": "财联社",
        "source_url": "https://www.cls.cn/detail/1",
        "id": "urn:uuid:0b4f7e3a-0000-4000-8000-000000000001",
    },
    {"title": "a name only", "date": "2022-01-25", "author": "Bo", "tags": ["x"]},
]


@pytest.mark.parametrize("front", ROUND_TRIP_FRONTS)
@pytest.mark.parametrize("name", ["_posts/2022-01-25-post.md", "news/_posts/2022-01-25-p.html"])
def test_a_stored_post_reads_back_as_the_post_it_was(front: dict[str, object], name: str) -> None:
    fields = post_fields(name, front, SITE, ("news",) if name.startswith("news") else ())
    row = FileRow.of_post(name, 1, 2, "d", fields)
    post = post_from_row((row.relpath, row.id, row.post))
    assert post == Post(*fields)
    assert post.published.utcoffset() == fields[3].utcoffset()
    assert post.updated.utcoffset() == fields[4].utcoffset()
