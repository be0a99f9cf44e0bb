"""The one place that touches python-iptables' process-wide table cache.

``iptc.Table`` returns one cached object per table name for the whole
process, and its ``autocommit`` flag is shared by every holder. All access
goes through :func:`edit`, which takes the table with ``autocommit=False``,
re-reads it in the calling thread's network namespace (libiptc opens its
socket at that moment), lets the caller stage changes, and commits them in
one ``iptc_commit`` per table. If the caller fails, nothing is committed and
the staged changes are dropped.
"""

from __future__ import annotations

import ctypes
import fcntl
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

from plugnet.core.errors import KernelError, Unavailable

__all__ = ["TableEdit", "edit", "load_iptc", "never_autocommit"]

_lock = threading.Lock()
XTABLES_LOCK = "/run/xtables.lock"
XTABLES_WAIT_SECONDS = 10


def load_iptc() -> Any:
    try:
        import iptc
    except (ImportError, OSError) as exc:
        raise Unavailable(
            f"firewall backend 'iptables' cannot load python-iptables ({exc}): "
            "apt-get install libip4tc2 python3-iptables, or pip install python-iptables"
        ) from exc
    return iptc


class TableEdit:
    """Staged changes to one table; ``rules_of``/``insert``/``append``/``delete``."""

    def __init__(self, iptc: Any, table: Any) -> None:
        self.iptc = iptc
        self.table = table

    def chain(self, name: str) -> Any:
        return self.iptc.Chain(self.table, name)

    def has_chain(self, name: str) -> bool:
        return bool(self.table.is_chain(name))

    def ensure_chain(self, name: str) -> None:
        if not self.table.is_chain(name):
            self.table.create_chain(name)

    def exists(self, chain: str, rule: Any) -> bool:
        """``iptables -C``: libiptc's ``iptc_check_entry`` compares in C with the
        rule's mask, so checking one rule does not parse the chain in Python."""
        rule.final_check()
        check = _check_entry(self.iptc)
        found = check(
            chain.encode(),
            ctypes.cast(rule.rule, ctypes.c_void_p),
            rule.mask,
            self.table._handle,
        )
        return bool(found == 1)

    def delete(self, chain: str, rule: Any) -> int:
        """Delete every copy of ``rule`` in ``chain``; returns how many there were."""
        count = 0
        while self.exists(chain, rule):
            self.chain(chain).delete_rule(rule)
            count += 1
        return count


def _check_entry(iptc: Any) -> Any:
    """libiptc's ``iptc_check_entry`` from the library python-iptables loaded."""
    function = iptc.ip4tc._libiptc.iptc_check_entry
    function.restype = ctypes.c_int
    function.argtypes = [ctypes.c_char_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]
    return function


@contextmanager
def xtables_lock() -> Iterator[None]:
    """Hold the lock every iptables tool takes (``iptables --wait``, firewalld,
    kube-proxy): libiptc reads a whole table and writes it back, so a change
    made by another tool in between would be lost or refused."""
    path = os.environ.get("XTABLES_LOCKFILE", XTABLES_LOCK)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise KernelError(f"iptables: cannot open the xtables lock {path}: {exc.strerror}") from exc
    try:
        deadline = time.monotonic() + XTABLES_WAIT_SECONDS
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise KernelError(
                        f"iptables: another program held the xtables lock {path} for "
                        f"{XTABLES_WAIT_SECONDS} s"
                    ) from None
                time.sleep(0.01)
        yield
    finally:
        os.close(fd)


@contextmanager
def edit(table_name: str) -> Iterator[TableEdit]:
    """Stage changes to ``table_name`` and commit them once, or not at all."""
    iptc = load_iptc()
    with _lock, xtables_lock():
        never_autocommit(iptc)
        try:
            # Building a table object that python-iptables has not cached yet
            # reads it from the kernel, which fails like a refresh does.
            table = iptc.Table(table_name, autocommit=False)
            table.autocommit = False
            table.refresh()
        except iptc.IPTCError as exc:
            raise KernelError(f"iptables: cannot read table {table_name}: {exc}") from exc
        try:
            yield TableEdit(iptc, table)
            table.commit()
        except BaseException as exc:
            # Drop what was staged; after a commit there is nothing to drop, and
            # the next edit reads the table afresh anyway (one read saved).
            with suppress(iptc.IPTCError):
                table.refresh()
            if isinstance(exc, iptc.IPTCError):
                raise KernelError(f"iptables: changing table {table_name} failed: {exc}") from exc
            raise
        finally:
            never_autocommit(iptc)


def never_autocommit(iptc: Any) -> None:
    """python-iptables caches every table it looked at (building a rule looks at
    all of them) with ``autocommit=True``, and such a table commits when freed.
    libiptc skips a commit with nothing staged, so this is defence in depth: no
    cached table of this process may ever write on its own."""
    for cached in list(iptc.Table._cache.values()):
        cached.autocommit = False
