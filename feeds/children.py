"""What every process this one forks does first: let go of the build lock, and die with
its parent. No business logic.

flock belongs to the open file description, so a child's copy of the lock's descriptor
keeps the lock for as long as the child lives; and a child whose parent was killed would
otherwise live on, blocked on a pipe, and lock every later build out.
"""

import contextlib
import os
import signal

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>

_closed_in_children: set[int] = set()
_parent = 0
_prctl = None


def close_in_children(fd: int) -> None:
    """Have every child forked from now on close fd, until `keep_in_children`."""
    _closed_in_children.add(fd)


def keep_in_children(fd: int) -> None:
    _closed_in_children.discard(fd)


def _before_fork() -> None:
    global _parent, _prctl
    _parent = os.getpid()
    if _prctl is None and hasattr(os, "sched_getaffinity"):  # Linux: load libc once, here
        import ctypes  # here: a rebuild that forks nothing never loads it

        with contextlib.suppress(OSError, AttributeError):
            _prctl = ctypes.CDLL(None, use_errno=True).prctl


def _in_child() -> None:
    for fd in _closed_in_children:
        with contextlib.suppress(OSError):
            os.close(fd)
    _closed_in_children.clear()
    if _prctl is not None:
        _prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != _parent:  # the parent died before the line above took effect
        os._exit(1)


os.register_at_fork(before=_before_fork, after_in_child=_in_child)
