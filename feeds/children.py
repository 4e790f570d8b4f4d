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


def close_in_children(fd: int) -> None:
    """Have every child forked from now on close fd, until `keep_in_children`."""
    _closed_in_children.add(fd)


def keep_in_children(fd: int) -> None:
    _closed_in_children.discard(fd)


def _before_fork() -> None:
    global _parent
    _parent = os.getpid()


def _in_child() -> None:
    for fd in _closed_in_children:
        with contextlib.suppress(OSError):
            os.close(fd)
    _closed_in_children.clear()
    _die_with_parent()
    if os.getppid() != _parent:  # the parent died before that took effect
        os._exit(1)


def _die_with_parent() -> None:
    if not hasattr(os, "sched_getaffinity"):  # not Linux: no PR_SET_PDEATHSIG
        return
    # Loaded here, in the child: 2 ms the parent (a rebuild forks one) does not wait for.
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)


os.register_at_fork(before=_before_fork, after_in_child=_in_child)
