"""Files in the output folder: confined paths, atomic replacement, no-follow opening,
temporary names. No business logic.

Readers fetch these files at any moment and a cron job may be killed at any moment, so a
file is written beside its target and renamed over it: a reader sees the old feed or the
new one, never half of one. A file whose bytes did not change is left alone, so that its
mtime, and with it the web server's ETag and Last-Modified, stay put.
"""

import contextlib
import errno
import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from feeds.errors import PublishError

# `.<name>.feeds-XXXXXXXX.tmp`, as tempfile.mkstemp makes it below: no other program's
# file is taken for one of ours and removed.
TEMP_MARK = ".feeds-"
_TEMP_NAME = re.compile(r"\..+\.feeds-[a-z0-9_]{8}\.tmp")
# Opened without following a link: a link planted there must not make us create, lock or
# read a file elsewhere.
NO_FOLLOW = os.O_NOFOLLOW | os.O_CLOEXEC


class OutputError(PublishError):
    def __init__(self, path: Path | str, reason: str) -> None:
        self.path = str(path)
        super().__init__(f"{path}: {reason}")


def confined(out: Path, relpath: str) -> Path:
    """out/relpath, refusing any relpath that would leave the output folder."""
    parts = relpath.split("/")
    if (
        not relpath
        or "\\" in relpath
        or "\x00" in relpath
        or relpath.startswith("/")
        or any(p in ("", ".", "..") for p in parts)
    ):
        raise OutputError(
            out / relpath.replace("\x00", ""), "refusing a path outside the output folder"
        )
    target = out / relpath
    root = out.resolve()
    if not target.resolve().is_relative_to(root):
        raise OutputError(target, "refusing a path outside the output folder")
    return target


def write_if_changed(
    path: Path, data: bytes, *, durable: bool = True, folders: list[Path] | None = None
) -> bool:
    """Replace path atomically with data; False (and no write) when it holds data already.
    Not `durable`: no fsync, for a cache that may be lost in a crash but never torn.
    `folders`: see replace_file."""
    try:
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    replace_file(path, data, durable=durable, folders=folders)
    return True


