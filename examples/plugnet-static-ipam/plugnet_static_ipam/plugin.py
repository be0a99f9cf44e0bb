"""An allocator that hands out container addresses from a fixed list.

Settings, read when plugnet configures the plugin:

``PLUGNET_STATIC_ADDRESSES``
    The addresses to hand out, in order: ``10.0.0.5, 10.0.0.10-10.0.0.20``
    (default ``172.17.0.100-172.17.0.119``). On a network, only the listed
    addresses inside it are used; the first free one is handed out.
``PLUGNET_STATIC_SUBNETS``
    The bridge addresses to choose from when no ``--bip`` is given
    (default ``172.17.42.1/16``).

Host ports are handed out as Docker does (49153-65535, explicit ports checked).
Leases live in the tables ``static_ipam_ips`` and ``static_ipam_ports`` of
plugnet's state store; every change is one transaction under the state lock,
so concurrent plugnet processes never get the same address.
"""

from __future__ import annotations

import os
import sqlite3
from ipaddress import IPv4Address, IPv4Interface

from plugnet.core import messages
from plugnet.core.errors import Conflict, Exhausted, InvalidConfig
from plugnet.core.hookspecs import hookimpl
from plugnet.core.intents import (
    DaemonConfig,
    IPRequest,
    PortRequest,
    Proto,
    SubnetChoice,
    SubnetRequest,
)
from plugnet.core.state import StateStore

from plugnet_static_ipam.pool import (
    DEFAULT_ADDRESSES,
    DEFAULT_SUBNETS,
    parse_addresses,
    parse_subnets,
)

SCHEMA = """
CREATE TABLE IF NOT EXISTS static_ipam_ips (
    network TEXT NOT NULL, ip TEXT NOT NULL, owner TEXT NOT NULL,
    PRIMARY KEY (network, ip)
);
CREATE TABLE IF NOT EXISTS static_ipam_ports (
    host_ip TEXT NOT NULL, proto TEXT NOT NULL, port INTEGER NOT NULL, owner TEXT NOT NULL,
    PRIMARY KEY (host_ip, proto, port)
);
"""
FIRST_PORT, LAST_PORT = 49153, 65535
ANY = "0.0.0.0"


