"""Running a function over many items on every core. No business logic."""

import os
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

# What the forked workers inherit: the function and its items. Each task then crosses to
# a worker as two integers, not as a pickled chunk (100,000 files cost 0.5 s to send).
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
) -> Iterator[list[R]]:
    """fn over chunks of items, in order; in worker processes when there is enough to do.

    A pool costs tens of milliseconds to start, so fewer than `minimum` items run here.
    """
    bounds = [(i, min(i + chunk, len(items))) for i in range(0, len(items), chunk)]
    if jobs <= 1 or len(items) < minimum:
        yield from (fn(items[start:stop]) for start, stop in bounds)
        return
    import multiprocessing  # here: a rebuild with nothing to do never starts a pool
    from concurrent.futures import ProcessPoolExecutor

    global _inherited
    # fork: the workers inherit the loaded modules, the config and the items, instead of
    # re-importing and receiving them. A fork context starts every worker on the first
    # task, so they all see this function's items.
    context = multiprocessing.get_context("fork")
    _inherited = (fn, items)
    try:
        with ProcessPoolExecutor(max_workers=min(jobs, len(bounds)), mp_context=context) as pool:
            yield from pool.map(_run_inherited, bounds)
    finally:
        _inherited = None


def _run_inherited(bounds: tuple[int, int]) -> list[Any]:
    if _inherited is None:
        raise RuntimeError("a worker started without the items it was forked with")
    fn, items = _inherited
    return fn(items[bounds[0] : bounds[1]])
