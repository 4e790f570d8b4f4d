"""Writing into the output folder: confined paths, atomic replacement, a build lock.

Readers fetch these files at any moment and a cron job may be killed at any moment, so a
file is written beside its target and renamed over it: a reader sees the old feed or the
new one, never half of one. A file whose bytes did not change is left alone, so that its
mtime, and with it the web server's ETag and Last-Modified, stay put.
"""

import contextlib
import fcntl
import os
import time
from collections.abc import Iterator
from pathlib import Path

from feeds.errors import LockedError, PublishError

LOCK_NAME = ".feeds.lock"


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


def write_if_changed(path: Path, data: bytes, *, durable: bool = True) -> bool:
    """Replace path atomically with data; False (and no write) when it holds data already.
    Not `durable`: no fsync, for a cache that may be lost in a crash but never torn."""
    try:
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    replace_file(path, data, durable=durable)
    return True


def replace_file(path: Path, data: bytes, *, durable: bool = True, mode: int = 0o644) -> None:
    """Replace path atomically with data, beside it, as write_if_changed does."""
    import tempfile  # here: a rebuild that finds nothing changed writes nothing

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            if durable:
                os.fsync(fh.fileno())
        Path(tmp).chmod(mode)
        Path(tmp).replace(path)
    except BaseException:
        with contextlib.suppress(OSError):
            Path(tmp).unlink()
        raise
    if durable:
        _fsync_dir(path.parent)


def remove_stale_temp_files(out: Path) -> None:
    """Temporary files left by a build that was killed mid-write."""
    for tmp in out.rglob(".*.tmp"):
        with contextlib.suppress(OSError):
            tmp.unlink()


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def build_lock(out: Path, timeout: float) -> Iterator[None]:
    """Hold an exclusive lock on the output folder; wait up to `timeout` seconds for it."""
    out.mkdir(parents=True, exist_ok=True)
    fd = os.open(out / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise LockedError(
                        f"{out}: another feeds build holds the lock; waited {timeout:g} s"
                    ) from None
                time.sleep(0.1)
        yield
    finally:
        os.close(fd)
