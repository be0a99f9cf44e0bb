"""The bridge driver's tables in the state store (all prefixed ``bridge_``).

- ``bridge_network``: the one network init set up: the bridge, whether plugnet
  created it, its MAC and MTU, and the live :class:`NetworkIntent`;
- ``bridge_sysctls``: the value each sysctl had before plugnet first changed it;
- ``bridge_attachments``, ``bridge_ports``, ``bridge_links``: the containers,
  their published ports and links. Ports and links are stored as the intents the
  firewall got, so reconciliation can hand them back unchanged.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from ipaddress import IPv4Address
from typing import Any

from plugnet.core.intents import Attachment, LinkIntent, NetworkIntent, PortForward
from plugnet.core.state import StateStore

__all__ = ["BridgeStore", "NetworkRecord"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS bridge_network (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    bridge   TEXT NOT NULL,
    created  INTEGER NOT NULL,
    added_address INTEGER NOT NULL DEFAULT 0,
    brought_up INTEGER NOT NULL DEFAULT 0,
    mac      TEXT NOT NULL,
    mtu      INTEGER NOT NULL,
    intent   TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS bridge_sysctls (
    path  TEXT PRIMARY KEY,
    old   TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS bridge_attachments (
    container    TEXT PRIMARY KEY,
    netns        TEXT NOT NULL,
    ifname       TEXT NOT NULL,
    host_ifname  TEXT NOT NULL UNIQUE,
    ip           TEXT NOT NULL UNIQUE,
    prefixlen    INTEGER NOT NULL,
    mac          TEXT NOT NULL,
    mtu          INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS bridge_ports (
    container  TEXT NOT NULL,
    proto      TEXT NOT NULL,
    host_ip    TEXT NOT NULL,
    host_port  INTEGER NOT NULL,
    forward    TEXT NOT NULL,
    PRIMARY KEY (proto, host_ip, host_port)
);
CREATE TABLE IF NOT EXISTS bridge_links (
    parent  TEXT NOT NULL,
    child   TEXT NOT NULL,
    link    TEXT NOT NULL,
    PRIMARY KEY (parent, child)
);
"""

TABLES = ("bridge_links", "bridge_ports", "bridge_attachments", "bridge_sysctls", "bridge_network")


@dataclass(frozen=True, slots=True)
class NetworkRecord:
    """What init set up, as recorded."""

    intent: NetworkIntent
    #: plugnet created the bridge (teardown deletes it).
    created: bool
    mac: str
    mtu: int
    #: plugnet added the address to a bridge that was there (teardown removes it).
    added_address: bool = False
    #: plugnet brought a bridge that was there up (teardown sets it down).
    brought_up: bool = False

    @property
    def bridge(self) -> str:
        return self.intent.bridge


