"""Netlink sockets (pyroute2 ``IPRoute``), one per network namespace.

A netlink socket belongs to the namespace of the thread that opened it and
stays there, so:

- :func:`host_route` returns one long-lived socket for the namespace the calling
  thread is in now (cached by namespace inode), reused by every operation of a
  long-lived process;
- :func:`netns_route` opens a socket inside a container's namespace (through
  :func:`plugnet.linux.netns.entered`, no process spawned) for one batch of
  operations and closes it, so a thousand containers do not hold a thousand
  descriptors.

Sockets are opened with no multicast groups: plugnet never listens to events,
and a subscribed socket would queue every link and route change of the host.

pyroute2 is imported on first use only, so importing this module is free.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from plugnet.core.errors import KernelError, Unavailable
from plugnet.linux.netns import current_netns_inode, entered

__all__ = [
    "close_host_routes",
    "host_route",
    "is_errno",
    "kernel_error",
    "netns_route",
    "open_route",
]

_host_sockets: dict[int, Any] = {}


def open_route() -> Any:
    """A new ``IPRoute`` in the calling thread's namespace, subscribed to nothing."""
    try:
        from pyroute2 import IPRoute
    except ImportError as exc:  # pragma: no cover - pyroute2 is a dependency
        raise Unavailable(f"pyroute2 is not importable ({exc}); reinstall plugnet") from exc
    return IPRoute(groups=0)


def host_route() -> Any:
    """The cached socket of the namespace this thread is in now."""
    inode = current_netns_inode()
    sock = _host_sockets.get(inode)
    if sock is None:
        sock = open_route()
        _host_sockets[inode] = sock
    return sock


def close_host_routes() -> None:
    """Close every cached socket (a socket keeps its namespace alive)."""
    while _host_sockets:
        _, sock = _host_sockets.popitem()
        sock.close()


@contextmanager
def netns_route(netns: str | Path) -> Iterator[Any]:
    """A socket opened inside ``netns`` for the block, closed afterwards."""
    with entered(netns):
        sock = open_route()
    try:
        yield sock
    finally:
        sock.close()


def is_errno(exc: BaseException, *codes: int) -> bool:
    """True if ``exc`` is a netlink (or OS) error carrying one of ``codes``."""
    code = getattr(exc, "code", None)
    if code is None and isinstance(exc, OSError):
        code = exc.errno
    return code in codes


def kernel_error(operation: str, exc: BaseException) -> KernelError:
    """One line naming what failed and the errno, for the user."""
    code = getattr(exc, "code", None)
    if isinstance(code, int) and code > 0:
        name = errno.errorcode.get(code, str(code))
        return KernelError(f"{operation}: {os.strerror(code)} ({name})")
    return KernelError(f"{operation}: {exc}")
