"""Pure value types for the allocators: address ranges, port ranges, gap search.

Nothing here touches the kernel, the environment or a file; every function is
property-tested with hypothesis. Positions are unsigned offsets from the network
address (Docker 1.2 used ``int32``; unsigned gives the same answers, spec §14.17).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Interface, IPv4Network
from typing import Literal, cast

from plugnet.core.errors import InvalidConfig
from plugnet.core.messages import UNKNOWN_PROTOCOL

__all__ = [
    "ANY_HOST",
    "DYNAMIC_PORTS",
    "PROTOCOLS",
    "AddressRange",
    "PortRange",
    "check_port",
    "check_proto",
    "first_free",
    "parse_port_range",
    "port_clashes",
]

ANY_HOST = IPv4Address("0.0.0.0")
PROTOCOLS: frozenset[str] = frozenset({"tcp", "udp"})


def first_free(taken: Iterable[int], start: int, end: int) -> int | None:
    """The smallest integer in ``[start, end]`` that is not in ``taken``.

    ``taken`` must be ascending; it is consumed lazily and only up to the first
    gap, so a store can feed it straight from an ordered index scan (the gap
    search) without ever materialising the free set.
    """
    candidate = start
    for value in taken:
        if value < candidate:
            continue
        if value > candidate or candidate > end:
            break
        candidate += 1
    return candidate if candidate <= end else None


@dataclass(frozen=True, slots=True)
class AddressRange:
    """The container addresses of one bridge network, in Docker's terms.

    :param network: the bridge address with its prefix (``172.17.42.1/16``).

    Dynamic addresses run from network+2 to broadcast-1. network+1 is never
    handed out dynamically, as in Docker 1.2 (spec §7 quirk 4) and in every
    later Docker: the first container always gets network+2, whatever the
    gateway. A *requested* address may be network+1 when that is not the gateway.
    """

    network: IPv4Interface

    @property
    def subnet(self) -> IPv4Network:
        return self.network.network

    @property
    def key(self) -> str:
        """The store key: the subnet, so two gateways on one subnet share leases."""
        return str(self.subnet)

    @property
    def size(self) -> int:
        return self.subnet.num_addresses

    @property
    def gateway_position(self) -> int:
        return self.position(self.network.ip)

    @property
    def first_dynamic(self) -> int:
        return 2

    @property
    def last_dynamic(self) -> int:
        """broadcast-1; below 2 (a /31 or /32) means the range is empty."""
        return self.size - 2

    def position(self, ip: IPv4Address) -> int:
        return int(ip) - int(self.subnet.network_address)

    def address(self, position: int) -> IPv4Address:
        return IPv4Address(int(self.subnet.network_address) + position)

    def check_requested(self, ip: IPv4Address) -> int:
        """The position of a requested address, or InvalidConfig saying why not."""
        if ip not in self.subnet:
            raise InvalidConfig(f"requested ip {ip} is out of range: not in {self.subnet}")
        position = self.position(ip)
        reason = {
            0: "the network address",
            self.size - 1: "the broadcast address",
            self.gateway_position: "the gateway (the bridge's own address)",
        }.get(position)
        if reason is not None or self.size < 4:
            reason = reason or "in a network too small for containers"
            raise InvalidConfig(
                f"requested ip {ip} is out of range: it is {reason} of {self.subnet}"
            )
        return position


@dataclass(frozen=True, slots=True)
class PortRange:
    """A range of dynamic host ports, inclusive (Docker: 49153-65535)."""

    first: int
    last: int

    def __post_init__(self) -> None:
        if not 1 <= self.first <= self.last <= 65535:
            raise InvalidConfig(
                f"invalid port range {self.first}-{self.last}: "
                "want FIRST-LAST with 1 <= FIRST <= LAST <= 65535"
            )

    @property
    def size(self) -> int:
        return self.last - self.first + 1

    def __str__(self) -> str:
        return f"{self.first}-{self.last}"


DYNAMIC_PORTS = PortRange(49153, 65535)


def parse_port_range(text: str) -> PortRange:
    """``"49153-65535"`` or the kernel's ``"32768\\t60999"`` -> a PortRange."""
    parts = text.replace("-", " ").split()
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        raise InvalidConfig(f"invalid port range {text!r}: want FIRST-LAST, e.g. 49153-65535")
    return PortRange(int(parts[0]), int(parts[1]))


def check_proto(proto: str) -> Literal["tcp", "udp"]:
    """``tcp`` or ``udp``; anything else is Docker's "unknown protocol"."""
    if proto not in PROTOCOLS:
        raise InvalidConfig(f"{UNKNOWN_PROTOCOL}: {proto!r} (want tcp or udp)")
    return cast('Literal["tcp", "udp"]', proto)


def check_port(port: int) -> int:
    """An explicit host port must be 1..65535 (Docker 1.2 accepted anything, §14.8)."""
    if not 1 <= port <= 65535:
        raise InvalidConfig(f"invalid host port {port}: must be between 1 and 65535")
    return port


def port_clashes(a: IPv4Address, b: IPv4Address) -> bool:
    """Two bindings of one port and protocol clash when the addresses are equal
    or either is 0.0.0.0: the kernel refuses the second bind in both cases,
    which Docker 1.2's allocator missed (it keyed each address separately)."""
    return ANY_HOST in (a, b) or a == b