class BridgeStore:
    """Typed access to the ``bridge_`` tables."""

    def __init__(self, state: StateStore) -> None:
        self.state = state
        self._ready = False

    def _conn(self) -> sqlite3.Connection:
        if not self._ready:
            self.state.ensure_schema("bridge.v1", _SCHEMA)
            self._ready = True
        return self.state.read()

    def has_state(self) -> bool:
        """False when no database exists (so status creates no file)."""
        return self.state.exists()

    # -- network ----------------------------------------------------------------

    def network(self) -> NetworkRecord | None:
        if not self.has_state():
            return None
        row = (
            self._conn()
            .execute(
                "SELECT intent, created, mac, mtu, added_address, brought_up "
                "FROM bridge_network WHERE id = 1"
            )
            .fetchone()
        )
        if row is None:
            return None
        intent = NetworkIntent.from_json(json.loads(row[0]))
        return NetworkRecord(intent, bool(row[1]), row[2], row[3], bool(row[4]), bool(row[5]))

    def save_network(self, record: NetworkRecord) -> None:
        self._conn()
        with self.state.transaction() as conn:
            conn.execute(
                "INSERT INTO bridge_network(id, bridge, created, added_address, brought_up, "
                "mac, mtu, intent) VALUES(1, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET "
                "bridge=excluded.bridge, created=excluded.created, "
                "added_address=excluded.added_address, brought_up=excluded.brought_up, "
                "mac=excluded.mac, mtu=excluded.mtu, intent=excluded.intent",
                (
                    record.bridge,
                    int(record.created),
                    int(record.added_address),
                    int(record.brought_up),
                    record.mac,
                    record.mtu,
                    json.dumps(record.intent.to_json(), sort_keys=True),
                ),
            )

    # -- sysctls ---------------------------------------------------------------------

    def remember_sysctl(self, path: str, old: str) -> None:
        """Keep the first value seen: a second init must not record plugnet's own."""
        self._conn()
        with self.state.transaction() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO bridge_sysctls(path, old) VALUES(?, ?)", (path, old)
            )

    def sysctls(self) -> list[tuple[str, str]]:
        return [tuple(r) for r in self._conn().execute("SELECT path, old FROM bridge_sysctls")]

    # -- attachments -----------------------------------------------------------------

    def attachment(self, container: str) -> Attachment | None:
        row = (
            self._conn()
            .execute(
                "SELECT container, netns, ifname, host_ifname, ip, prefixlen, mac, mtu "
                "FROM bridge_attachments WHERE container = ?",
                (container,),
            )
            .fetchone()
        )
        return None if row is None else self._attachment(row, self.network())

    def attachments(self) -> list[Attachment]:
        if not self.has_state():
            return []
        record = self.network()
        rows = self._conn().execute(
            "SELECT container, netns, ifname, host_ifname, ip, prefixlen, mac, mtu "
            "FROM bridge_attachments ORDER BY rowid"
        )
        return [self._attachment(r, record) for r in rows]

    @staticmethod
    def _attachment(row: Any, record: NetworkRecord | None) -> Attachment:
        assert record is not None, "attachments exist only on an initialised network"
        return Attachment(
            container=row[0],
            netns=row[1],
            ifname=row[2],
            host_ifname=row[3],
            ip=IPv4Address(row[4]),
            prefixlen=row[5],
            mac=row[6],
            mtu=row[7],
            gateway=record.intent.gateway,
            bridge=record.bridge,
            ports=(),
        )

    def host_ifname_taken(self, name: str) -> bool:
        row = (
            self._conn()
            .execute("SELECT 1 FROM bridge_attachments WHERE host_ifname = ?", (name,))
            .fetchone()
        )
        return row is not None

    def add_attachment(self, att: Attachment) -> None:
        self._conn()
        with self.state.transaction() as conn:
            conn.execute(
                "INSERT INTO bridge_attachments(container, netns, ifname, host_ifname, ip, "
                "prefixlen, mac, mtu) VALUES(?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    att.container,
                    att.netns,
                    att.ifname,
                    att.host_ifname,
                    str(att.ip),
                    att.prefixlen,
                    att.mac,
                    att.mtu,
                ),
            )

    def delete_attachment(self, container: str) -> None:
        with self.state.transaction() as conn:
            conn.execute("DELETE FROM bridge_attachments WHERE container = ?", (container,))

    # -- ports ---------------------------------------------------------------------------

    def forwards(self, container: str | None = None) -> list[PortForward]:
        sql = "SELECT forward FROM bridge_ports"
        args: tuple[str, ...] = ()
        if container is not None:
            sql += " WHERE container = ?"
            args = (container,)
        rows = self._conn().execute(sql + " ORDER BY rowid", args)
        return [PortForward.from_json(json.loads(r[0])) for r in rows]

    def add_forward(self, forward: PortForward) -> None:
        self._conn()
        with self.state.transaction() as conn:
            conn.execute(
                "INSERT INTO bridge_ports(container, proto, host_ip, host_port, forward) "
                "VALUES(?, ?, ?, ?, ?)",
                (
                    forward.container,
                    forward.proto,
                    str(forward.host_ip),
                    forward.host_port,
                    json.dumps(forward.to_json(), sort_keys=True),
                ),
            )

    def delete_forward(self, forward: PortForward) -> None:
        with self.state.transaction() as conn:
            conn.execute(
                "DELETE FROM bridge_ports WHERE proto = ? AND host_ip = ? AND host_port = ?",
                (forward.proto, str(forward.host_ip), forward.host_port),
            )

    # -- links -----------------------------------------------------------------------------

    def links(self, container: str | None = None) -> list[LinkIntent]:
        sql = "SELECT link FROM bridge_links"
        args: tuple[str, ...] = ()
        if container is not None:
            sql += " WHERE parent = ? OR child = ?"
            args = (container, container)
        rows = self._conn().execute(sql + " ORDER BY rowid", args)
        return [LinkIntent.from_json(json.loads(r[0])) for r in rows]

    def link(self, parent: str, child: str) -> LinkIntent | None:
        row = (
            self._conn()
            .execute(
                "SELECT link FROM bridge_links WHERE parent = ? AND child = ?", (parent, child)
            )
            .fetchone()
        )
        return None if row is None else LinkIntent.from_json(json.loads(row[0]))

    def save_link(self, link: LinkIntent) -> None:
        self._conn()
        with self.state.transaction() as conn:
            conn.execute(
                "INSERT INTO bridge_links(parent, child, link) VALUES(?, ?, ?) "
                "ON CONFLICT(parent, child) DO UPDATE SET link = excluded.link",
                (link.parent, link.child, json.dumps(link.to_json(), sort_keys=True)),
            )

    def delete_link(self, parent: str, child: str) -> None:
        with self.state.transaction() as conn:
            conn.execute("DELETE FROM bridge_links WHERE parent = ? AND child = ?", (parent, child))

    # -- teardown ----------------------------------------------------------------------------

    def clear(self) -> None:
        """Empty every bridge table (teardown)."""
        if not self.has_state():
            return
        self._conn()
        with self.state.transaction() as conn:
            for table in TABLES:
                conn.execute(f"DELETE FROM {table}")  # table names are constants
