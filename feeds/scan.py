"""Scan: each new or changed source file becomes a FileRow: a post, a bad post, or nothing.

Reading files and parsing their front matter is what a cold build of a large archive
costs, so it runs in worker processes; a post that fails costs that post only.
"""

import hashlib
from collections.abc import Iterator, Sequence
from functools import partial
from pathlib import Path

from feeds.cache import BAD, NOT_A_POST, UNPUBLISHED, FileRow
from feeds.discover import SourceFile
from feeds.errors import PostError
from feeds.model import Site
from feeds.posts import Unpublished, front_matter_only, load_front_matter, parse_post, read_bytes
from feeds.workers import map_chunks

CHUNK = 250


def scan_files(
    files: Sequence[SourceFile], source: Path, site: Site, *, jobs: int
) -> Iterator[list[FileRow]]:
    """FileRows for files, a chunk at a time, in the order given."""
    work = partial(_scan_chunk, source=source, site=site)
    for chunk in map_chunks(work, files, jobs=jobs, chunk=CHUNK, minimum=4 * CHUNK):
        yield list(map(FileRow._make, chunk))


def _scan_chunk(
    files: Sequence[SourceFile], *, source: Path, site: Site
) -> list[tuple[object, ...]]:
    # Plain tuples cross the process boundary: unpickling named tuples costs twice as much.
    return [tuple(scan_file(f, source, site)) for f in files]


def scan_file(file: SourceFile, source: Path, site: Site) -> FileRow:
    """What one file is; never raises for a bad post."""
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
        post = parse_post(file.relpath, front, site, file.dir_categories)
    except Unpublished:
        return FileRow(*stamp, digest, UNPUBLISHED)
    except PostError as exc:
        return FileRow(*stamp, digest, BAD, str(exc))
    except Exception as exc:  # a parsing bug must cost one post, not the build
        message = f"{file.relpath}: parse: {type(exc).__name__}: {exc}"
        return FileRow(*stamp, digest, BAD, message)
    return FileRow.of_post(*stamp, digest, post)
