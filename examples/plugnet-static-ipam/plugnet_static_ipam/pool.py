"""The fixed list of addresses and subnets, parsed from settings (pure, no I/O)."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Interface

DEFAULT_ADDRESSES = "172.17.0.100-172.17.0.119"
DEFAULT_SUBNETS = "172.17.42.1/16"


def parse_addresses(text: str) -> tuple[IPv4Address, ...]:
    """``"10.0.0.5, 10.0.0.10-10.0.0.12"`` -> the addresses, in the order given."""
    found: list[IPv4Address] = []
    for item in filter(None, (part.strip() for part in text.replace(";", ",").split(","))):
        first, _, last = item.partition("-")
        start = IPv4Address(first.strip())
        end = IPv4Address(last.strip()) if last else start
        found.extend(IPv4Address(n) for n in range(int(start), int(end) + 1))
    return tuple(dict.fromkeys(found))


def parse_subnets(text: str) -> tuple[IPv4Interface, ...]:
    """``"172.17.42.1/16, 10.1.42.1/16"`` -> bridge addresses with their prefix."""
    return tuple(IPv4Interface(item.strip()) for item in text.split(",") if item.strip())
