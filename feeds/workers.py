"""Running a function over many items on every core. No business logic."""

import os
from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def map_chunks(
    fn: Callable[[Sequence[T]], list[R]],
    items: Sequence[T],
    *,
    jobs: int,
    chunk: int,
    minimum: int,
) -> Iterator[list[R]]:
    """fn over chunks of items, in order; in worker processes when there is enough to do.

    A pool costs tens of milliseconds to start, so fewer than `minimum` items run here.
    """
    chunks = [items[i : i + chunk] for i in range(0, len(items), chunk)]
    if jobs <= 1 or len(items) < minimum:
        yield from map(fn, chunks)
        return
    import multiprocessing  # here: a rebuild with nothing to do never starts a pool
    from concurrent.futures import ProcessPoolExecutor

    # fork: the workers inherit the loaded modules and config instead of re-importing them.
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=min(jobs, len(chunks)), mp_context=context) as pool:
        yield from pool.map(fn, chunks)
