"""Find the files that may be posts. Reads directory entries only, never file contents.

A plain folder: every file below it. A Jekyll site: the files in its `_posts` folders,
where the folders above `_posts` are categories, as Jekyll reads them.
"""

import os
from pathlib import Path
from typing import NamedTuple

from feeds.config import is_jekyll_site

SKIPPED_DIRS = {"_site", "_drafts", "node_modules", "vendor", ".git"}


class SourceFile(NamedTuple):
    relpath: str  # relative to the source folder, forward slashes
    size: int
    mtime_ns: int
    dir_categories: tuple[str, ...] = ()  # from a Jekyll site's `cat/_posts/` layout


def find_post_files(source: Path, *, exclude: tuple[Path, ...] = ()) -> list[SourceFile]:
    """Every candidate post file below source, sorted by relative path."""
    jekyll = is_jekyll_site(source)
    skip = {os.path.realpath(p) for p in exclude}
    found: list[SourceFile] = []
    for rel_dir, entries in _walk(source, skip):
        parts = rel_dir.split("/") if rel_dir else []
        if jekyll:
            if "_posts" not in parts:
                continue
            dir_categories = tuple(parts[: parts.index("_posts")])
        else:
            dir_categories = ()
        for entry in entries:
            rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
            try:
                stat = entry.stat()
            except OSError:
                continue  # gone since the listing
            found.append(SourceFile(rel, stat.st_size, stat.st_mtime_ns, dir_categories))
    found.sort(key=lambda f: f.relpath)
    return found


def _walk(source: Path, skip: set[str]) -> list[tuple[str, list[os.DirEntry[str]]]]:
    """(relative dir, regular files) for each folder, not following folder links."""
    result: list[tuple[str, list[os.DirEntry[str]]]] = []
    stack = [("", str(source))]
    while stack:
        rel_dir, full = stack.pop()
        try:
            with os.scandir(full) as it:
                entries = list(it)
        except OSError:
            continue
        files = []
        for entry in entries:
            if entry.name.startswith("."):
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    if entry.name not in SKIPPED_DIRS and os.path.realpath(entry.path) not in skip:
                        stack.append(
                            (f"{rel_dir}/{entry.name}" if rel_dir else entry.name, entry.path)
                        )
                elif entry.is_file():
                    files.append(entry)
            except OSError:
                continue  # a link loop or a file gone since the listing
        result.append((rel_dir, files))
    return result