def replace_file(
    path: Path,
    data: bytes,
    *,
    durable: bool = True,
    mode: int = 0o644,
    folders: list[Path] | None = None,
) -> None:
    """Replace path atomically with data, beside it, as write_if_changed does.

    `folders`: the caller syncs the folder (sync_folders) once it has replaced every file
    of a batch, instead of once a file: the rename of a file not yet synced may be lost in
    a crash, never the file's new bytes torn."""
    import tempfile  # here: a rebuild that finds nothing changed writes nothing

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}{TEMP_MARK}", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            if durable:
                os.fsync(fh.fileno())
        Path(tmp).chmod(mode)
        Path(tmp).replace(path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            Path(tmp).unlink()
        if isinstance(exc, OSError) and exc.filename is None:  # a full disk: name the file
            raise OSError(exc.errno, exc.strerror, str(path)) from exc
        raise
    if not durable:
        return
    if folders is None:
        _fsync_dir(path.parent)
    elif path.parent not in folders:
        folders.append(path.parent)


# Files synced side by side: a disk shared with other work answers many fsyncs at once
# in about the time of one.
SYNC_THREADS = 8


def unchanged(path: Path, data: bytes) -> bool:
    """Whether the file at path holds data already (write_if_changed's test)."""
    try:
        return path.stat().st_size == len(data) and path.read_bytes() == data
    except FileNotFoundError:
        return False


def replace_files(batch: Sequence[tuple[Path, bytes]], folders: list[Path]) -> None:
    """Replace each path with its data, atomically, as replace_file does: every file is
    written and synced beside its target, side by side, and once every one is, each is
    renamed over its target in order. A file that cannot be written or synced (a full
    disk) raises, naming its path, and none is replaced; a rename that fails raises too:
    those before it are replaced, it and those after it left as they were. Their folders
    go in `folders`, for the caller to sync (sync_folders)."""
    import tempfile  # here: a rebuild that finds nothing changed writes nothing
    from concurrent.futures import Future, ThreadPoolExecutor

    made: list[tuple[Future[None], int, str, Path]] = []
    done, path = 0, Path()
    try:
        with ThreadPoolExecutor(max_workers=SYNC_THREADS) as pool:
            for path, data in batch:
                path.parent.mkdir(parents=True, exist_ok=True)
                fd, tmp = tempfile.mkstemp(
                    dir=path.parent, prefix=f".{path.name}{TEMP_MARK}", suffix=".tmp"
                )
                made.append((Future(), fd, tmp, path))
                made[-1] = (pool.submit(_write_synced, fd, data), fd, tmp, path)
            for synced, _, _, written in made:
                path = written  # the file to name if it failed
                synced.result()
        for _, fd, tmp, path in made:
            os.close(fd)
            Path(tmp).replace(path)
            done += 1
            if path.parent not in folders:
                folders.append(path.parent)
    except BaseException as exc:
        for _, fd, tmp, _ in made[done:]:
            with contextlib.suppress(OSError):
                os.close(fd)
            with contextlib.suppress(OSError):
                Path(tmp).unlink()
        if isinstance(exc, OSError) and exc.filename is None:  # a full disk: name the file
            raise OSError(exc.errno, exc.strerror, str(path)) from exc
        raise


def _write_synced(fd: int, data: bytes) -> None:
    """A new file's data, written and synced: in a thread, beside the other files (copying
    a cold `--limit 0` build's 375 MB took most of its write stage, on one core)."""
    with open(fd, "wb", closefd=False) as fh:
        fh.write(data)
    os.fchmod(fd, 0o644)
    os.fsync(fd)


def sync_folders(folders: Iterable[Path]) -> None:
    """Make the renames into these folders durable (see replace_file's `folders`): one
    fsync a folder for a build's 100 feeds in 33 folders took 0.11-0.41 s of wall time
    here, one a file 0.26-0.98 s."""
    for folder in folders:
        _fsync_dir(folder)


def is_temp_file(name: str) -> bool:
    """Whether a file of this name is one replace_file writes before renaming it."""
    return _TEMP_NAME.fullmatch(name) is not None


def remove_stale_temp_files(folders: Iterable[Path]) -> None:
    """Temporary files left in these folders by a build that was killed mid-write: ours
    only, told by their names."""
    for folder in folders:
        with contextlib.suppress(OSError):
            for entry in os.scandir(folder):
                if is_temp_file(entry.name) and entry.is_file(follow_symlinks=False):
                    with contextlib.suppress(OSError):
                        Path(entry.path).unlink()


def open_no_follow(path: Path, flags: int, mode: int = 0o644) -> int:
    """os.open, refusing a symbolic link at path with a message that says what to do."""
    try:
        return os.open(path, flags | NO_FOLLOW, mode)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise LinkError(path) from None
        raise


def refuse_link(path: Path) -> None:
    """Raise LinkError if path is a symbolic link (dangling or not)."""
    if path.is_symlink():
        raise LinkError(path)


def read_no_follow(path: Path) -> bytes:
    """The bytes of the file at path, not through a link."""
    fd = open_no_follow(path, os.O_RDONLY)
    with os.fdopen(fd, "rb") as fh:
        return fh.read()


class LinkError(OutputError):
    def __init__(self, path: Path) -> None:
        super().__init__(
            path,
            "is a symbolic link, which feeds does not follow here; remove it "
            "(feeds writes its own file there)",
        )


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def source_folder(out: Path, source: Path) -> frozenset[str]:
    """The folder of the output folder that holds the source, when the source lies inside
    it: no feed is written or removed there."""
    out, source = out.resolve(), source.resolve()
    if source != out and source.is_relative_to(out):
        return frozenset(source.relative_to(out).parts[:1])
    return frozenset()


# A file of the source some output was made from, as (its path in the source, size,
# mtime in ns); a file that is not there has size and mtime -1.
Stamp = tuple[str, int, int]


def file_stamp(source: Path, relpath: str) -> Stamp:
    try:
        st = (source / relpath).stat()
    except OSError:
        return relpath, -1, -1
    return relpath, st.st_size, st.st_mtime_ns


def stamps_hold(source: Path, stamps: Iterable[Sequence[Any]]) -> bool:
    """Whether every file is still as its stamp says."""
    return all(
        file_stamp(source, str(relpath)) == (relpath, size, mtime)
        for relpath, size, mtime in stamps
    )
