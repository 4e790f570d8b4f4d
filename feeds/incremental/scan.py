"""Scan: each new or changed source file becomes a FileRow: a post, a bad post, or nothing.

Reading files and parsing their front matter is what a cold build of a large archive
costs, so it runs in worker processes; a post that fails costs that post only.
"""

import hashlib
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from feeds.errors import Crashed, PostError
from feeds.incremental.cache import BAD, GONE, NOT_A_POST, UNPUBLISHED, FileRow
from feeds.model import Site
from feeds.source.discover import UNSTATED, SourceFile
from feeds.source.posts import (
    Unpublished,
    UnreadableFile,
    front_matter_only,
    load_front_matter,
    post_fields,
    read_bytes,
    read_new,
)
from feeds.workers import map_chunks

CHUNK = 250


class Gone(Exception):
    """A listed file that is gone, or no regular file, when it comes to be read."""


def scan_files(
    files: Sequence[SourceFile],
    source: Path,
    site: Site,
    *,
    jobs: int,
    meanwhile: Callable[[], object] | None = None,
) -> Iterator[list[FileRow]]:
    """FileRows for files, a chunk at a time, in the order given; `meanwhile`: see
    workers.map_chunks."""
    work = partial(_scan_chunk, source=source, site=site)
    died = partial(_died, source=source)
    chunks = map_chunks(
        work, files, jobs=jobs, chunk=CHUNK, minimum=4 * CHUNK, died=died, meanwhile=meanwhile
    )
    for chunk in chunks:
        yield list(map(FileRow._make, chunk))


def _died(file: SourceFile, how: str, *, source: Path) -> tuple[object, ...]:
    """A bad post, with a digest: it is not read again until its size or mtime change."""
    size, mtime_ns = file.size, file.mtime_ns
    if size == UNSTATED:
        try:
            st = (source / file.relpath).stat()
            size, mtime_ns = st.st_size, st.st_mtime_ns
        except OSError:
            return tuple(FileRow(file.relpath, 0, 0, "", GONE, None))
    message = str(Crashed(file.relpath, "read", f"the process reading it {how}"))
    return tuple(FileRow(file.relpath, size, mtime_ns, "crashed", BAD, message))


def _scan_chunk(
    files: Sequence[SourceFile], *, source: Path, site: Site
) -> list[tuple[object, ...]]:
    # Plain tuples cross the process boundary: unpickling named tuples costs twice as much.
    return [tuple(row) for row in scan_chunk(files, source, site)]


def scan_file(file: SourceFile, source: Path, site: Site) -> FileRow:
    """What one file is; never raises for a bad post."""
    return scan_chunk([file], source, site)[0]


def scan_chunk(files: Sequence[SourceFile], source: Path, site: Site) -> list[FileRow]:
    """What each file is, in order; never raises for a bad post.

    The files go through one stage at a time (split them all, then load all their YAML,
    then read all their keys), not one file at a time: each stage's code then stays in
    the processor's caches, and a chunk costs about a third less. Only the front matter
    is kept between stages, never a file's bytes.
    """
    rows: dict[int, FileRow] = {}
    warnings: dict[int, list[str]] = {}  # a post's values left out (see posts.post_fields)
    digests: dict[int, str] = {}
    stamps: dict[int, tuple[int, int]] = {}  # size and mtime, of the unstated files

    def stage(pending: dict[int, Any], fn: Callable[[int, Any], Any]) -> dict[int, Any]:
        """fn over each file still pending; a file that fails or is no post drops out."""
        passed: dict[int, Any] = {}
        for i, value in pending.items():
            file = files[i]
            kind, message = BAD, None
            try:
                result = fn(i, value)
            except Unpublished:
                kind = UNPUBLISHED
            except Gone:
                kind = GONE
            except UnreadableFile as exc:
                stamps[i] = exc.size, exc.mtime_ns
                message = str(exc)
            except PostError as exc:
                message = str(exc)
            except Exception as exc:  # a parsing bug must cost one post, not the build
                message = f"{file.relpath}: parse: {type(exc).__name__}: {exc}"
            else:
                if result is not None:
                    passed[i] = result
                    continue
                kind = NOT_A_POST
            digest = digests.get(i, "")  # none for a file that could not be read
            size, mtime_ns = stamps.get(i, (file.size, file.mtime_ns))
            rows[i] = FileRow(file.relpath, size, mtime_ns, digest, kind, message)
        return passed

    def front_of(i: int, file: SourceFile) -> str | None:
        path = f"{source}/{file.relpath}"
        if file.size == UNSTATED:
            read = read_new(path, file.relpath)
            if read is None:
                raise Gone
            data, size, mtime_ns = read
            stamps[i] = size, mtime_ns
        else:
            data = read_bytes(path, file.relpath, file.size)
        digests[i] = hashlib.sha256(data).hexdigest()[:32]
        text = front_matter_only(data, file.relpath)
        return None if text is None else text.front

    fronts = stage(dict(enumerate(files)), front_of)
    mappings = stage(fronts, lambda i, front: load_front_matter(front, files[i].relpath))
    posts = stage(
        mappings,
        lambda i, front: post_fields(
            files[i].relpath, front, site, files[i].dir_categories, warnings.setdefault(i, [])
        ),
    )
    for i, post in posts.items():
        file = files[i]
        size, mtime_ns = stamps.get(i, (file.size, file.mtime_ns))
        said = "\n".join(warnings.get(i, ())) or None
        rows[i] = FileRow.of_post(file.relpath, size, mtime_ns, digests[i], post, said)
    return [rows[i] for i in range(len(files))]
