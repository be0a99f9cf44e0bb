"""The default :class:`~plugnet.ipam.store.Store`: tables in plugnet's SQLite state.

Every read-modify-write of an allocation runs in one
:meth:`~plugnet.core.state.StateStore.transaction` (an ``flock`` on the state
directory plus ``BEGIN IMMEDIATE``), so concurrent ``plugnet`` processes are
serialised and never hand out the same address or port, and a process killed
mid-allocation leaves nothing behind (SQLite rolls its journal back).

Only leases and cursors are stored. The next free position is found with a
gap search: an ordered index scan that starts at the cursor and stops at the
first hole (see :func:`plugnet.ipam.ranges.first_free`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from ipaddress import IPv4Address
from typing import TYPE_CHECKING

from plugnet.ipam.ranges import ANY_HOST, first_free
from plugnet.ipam.store import PortLease

if TYPE_CHECKING:
    from plugnet.core.state import StateStore

__all__ = ["SCHEMA", "SqliteStore"]

# WITHOUT ROWID: the primary key is the table, so a lease costs one B-tree entry
# plus one in the owner index.
SCHEMA = """
CREATE TABLE IF NOT EXISTS ipam_ips (
    pool     TEXT    NOT NULL,
    position INTEGER NOT NULL,
    owner    TEXT    NOT NULL,
    PRIMARY KEY (pool, position)
) WITHOUT ROWID;
CREATE UNIQUE INDEX IF NOT EXISTS ipam_ips_owner ON ipam_ips(owner, pool);
CREATE TABLE IF NOT EXISTS ipam_ports (
    proto   TEXT    NOT NULL,
    port    INTEGER NOT NULL,
    host_ip TEXT    NOT NULL,
    owner   TEXT    NOT NULL,
    PRIMARY KEY (proto, port, host_ip)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS ipam_ports_owner ON ipam_ports(owner);
CREATE TABLE IF NOT EXISTS ipam_cursors (
    key  TEXT    PRIMARY KEY,
    last INTEGER NOT NULL
) WITHOUT ROWID;
"""

_ANY = str(ANY_HOST)


class SqliteStore:
    """Leases in the state database; see the module docstring for the guarantees."""

    def __init__(self, state: StateStore) -> None:
        # Lazy: configuring the plugin (``status``, ``--dry-run``) creates no file.
        self._state = state

    def _ensure_schema(self) -> sqlite3.Connection:
        # StateStore.ensure_schema runs the DDL under the state lock and inside
        # the caller's transaction, so concurrent first uses cannot race.
        self._state.ensure_schema("ipam.v1", SCHEMA)
        return self._state.read()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self._ensure_schema()
        with self._state.transaction():
            yield

    def _db(self) -> sqlite3.Connection:
        # Inside a transaction this is the same connection; outside, reads
        # see a consistent WAL snapshot per statement.
        return self._ensure_schema()

    def _one(self, sql: str, *args: object) -> tuple[object, ...] | None:
        row: tuple[object, ...] | None = self._db().execute(sql, args).fetchone()
        return row

    # -- addresses -------------------------------------------------------------

    def ip_owner(self, pool: str, position: int) -> str | None:
        row = self._one(
            "SELECT owner FROM ipam_ips WHERE pool = ? AND position = ?", pool, position
        )
        return None if row is None else str(row[0])

    def ip_of(self, pool: str, owner: str) -> int | None:
        row = self._one("SELECT position FROM ipam_ips WHERE owner = ? AND pool = ?", owner, pool)
        return None if row is None else int(str(row[0]))

    def next_free_ip(self, pool: str, start: int, end: int, skip: int) -> int | None:
        rows = self._db().execute(
            "SELECT position FROM ipam_ips WHERE pool = ? AND position BETWEEN ? AND ? "
            "ORDER BY position",
            (pool, start, end),
        )
        # The cursor steps the query lazily; first_free stops at the first gap.
        taken = (int(row[0]) for row in rows)
        candidate = first_free(_merge_one(taken, skip), start, end)
        rows.close()
        return candidate

    def reserve_ip(self, pool: str, position: int, owner: str) -> None:
        self._db().execute(
            "INSERT INTO ipam_ips(pool, position, owner) VALUES (?, ?, ?)", (pool, position, owner)
        )

    def release_ip(self, pool: str, owner: str) -> None:
        self._db().execute("DELETE FROM ipam_ips WHERE owner = ? AND pool = ?", (owner, pool))

    def count_ips(self, pool: str) -> int:
        row = self._one("SELECT COUNT(*) FROM ipam_ips WHERE pool = ?", pool)
        return 0 if row is None else int(str(row[0]))

    # -- ports -------------------------------------------------------------------

    def port_holder(self, host_ip: IPv4Address, proto: str, port: int) -> PortLease | None:
        row = self._one(
            "SELECT host_ip, owner FROM ipam_ports WHERE proto = ? AND port = ? "
            "AND (? = ? OR host_ip IN (?, ?)) ORDER BY host_ip LIMIT 1",
            proto,
            port,
            str(host_ip),
            _ANY,
            str(host_ip),
            _ANY,
        )
        if row is None:
            return None
        return PortLease(proto, port, IPv4Address(str(row[0])), str(row[1]))

    def next_free_port(self, host_ip: IPv4Address, proto: str, start: int, end: int) -> int | None:
        rows = self._db().execute(
            "SELECT DISTINCT port FROM ipam_ports WHERE proto = ? AND port BETWEEN ? AND ? "
            "AND (? = ? OR host_ip IN (?, ?)) ORDER BY port",
            (proto, start, end, str(host_ip), _ANY, str(host_ip), _ANY),
        )
        candidate = first_free((int(row[0]) for row in rows), start, end)
        rows.close()
        return candidate

    def reserve_port(self, lease: PortLease) -> None:
        self._db().execute(
            "INSERT INTO ipam_ports(proto, port, host_ip, owner) VALUES (?, ?, ?, ?)",
            (lease.proto, lease.port, str(lease.host_ip), lease.owner),
        )

    def release_port(self, lease: PortLease) -> None:
        self._db().execute(
            "DELETE FROM ipam_ports WHERE proto = ? AND port = ? AND host_ip = ? AND owner = ?",
            (lease.proto, lease.port, str(lease.host_ip), lease.owner),
        )

    def ports_of(self, owner: str) -> list[PortLease]:
        rows = self._db().execute(
            "SELECT proto, port, host_ip FROM ipam_ports WHERE owner = ? ORDER BY proto, port",
            (owner,),
        )
        return [PortLease(str(p), int(n), IPv4Address(str(ip)), owner) for p, n, ip in rows]

    # -- cursors, owners, reset -------------------------------------------------------

    def cursor(self, key: str) -> int:
        row = self._one("SELECT last FROM ipam_cursors WHERE key = ?", key)
        return 0 if row is None else int(str(row[0]))

    def set_cursor(self, key: str, value: int) -> None:
        self._db().execute(
            "INSERT INTO ipam_cursors(key, last) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET last = excluded.last",
            (key, value),
        )

    def release_owner(self, owner: str) -> None:
        with self.transaction():
            self._db().execute("DELETE FROM ipam_ips WHERE owner = ?", (owner,))
            self._db().execute("DELETE FROM ipam_ports WHERE owner = ?", (owner,))

    def reset(self) -> None:
        with self.transaction():
            for table in ("ipam_ips", "ipam_ports", "ipam_cursors"):
                self._db().execute(f"DELETE FROM {table}")  # fixed table names


def _merge_one(ascending: Iterator[int], extra: int) -> Iterator[int]:
    """``ascending`` with ``extra`` slotted in order (the gateway as a taken position)."""
    pending = True
    for value in ascending:
        if pending and extra <= value:
            pending = False
            if extra < value:
                yield extra
        yield value
    if pending:
        yield extra
