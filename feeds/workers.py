"""Running a function over many items on every core. No business logic.

An item that kills the process working on it (a native crash, the OOM killer) costs that
item only: the pool's other chunks are done again, each in a child of its own, and a
chunk whose child dies, in halves, until the item is found; `died` then says what to
give back for it. In this process, a Journal names the item being worked on, so that the
next run can try it alone first (see Journal).
"""

import contextlib
import os
import signal
from collections.abc import Callable, Generator, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

from feeds.files import open_no_follow, read_no_follow

T = TypeVar("T")
R = TypeVar("R")
# A long task's progress: called with a label and the number of items, it gives back
# what to call with the number done so far.
Progress = Callable[[str, int], Callable[[int], None]]


def no_progress(label: str, total: int) -> Callable[[int], None]:
    return lambda done: None


# In each worker: the function and its items, inherited at fork (see map_chunks).
_inherited: tuple[Callable[[Sequence[Any]], list[Any]], Sequence[Any]] | None = None


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def map_chunks(
    fn: Callable[[Sequence[T]], list[R]],
    items: Sequence[T],
    *,
    jobs: int,
    chunk: int,
    minimum: int,
    died: Callable[[T, str], R],
    meanwhile: Callable[[], object] | None = None,
) -> Generator[list[R], None, None]:
    """fn over chunks of items, in order; in worker processes when there is enough to do.

    A pool costs tens of milliseconds to start, so fewer than `minimum` items run here.
    `died(item, how)` stands for fn's result for an item whose process died working on
    it: how is "died (signal 9)" or "exited with status 1". `meanwhile`: work this
    process would do anyway (imports), done here once the workers are started, while
    they work; not at all when the items run here.
    """
    bounds = [(i, min(i + chunk, len(items))) for i in range(0, len(items), chunk)]
    if jobs <= 1 or len(items) < minimum:
        yield from (fn(items[start:stop]) for start, stop in bounds)
        return
    import multiprocessing  # here: a rebuild with nothing to do never starts a pool
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    # fork: the workers inherit the loaded modules, the config and the items instead of
    # re-importing and receiving them; the initializer's arguments are inherited too, not
    # pickled. Each task then crosses to a worker as two integers, not as a pickled chunk
    # (100,000 files cost 0.5 s to send).
    context = multiprocessing.get_context("fork")
    given = 0
    with ProcessPoolExecutor(
        max_workers=min(jobs, len(bounds)),
        mp_context=context,
        initializer=_inherit,
        initargs=(fn, items),
    ) as pool:
        try:
            results = pool.map(_run_inherited, bounds)  # the workers are forked by now
            if meanwhile is not None:
                meanwhile()
            for result in results:
                yield result
                given += 1
            return
        except BrokenProcessPool:  # a worker died: the results not given back are lost
            pass
    for start, stop in bounds[given:]:
        yield _isolated_chunk(fn, items[start:stop], died)


def _isolated_chunk(
    fn: Callable[[Sequence[T]], list[R]], items: Sequence[T], died: Callable[[T, str], R]
) -> list[R]:
    made = isolated(fn, items)
    if not isinstance(made, str):
        return made
    if len(items) == 1:
        return [died(items[0], made)]
    half = len(items) // 2  # halved until the item is found: a few children, not one each
    return [*_isolated_chunk(fn, items[:half], died), *_isolated_chunk(fn, items[half:], died)]


def isolated(fn: Callable[[Sequence[T]], list[R]], items: Sequence[T]) -> list[R] | str:
    """fn(items), run in a forked child; or how the child died, if it did."""
    import pickle  # here: only a build that lost a worker needs it

    read, write = os.pipe()
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        pid = os.fork()
    except BaseException:
        os.close(read)
        os.close(write)
        raise
    if pid == 0:  # the child: work, answer, and exit without the parent's cleanup
        code = 1
        try:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
            os.close(read)
            with os.fdopen(write, "wb") as pipe:
                pipe.write(pickle.dumps(fn(items), pickle.HIGHEST_PROTOCOL))
            code = 0
        finally:
            os._exit(code)
    signal.pthread_sigmask(signal.SIG_SETMASK, mask)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        data = pipe.read()
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        return f"died (signal {os.WTERMSIG(status)})"
    if os.WEXITSTATUS(status):
        return f"exited with status {os.WEXITSTATUS(status)}"
    made: list[R] = pickle.loads(data)
    return made


def _inherit(fn: Callable[[Sequence[Any]], list[Any]], items: Sequence[Any]) -> None:
    global _inherited
    _inherited = (fn, items)


def _run_inherited(bounds: tuple[int, int]) -> list[Any]:
    if _inherited is None:
        raise RuntimeError("a worker started without the items it was forked with")
    fn, items = _inherited
    return fn(items[bounds[0] : bounds[1]])


class Journal:
    """A file naming the item this process is working on, while it works on it.

    A native crash (an abort() in a C library) takes the whole process down, with no
    chance to say which item did it; the next run finds the name in the file, and can
    try that item alone (see isolated) before the rest. Written by the process that
    opened it only: a worker's crash is found by map_chunks.
    """

    def __init__(self, path: Path) -> None:
        self.path, self.pid = path, os.getpid()
        self.fd: int | None = None

    def stale(self) -> list[str]:
        """What a process that died was working on, if one did."""
        try:
            data = read_no_follow(self.path)
        except FileNotFoundError:
            return []
        return [key for key in data.decode("utf-8", "surrogatepass").split("\0") if key]

    @contextlib.contextmanager
    def working_on(self, key: str) -> Iterator[None]:
        if os.getpid() != self.pid:
            yield
            return
        noted = False
        with contextlib.suppress(OSError):  # a full disk: the work goes on, unjournaled
            if self.fd is None:
                self.fd = open_no_follow(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
            noted = os.pwrite(self.fd, key.encode("utf-8", "surrogatepass") + b"\0", 0) > 0
        try:
            yield
        finally:
            if noted and self.fd is not None:
                with contextlib.suppress(OSError):
                    os.ftruncate(self.fd, 0)

    def close(self) -> None:
        """Done: no item is being worked on."""
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
