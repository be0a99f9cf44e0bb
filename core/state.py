"""The state store: one SQLite database in the state directory.

It records the daemon's network configuration (what ``init`` set up), and the
plugins keep their own tables in it (attachments, allocations, rule intents).

Safety under concurrency: every mutation runs inside :meth:`StateStore.transaction`,
which holds an exclusive ``flock`` on ``<state-dir>/lock`` and one SQLite
``BEGIN IMMEDIATE`` transaction. Several ``plugnet`` processes may call at once;
each sees the others' committed work and none sees half of it. A process killed
mid-transaction leaves nothing behind: SQLite rolls the journal back and the
kernel drops the flock with the process.

Opening is lazy: constructing a store touches no file.
"""

from __future__ import annotations

import fcntl
import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from plugnet.core.errors import InvalidConfig, Unavailable

__all__ = ["DEFAULT_STATE_DIR", "StateStore", "resolve_state_dir"]

DEFAULT_STATE_DIR = Path("/var/lib/plugnet")
STATE_DIR_ENV = "PLUGNET_STATE_DIR"
DB_NAME = "state.db"
LOCK_NAME = "lock"

_CORE_SCHEMA = """
CREATE TABLE IF NOT EXISTS kv (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""


def resolve_state_dir(flag: str | None) -> Path:
    """The state directory: ``--state-dir``, else ``$PLUGNET_STATE_DIR``, else the default."""
    chosen = flag or os.environ.get(STATE_DIR_ENV) or str(DEFAULT_STATE_DIR)
    path = Path(chosen)
    if not path.is_absolute():
        raise InvalidConfig(f"invalid value {chosen!r} for --state-dir: must be an absolute path")
    return path


class StateStore:
    """The SQLite state of one plugnet installation.

    :param state_dir: the directory holding ``state.db`` and ``lock``; it is
        created with mode 0700 on first use.
    """

    def __init__(self, state_dir: Path) -> None:
        self.state_dir = state_dir
        self.path = state_dir / DB_NAME
        self._conn: sqlite3.Connection | None = None
        self._lock_fd: int | None = None
        self._lock_depth = 0
        self._schemas: set[str] = set()

    # -- opening -----------------------------------------------------------------

    def exists(self) -> bool:
        """True if a database was ever written here (no file is created)."""
        return self.path.exists()

    def _connect(self) -> sqlite3.Connection:
        if self._conn is not None:
            return self._conn
        try:
            self.state_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            os.chmod(self.state_dir, 0o700)
            if self._lock_fd is None:
                self._lock_fd = os.open(self.state_dir / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            reason = f"cannot use state directory {self.state_dir}: {exc.strerror}"
            raise Unavailable(reason) from exc
        # Switching a new database to WAL and creating the core table must not
        # race with another process doing the same: SQLite answers "database is
        # locked" at once there, without waiting for its busy timeout.
        fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
        try:
            # isolation_level=None: we issue BEGIN/COMMIT ourselves, so one
            # transaction is exactly one `with store.transaction()` block.
            conn = sqlite3.connect(self.path, isolation_level=None, timeout=30.0)
            conn.execute("PRAGMA journal_mode=WAL")
            # NORMAL is crash-safe in WAL mode: a crash loses at most the last
            # transaction and never corrupts or half-writes one.
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.executescript(_CORE_SCHEMA)
        finally:
            if self._lock_depth == 0:
                fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
        self._conn = conn
        return conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None
            self._lock_depth = 0

    def ensure_schema(self, name: str, ddl: str) -> None:
        """Create a plugin's tables once per process (``CREATE ... IF NOT EXISTS``).

        Runs under the state lock, and inside the caller's transaction when one
        is open (``executescript`` would commit it), so concurrent first uses
        of a new state directory cannot race.

        :param name: a key for the schema, e.g. ``"ipam.v1"``.
        :param ddl: SQL statements, separated by ``;``, safe to run more than once.
        """
        if name in self._schemas:
            return
        conn = self._connect()
        joined = conn.in_transaction
        with self.transaction() as conn:
            for statement in ddl.split(";"):
                if statement.strip():
                    conn.execute(statement)
        # Inside a caller's transaction the tables exist only if it commits;
        # remember them only when this call committed them itself.
        if not joined:
            self._schemas.add(name)

    # -- locking and transactions -------------------------------------------------

    @contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the exclusive state lock; re-entrant within one process.

        Use it around a whole operation that spans the kernel and several
        transactions (e.g. allocate, create the veth, record), so two processes
        never interleave their steps.
        """
        self._connect()
        assert self._lock_fd is not None
        if self._lock_depth == 0:
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
        self._lock_depth += 1
        try:
            yield
        finally:
            self._lock_depth -= 1
            if self._lock_depth == 0:
                fcntl.flock(self._lock_fd, fcntl.LOCK_UN)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic write: the state lock plus ``BEGIN IMMEDIATE`` ... ``COMMIT``.

        Nested calls join the outer transaction. An exception rolls everything
        of the outermost block back.
        """
        conn = self._connect()
        with self.lock():
            if conn.in_transaction:
                yield conn
                return
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def read(self) -> sqlite3.Connection:
        """A connection for reads; WAL gives each statement a consistent snapshot."""
        return self._connect()

    # -- the core's key/value table ---------------------------------------------------

    def get_json(self, key: str) -> Any:
        """The JSON value stored under ``key``, or None."""
        if not self.exists():
            return None
        row = self.read().execute("SELECT value FROM kv WHERE key = ?", (key,)).fetchone()
        return None if row is None else json.loads(row[0])

    def set_json(self, key: str, value: Any) -> None:
        """Store ``value`` under ``key`` (inside the current transaction, or its own)."""
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO kv(key, value) VALUES(?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, json.dumps(value, sort_keys=True)),
            )

    def delete_key(self, key: str) -> None:
        with self.transaction() as conn:
            conn.execute("DELETE FROM kv WHERE key = ?", (key,))

    def destroy(self) -> None:
        """Remove the database (teardown, a failed first init).

        Call it with the state lock held. The lock file stays: a process waiting
        for the lock holds it on the same file once it gets it, so it still
        excludes everyone else, and it finds no database and starts afresh.
        """
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        self._schemas.clear()
        for name in (DB_NAME, DB_NAME + "-wal", DB_NAME + "-shm"):
            with suppress(FileNotFoundError):
                (self.state_dir / name).unlink()

    def remove_directory(self) -> None:
        """Remove the lock file and the directory, for a directory this process made
        and left empty (a failed first init); anything else in it keeps it."""
        self.close()
        with suppress(FileNotFoundError):
            (self.state_dir / LOCK_NAME).unlink()
        with suppress(OSError):
            self.state_dir.rmdir()
