"""The allocation store protocol, and the in-memory store used by unit tests.

The strategies (:mod:`.ipalloc`, :mod:`.portalloc`) hold the policy; a store
only records leases and answers indexed questions. A store keeps allocations
and cursors, never the free set, so its size follows the number of leases and
not the size of the pool (a /8 costs nothing until it is used).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from ipaddress import IPv4Address
from typing import Protocol

from plugnet.ipam.ranges import ANY_HOST, first_free, port_clashes

__all__ = ["MemoryStore", "PortLease", "Store"]


@dataclass(frozen=True, slots=True, order=True)
class PortLease:
    """One reserved host port."""

    proto: str
    port: int
    host_ip: IPv4Address
    owner: str


class Store(Protocol):
    """What the allocators need from persistence.

    ``pool`` is an address pool's key (the subnet, e.g. ``172.17.0.0/16``);
    positions are offsets from its network address. Every method must be
    called inside :meth:`transaction` when it is part of a read-modify-write.
    """

    def transaction(self) -> AbstractContextManager[None]:
        """Exclusive and atomic: nothing is visible to others until it ends."""

    # -- addresses -------------------------------------------------------------

    def ip_owner(self, pool: str, position: int) -> str | None: ...

    def ip_of(self, pool: str, owner: str) -> int | None: ...

    def next_free_ip(self, pool: str, start: int, end: int, skip: int) -> int | None:
        """The lowest free position in ``[start, end]`` other than ``skip``."""

    def reserve_ip(self, pool: str, position: int, owner: str) -> None: ...

    def release_ip(self, pool: str, owner: str) -> None: ...

    def count_ips(self, pool: str) -> int: ...

    # -- ports -------------------------------------------------------------------

    def port_holder(self, host_ip: IPv4Address, proto: str, port: int) -> PortLease | None:
        """A lease that clashes with binding ``host_ip:port`` (0.0.0.0 clashes with all)."""

    def next_free_port(self, host_ip: IPv4Address, proto: str, start: int, end: int) -> int | None:
        """The lowest port in ``[start, end]`` with no clashing lease."""

    def reserve_port(self, lease: PortLease) -> None: ...

    def release_port(self, lease: PortLease) -> None: ...

    def ports_of(self, owner: str) -> list[PortLease]: ...

    # -- cursors, owners, reset -------------------------------------------------------

    def cursor(self, key: str) -> int:
        """The last position or port handed out under ``key``; 0 when none."""

    def set_cursor(self, key: str, value: int) -> None: ...

    def release_owner(self, owner: str) -> None: ...

    def reset(self) -> None: ...


class MemoryStore:
    """A dict-backed :class:`Store` for unit tests and benchmarks; not persistent."""

    def __init__(self) -> None:
        self._ips: dict[str, dict[int, str]] = {}
        self._ip_owners: dict[str, dict[str, int]] = {}
        self._ports: dict[tuple[str, int], dict[IPv4Address, str]] = {}
        self._cursors: dict[str, int] = {}

    @contextmanager
    def _noop(self) -> Iterator[None]:
        yield

    def transaction(self) -> AbstractContextManager[None]:
        return self._noop()

    def ip_owner(self, pool: str, position: int) -> str | None:
        return self._ips.get(pool, {}).get(position)

    def ip_of(self, pool: str, owner: str) -> int | None:
        return self._ip_owners.get(pool, {}).get(owner)

    def next_free_ip(self, pool: str, start: int, end: int, skip: int) -> int | None:
        taken = self._ips.get(pool, {})

        def run() -> Iterator[int]:
            # The run of taken positions from start: first_free stops at its end.
            position = start
            while position <= end and (position in taken or position == skip):
                yield position
                position += 1

        return first_free(run(), start, end)

    def reserve_ip(self, pool: str, position: int, owner: str) -> None:
        self._ips.setdefault(pool, {})[position] = owner
        self._ip_owners.setdefault(pool, {})[owner] = position

    def release_ip(self, pool: str, owner: str) -> None:
        position = self._ip_owners.get(pool, {}).pop(owner, None)
        if position is not None:
            del self._ips[pool][position]

    def count_ips(self, pool: str) -> int:
        return len(self._ips.get(pool, {}))

    def port_holder(self, host_ip: IPv4Address, proto: str, port: int) -> PortLease | None:
        holders = self._ports.get((proto, port), {})
        for ip in (host_ip, ANY_HOST) if host_ip != ANY_HOST else sorted(holders):
            owner = holders.get(ip)
            if owner is not None and port_clashes(ip, host_ip):
                return PortLease(proto, port, ip, owner)
        return None

    def next_free_port(self, host_ip: IPv4Address, proto: str, start: int, end: int) -> int | None:
        for port in range(start, end + 1):
            if self.port_holder(host_ip, proto, port) is None:
                return port
        return None

    def reserve_port(self, lease: PortLease) -> None:
        self._ports.setdefault((lease.proto, lease.port), {})[lease.host_ip] = lease.owner

    def release_port(self, lease: PortLease) -> None:
        holders = self._ports.get((lease.proto, lease.port), {})
        if holders.get(lease.host_ip) == lease.owner:
            del holders[lease.host_ip]

    def ports_of(self, owner: str) -> list[PortLease]:
        return sorted(
            PortLease(proto, port, ip, held_by)
            for (proto, port), holders in self._ports.items()
            for ip, held_by in holders.items()
            if held_by == owner
        )

    def cursor(self, key: str) -> int:
        return self._cursors.get(key, 0)

    def set_cursor(self, key: str, value: int) -> None:
        self._cursors[key] = value

    def release_owner(self, owner: str) -> None:
        for pool in list(self._ip_owners):
            self.release_ip(pool, owner)
        for lease in self.ports_of(owner):
            self.release_port(lease)

    def reset(self) -> None:
        self.__init__()  # type: ignore[misc]
