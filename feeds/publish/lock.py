"""The build lock: one build at a time publishes into an output folder."""

import contextlib
import fcntl
import os
import time
from collections.abc import Iterator
from pathlib import Path

from feeds.children import close_in_children, keep_in_children
from feeds.errors import LockedError
from feeds.files import open_no_follow

LOCK_NAME = ".feeds.lock"


@contextlib.contextmanager
def build_lock(out: Path, timeout: float) -> Iterator[None]:
    """Hold an exclusive lock on the output folder; wait up to `timeout` seconds for it."""
    out.mkdir(parents=True, exist_ok=True)
    fd = open_no_follow(out / LOCK_NAME, os.O_RDWR | os.O_CREAT)
    close_in_children(fd)  # only this process publishes: see feeds.children
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
        keep_in_children(fd)
        os.close(fd)
