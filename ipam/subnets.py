"""Choosing the bridge subnet: Docker's candidates, configurable pools, overlap checks.

Docker 1.2 walks 12 fixed candidates and takes the first that overlaps no
nameserver of resolv.conf and no route of the main table (spec §5, §6). Users
whose networks collide with all 12 can give their own pools: a list of CIDRs,
or a base CIDR carved into subnets of one prefix length (Docker's later
``--default-address-pool base=...,size=...``).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Interface, IPv4Network

from plugnet.core.errors import Exhausted, InvalidConfig
from plugnet.core.intents import Route, SubnetChoice
from plugnet.core.messages import NO_FREE_RANGE

__all__ = [
    "DOCKER_CANDIDATES",
    "CarvedPool",
    "ListPool",
    "Pool",
    "choose",
    "collisions",
    "parse_pools",
]

DOCKER_CANDIDATES: tuple[IPv4Interface, ...] = tuple(
    IPv4Interface(text)
    for text in (
        "172.17.42.1/16",
        "10.0.42.1/16",
        "10.1.42.1/16",
        "10.42.42.1/16",
        "172.16.42.1/24",
        "172.16.43.1/24",
        "172.16.44.1/24",
        "10.0.42.1/24",
        "10.0.43.1/24",
        "192.168.42.1/24",
        "192.168.43.1/24",
        "192.168.44.1/24",
    )
)

#: How many collisions the "nothing fits" error spells out before summarising.
MAX_LISTED = 16


def _bridge_address(text: str) -> IPv4Interface:
    """A CIDR with host bits is the bridge address as given; a network address
    gets its first host as the gateway (so network+2 is the first container)."""
    iface = IPv4Interface(text)
    if iface.ip == iface.network.network_address and iface.network.prefixlen <= 30:
        return IPv4Interface(f"{iface.ip + 1}/{iface.network.prefixlen}")
    return iface


@dataclass(frozen=True, slots=True)
class ListPool:
    """Explicit candidates, tried in the order given."""

    addresses: tuple[IPv4Interface, ...]

    def candidates(self) -> Iterator[IPv4Interface]:
        return iter(self.addresses)

    def __str__(self) -> str:
        return ",".join(str(a) for a in self.addresses)


@dataclass(frozen=True, slots=True)
class CarvedPool:
    """``base`` carved into consecutive subnets of ``/size``, gateway .1 each."""

    base: IPv4Network
    size: int

    def __post_init__(self) -> None:
        if not self.base.prefixlen <= self.size <= 30:
            raise InvalidConfig(
                f"invalid pool base={self.base},size={self.size}: size must be between "
                f"the base's prefix length ({self.base.prefixlen}) and 30"
            )

    def candidates(self) -> Iterator[IPv4Interface]:
        # Lazy: a /8 carved into /24s is 65536 candidates.
        for subnet in self.base.subnets(new_prefix=self.size):
            yield IPv4Interface(f"{subnet.network_address + 1}/{self.size}")

    def __str__(self) -> str:
        return f"base={self.base},size={self.size}"


Pool = ListPool | CarvedPool

DOCKER_POOL = ListPool(DOCKER_CANDIDATES)


def _parse_carved(item: str) -> CarvedPool:
    fields = dict(part.split("=", 1) for part in item.split(",") if "=" in part)
    if set(fields) != {"base", "size"} or not fields["size"].isdigit():
        raise InvalidConfig(f"invalid pool {item!r}: want base=CIDR,size=PREFIXLEN")
    return CarvedPool(IPv4Network(fields["base"], strict=True), int(fields["size"]))


def parse_pools(text: str) -> tuple[Pool, ...]:
    """Parse the pools setting.

    Pools are separated by ``;`` or whitespace. Each pool is either Docker's
    ``base=10.200.0.0/16,size=24`` or a comma-separated list of CIDRs
    (``172.30.0.0/16,192.168.100.1/24``). Empty text means Docker's 12.
    """
    pools: list[Pool] = []
    for item in text.replace(";", " ").split():
        try:
            if item.startswith("base="):
                pools.append(_parse_carved(item))
            else:
                pools.append(ListPool(tuple(_bridge_address(c) for c in item.split(",") if c)))
        except ValueError as exc:
            raise InvalidConfig(f"invalid subnet pool {item!r}: {exc}") from None
    return tuple(pools) or (DOCKER_POOL,)


def collisions(
    candidate: IPv4Interface, routes: Sequence[Route], nameservers: Sequence[IPv4Address]
) -> list[str]:
    """What ``candidate``'s network overlaps: nameservers first, then routes (Docker's order)."""
    network = candidate.network
    found = [f"nameserver {ns}" for ns in nameservers if ns in network]
    for route in routes:
        if route.destination.prefixlen == 0:
            continue  # the default route never counts (it has no IPNet in Docker)
        if route.destination.overlaps(network):
            device = f" dev {route.device}" if route.device else ""
            found.append(f"route {route.destination}{device}")
    return found


def choose(
    bridge: str,
    pools: Iterable[Pool],
    routes: Sequence[Route],
    nameservers: Sequence[IPv4Address],
    notes: Sequence[str] = (),
) -> SubnetChoice:
    """The first candidate of the pools that collides with nothing.

    :raises Exhausted: Docker's message, then each candidate and its collisions.
    """
    skipped: list[str] = list(notes)
    tried = 0
    for candidate in itertools.chain.from_iterable(p.candidates() for p in pools):
        hits = collisions(candidate, routes, nameservers)
        if not hits:
            return SubnetChoice(address=candidate, skipped=tuple(skipped))
        tried += 1
        if tried <= MAX_LISTED:
            skipped.append(f"{candidate} overlaps {', '.join(hits)}")
    if tried > MAX_LISTED:
        skipped.append(f"... and {tried - MAX_LISTED} more candidates, each overlapping")
    if tried == 0:
        skipped.append("no candidates configured")
    detail = "; ".join(skipped)
    raise Exhausted(f"{NO_FREE_RANGE.format(bridge=bridge)}. Tried: {detail}")
