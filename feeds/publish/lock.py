"""The build lock: one build at a time publishes into an output folder."""

import contextlib
import fcntl
import os
import time
from collections.abc import Iterator
from pathlib import Path

from feeds.children import close_in_children, keep_in_children
from feeds.errors import BuildError, LockedError
from feeds.files import open_no_follow

# The lock file earlier versions (0.1) kept in the output folder: taken too while it is
# there, so that a build of such a version never runs beside this one, then removed.
LOCK_NAME = ".feeds.lock"


@contextlib.contextmanager
def build_lock(out: Path, timeout: float) -> Iterator[None]:
    """Hold an exclusive lock on the output folder itself, where every build of it finds
    it (whoever runs it, whichever state folder it keeps), and on an earlier version's
    lock file in it while there is one; wait up to `timeout` seconds in all."""
    out.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + timeout
    folder = os.open(out, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    with _locked(folder, out, deadline, timeout), contextlib.ExitStack() as stack:
        old = _old_lock(out)
        if old is not None:
            stack.enter_context(_locked(old, out, deadline, timeout))
            # Removed while still held: an old build waiting on it goes on once this is done.
            stack.callback(lambda: (out / LOCK_NAME).unlink(missing_ok=True))
        yield


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