class StaticIpamPlugin:
    """Addresses from a fixed list; see the module docstring."""

    plugnet_contract = "1.0"

    def __init__(self) -> None:
        self.state: StateStore | None = None
        self.addresses = parse_addresses(DEFAULT_ADDRESSES)
        self.subnets = parse_subnets(DEFAULT_SUBNETS)

    @hookimpl
    def plugnet_configure(self, config: DaemonConfig, state: StateStore) -> None:
        self.state = state
        self.addresses = parse_addresses(
            os.environ.get("PLUGNET_STATIC_ADDRESSES", DEFAULT_ADDRESSES)
        )
        self.subnets = parse_subnets(os.environ.get("PLUGNET_STATIC_SUBNETS", DEFAULT_SUBNETS))

    def _store(self) -> StateStore:
        if self.state is None:
            raise InvalidConfig("the static allocator was not configured")
        self.state.ensure_schema("static_ipam.v1", SCHEMA)
        return self.state

    # -- subnets --------------------------------------------------------------------------

    @hookimpl
    def plugnet_choose_subnet(self, request: SubnetRequest) -> SubnetChoice:
        nameservers = {
            IPv4Address(line.split()[1])
            for line in request.resolv_conf.splitlines()
            if line.startswith("nameserver") and len(line.split()) > 1 and "." in line
        }
        skipped: list[str] = []
        for candidate in self.subnets:
            clash = [
                str(r.destination)
                for r in request.routes
                if r.destination.overlaps(candidate.network)
            ]
            clash += [f"nameserver {ns}" for ns in nameservers if ns in candidate.network]
            if not clash:
                return SubnetChoice(candidate, tuple(skipped))
            skipped.append(f"{candidate}: overlaps {', '.join(clash)}")
        raise Exhausted(
            messages.NO_FREE_RANGE.format(bridge=request.bridge) + " (" + "; ".join(skipped) + ")"
        )

    # -- addresses ------------------------------------------------------------------------

    @hookimpl
    def plugnet_request_ip(self, request: IPRequest) -> IPv4Address:
        net = request.network
        reserved = (net.ip, net.network.network_address, net.network.broadcast_address)
        usable = [ip for ip in self.addresses if ip in net.network and ip not in reserved]
        with self._store().transaction() as conn:
            taken = {
                IPv4Address(row[0])
                for row in conn.execute(
                    "SELECT ip FROM static_ipam_ips WHERE network = ?", (str(net),)
                )
            }
            chosen = self._pick(request, usable, taken)
            conn.execute(
                "INSERT INTO static_ipam_ips VALUES (?, ?, ?)",
                (str(net), str(chosen), request.owner),
            )
        return chosen

    @staticmethod
    def _pick(
        request: IPRequest, usable: list[IPv4Address], taken: set[IPv4Address]
    ) -> IPv4Address:
        wanted = request.requested
        if wanted is not None:
            if wanted not in usable:
                raise InvalidConfig(
                    f"requested ip {wanted} is not in the static list for {request.network}"
                )
            if wanted in taken:
                raise Conflict(messages.IP_ALREADY_ALLOCATED)
            return wanted
        for ip in usable:
            if ip not in taken:
                return ip
        raise Exhausted(messages.NO_AVAILABLE_IPS)

    @hookimpl
    def plugnet_release_ip(self, network: IPv4Interface, owner: str) -> None:
        with self._store().transaction() as conn:
            conn.execute(
                "DELETE FROM static_ipam_ips WHERE network = ? AND owner = ?", (str(network), owner)
            )

    # -- ports ------------------------------------------------------------------------------

    @hookimpl
    def plugnet_request_port(self, request: PortRequest) -> int:
        host_ip = str(request.host_ip)
        with self._store().transaction() as conn:
            port = request.port or self._free_port(conn, host_ip, request.proto)
            holder = _port_holder(conn, host_ip, request.proto, port)
            if holder is not None:
                raise Conflict(messages.PORT_ALREADY_ALLOCATED.format(ip=host_ip, port=port))
            conn.execute(
                "INSERT INTO static_ipam_ports VALUES (?, ?, ?, ?)",
                (host_ip, request.proto, port, request.owner),
            )
        return port

    @staticmethod
    def _free_port(conn: sqlite3.Connection, host_ip: str, proto: str) -> int:
        for port in range(FIRST_PORT, LAST_PORT + 1):
            if _port_holder(conn, host_ip, proto, port) is None:
                return port
        raise Exhausted(messages.ALL_PORTS_ALLOCATED)

    @hookimpl
    def plugnet_release_port(
        self, owner: str, host_ip: IPv4Address, proto: Proto, port: int
    ) -> None:
        with self._store().transaction() as conn:
            conn.execute(
                "DELETE FROM static_ipam_ports WHERE owner = ? AND host_ip = ? AND proto = ? "
                "AND port = ?",
                (owner, str(host_ip), proto, port),
            )

    @hookimpl
    def plugnet_release_owner(self, owner: str) -> None:
        with self._store().transaction() as conn:
            conn.execute("DELETE FROM static_ipam_ips WHERE owner = ?", (owner,))
            conn.execute("DELETE FROM static_ipam_ports WHERE owner = ?", (owner,))

    @hookimpl
    def plugnet_reset_allocations(self) -> None:
        with self._store().transaction() as conn:
            conn.execute("DELETE FROM static_ipam_ips")
            conn.execute("DELETE FROM static_ipam_ports")


def _port_holder(conn: sqlite3.Connection, host_ip: str, proto: str, port: int) -> str | None:
    """Who holds ``port``: 0.0.0.0 clashes with every address, and the reverse."""
    query = "SELECT owner FROM static_ipam_ports WHERE proto = ? AND port = ?"
    args: tuple[object, ...] = (proto, port)
    if host_ip != ANY:
        query += " AND host_ip IN (?, ?)"
        args += (host_ip, ANY)
    row = conn.execute(query, args).fetchone()
    return None if row is None else str(row[0])
