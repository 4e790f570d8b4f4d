"""The build lock: one build at a time publishes into an output folder."""

import contextlib
import fcntl
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from feeds.children import close_in_children, keep_in_children
from feeds.errors import BuildError, LockedError
from feeds.files import open_no_follow

# The lock file earlier versions (0.1) kept in the output folder: taken too while it is
# there, so that a build of such a version never runs beside this one, then removed.
LOCK_NAME = ".feeds.lock"


@contextlib.contextmanager
def build_lock(out: Path, timeout: float) -> Iterator[Callable[[], None]]:
    """Hold an exclusive lock on the output folder itself, where every build of it finds
    it (whoever runs it, whichever state folder it keeps), and on an earlier version's
    lock file in it while there is one; wait up to `timeout` seconds in all. Yields a
    check to call before writing: see _still_locked."""
    out.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + timeout
    folder = os.open(out, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    locked = os.fstat(folder)
    with _locked(folder, out, deadline, timeout), contextlib.ExitStack() as stack:
        old = _old_lock(out)
        if old is not None:
            stack.enter_context(_locked(old, out, deadline, timeout))
            # Removed while still held: an old build waiting on it goes on once this is done.
            stack.callback(lambda: (out / LOCK_NAME).unlink(missing_ok=True))
        yield lambda: _still_locked(out, (locked.st_dev, locked.st_ino))


def _still_locked(out: Path, locked: tuple[int, int]) -> None:
    """Raise BuildError unless `out` still names the folder locked: one moved away and
    made again (`mv out out.old; mkdir out`) is another build's to lock, and written
    through its path, this build's files would land beside that build's."""
    try:
        now = out.stat()
    except OSError:
        now = None
    if now is None or (now.st_dev, now.st_ino) != locked:
        raise BuildError(
            f"{out}: the output folder was moved or replaced during the build; "
            "this build stops there: run it again"
        )


def _old_lock(out: Path) -> int | None:
    try:
        return open_no_follow(out / LOCK_NAME, os.O_RDONLY)
    except FileNotFoundError:
        return None


@contextlib.contextmanager
def _locked(fd: int, out: Path, deadline: float, timeout: float) -> Iterator[None]:
    close_in_children(fd)  # only this process publishes: see feeds.children
    try:
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
            except OSError as exc:  # a file system that locks no folder (NFS)
                raise BuildError(f"{out}: cannot lock the folder: {exc.strerror}") from None
        yield
    finally:
        keep_in_children(fd)
        os.close(fd)
