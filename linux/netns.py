"""Network namespaces: name resolution and entering one from the current thread.

``setns(2)`` with ``CLONE_NEWNET`` moves only the calling thread, so
:func:`entered` lets a process open a netlink socket *inside* a container's
namespace and come back, with no process spawned. A socket keeps the
namespace it was opened in, so the socket outlives the ``with`` block.
"""

from __future__ import annotations

import ctypes
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from plugnet.core.errors import KernelError, NotFound

__all__ = ["NETNS_RUN_DIR", "current_netns_inode", "entered", "resolve_netns"]

NETNS_RUN_DIR = Path("/run/netns")
CLONE_NEWNET = 0x40000000

_libc: ctypes.CDLL | None = None


def _setns(fd: int) -> None:
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL(None, use_errno=True)
    if _libc.setns(fd, CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise KernelError(f"setns failed: {os.strerror(err)} (errno {err})")


def resolve_netns(name_or_path: str) -> Path:
    """``/run/netns/NAME`` for a bare name, the path itself for a path.

    :raises NotFound: nothing is there.
    """
    path = Path(name_or_path) if "/" in name_or_path else NETNS_RUN_DIR / name_or_path
    if not path.exists():
        raise NotFound(f"network namespace {name_or_path!r} not found ({path})")
    return path


def current_netns_inode() -> int:
    """The inode of this thread's network namespace (to compare namespaces)."""
    return os.stat("/proc/thread-self/ns/net").st_ino


@contextmanager
def entered(name_or_path: str | Path) -> Iterator[None]:
    """Run the block with this thread inside the given network namespace."""
    target = resolve_netns(str(name_or_path))
    back = os.open("/proc/thread-self/ns/net", os.O_RDONLY | os.O_CLOEXEC)
    try:
        fd = os.open(target, os.O_RDONLY | os.O_CLOEXEC)
        try:
            _setns(fd)
        finally:
            os.close(fd)
        try:
            yield
        finally:
            _setns(back)
    finally:
        os.close(back)
