"""The bridge driver's netlink operations: bridge, addresses, veth pairs, routes.

Every function takes the ``IPRoute`` socket to act through, so the caller
decides the namespace (the host's cached socket, or one opened inside a
container). Kernel refusals become :class:`~plugnet.core.errors.KernelError`
naming the operation; "already there" and "already gone" are handled where they
mean success.
"""

from __future__ import annotations

import errno
from dataclasses import dataclass
from ipaddress import IPv4Interface, IPv4Network
from typing import Any

from plugnet.core.intents import Route
from plugnet.linux.netlink import is_errno, kernel_error

__all__ = [
    "LinkInfo",
    "add_address",
    "create_bridge",
    "default_route_mtu",
    "delete_address",
    "delete_link",
    "link_index",
    "link_info",
    "main_routes",
    "set_down",
    "set_up",
]

RT_TABLE_MAIN = 254
RTM_F_CLONED = 0x200
IFF_UP = 0x1


@dataclass(frozen=True, slots=True)
class LinkInfo:
    """What the driver needs to know about an existing interface."""

    index: int
    name: str
    kind: str
    mac: str
    mtu: int
    up: bool
    addresses: tuple[IPv4Interface, ...]


def _kind(msg: Any) -> str:
    info = msg.get_attr("IFLA_LINKINFO")
    return str(info.get_attr("IFLA_INFO_KIND") or "") if info is not None else ""


def link_info(ipr: Any, name: str) -> LinkInfo | None:
    """The interface called ``name``, or None when there is none."""
    try:
        found = ipr.link_lookup(ifname=name)
        if not found:
            return None
        index = int(found[0])
        msg = ipr.get_links(index)[0]
        addresses = tuple(
            IPv4Interface(f"{a.get_attr('IFA_ADDRESS')}/{a['prefixlen']}")
            for a in ipr.get_addr(family=2, index=index)
        )
    except Exception as exc:
        if is_errno(exc, errno.ENODEV):
            return None  # gone between the lookup and the read
        raise kernel_error(f"look up interface {name}", exc) from exc
    return LinkInfo(
        index=index,
        name=name,
        kind=_kind(msg),
        mac=str(msg.get_attr("IFLA_ADDRESS")),
        mtu=int(msg.get_attr("IFLA_MTU")),
        up=bool(msg["flags"] & IFF_UP),
        addresses=addresses,
    )


def link_index(ipr: Any, name: str) -> int | None:
    """The index of interface ``name`` (one RTM_GETLINK by name, no dump), or None."""
    try:
        return int(ipr.link("get", ifname=name)[0]["index"])
    except Exception as exc:
        if is_errno(exc, errno.ENODEV, errno.ENOENT):
            return None
        raise kernel_error(f"look up interface {name}", exc) from exc


def create_bridge(ipr: Any, name: str, mac: str, mtu: int) -> int:
    """Create bridge ``name`` with a fixed MAC and MTU, down; returns its index."""
    try:
        ipr.link("add", ifname=name, kind="bridge", address=mac, mtu=mtu)
        return int(ipr.link_lookup(ifname=name)[0])
    except Exception as exc:
        raise kernel_error(f"create bridge {name}", exc) from exc


def add_address(ipr: Any, index: int, name: str, address: IPv4Interface) -> None:
    """Add ``address`` to the interface and bring it up; errors are checked (unlike Docker 1.2)."""
    try:
        ipr.addr("add", index=index, address=str(address.ip), prefixlen=address.network.prefixlen)
    except Exception as exc:
        if not is_errno(exc, errno.EEXIST):
            raise kernel_error(f"add address {address} to {name}", exc) from exc


def delete_address(ipr: Any, index: int, address: IPv4Interface) -> None:
    """Remove ``address`` (rollback of :func:`add_address`); gone already is fine."""
    try:
        ipr.addr("del", index=index, address=str(address.ip), prefixlen=address.network.prefixlen)
    except Exception as exc:
        if not is_errno(exc, errno.EADDRNOTAVAIL, errno.ENODEV):
            raise kernel_error(f"remove address {address}", exc) from exc


def set_up(ipr: Any, index: int, name: str) -> None:
    try:
        ipr.link("set", index=index, state="up")
    except Exception as exc:
        raise kernel_error(f"bring {name} up", exc) from exc


def set_down(ipr: Any, index: int, name: str) -> None:
    try:
        ipr.link("set", index=index, state="down")
    except Exception as exc:
        raise kernel_error(f"set {name} down", exc) from exc


def delete_link(ipr: Any, name: str) -> bool:
    """Delete interface ``name``; False when it was already gone."""
    try:
        ipr.link("del", ifname=name)
    except Exception as exc:
        if is_errno(exc, errno.ENODEV, errno.ENOENT):
            return False
        raise kernel_error(f"delete interface {name}", exc) from exc
    return True


def main_routes(ipr: Any) -> tuple[Route, ...]:
    """IPv4 routes of the main table with a destination (default and cloned routes left out)."""
    try:
        names = {int(m["index"]): str(m.get_attr("IFLA_IFNAME")) for m in ipr.get_links()}
        dump = list(ipr.get_routes(family=2, table=RT_TABLE_MAIN))
    except Exception as exc:
        raise kernel_error("read the routes of the main table", exc) from exc
    routes: list[Route] = []
    for msg in dump:
        if msg["dst_len"] == 0 or msg["flags"] & RTM_F_CLONED:
            continue
        if (msg.get_attr("RTA_TABLE") or msg["table"]) != RT_TABLE_MAIN:
            continue
        dst = msg.get_attr("RTA_DST")
        if dst is None:
            continue
        network = IPv4Network(f"{dst}/{msg['dst_len']}", strict=False)
        routes.append(Route(network, names.get(int(msg.get_attr("RTA_OIF") or 0), "")))
    return tuple(routes)


def default_route_mtu(ipr: Any) -> int | None:
    """The MTU of the interface the default route leaves through, or None."""
    try:
        for msg in ipr.get_routes(family=2, table=RT_TABLE_MAIN):
            if msg["dst_len"] != 0 or msg.get_attr("RTA_DST") is not None:
                continue
            oif = msg.get_attr("RTA_OIF")
            if oif is None:
                continue
            return int(ipr.get_links(int(oif))[0].get_attr("IFLA_MTU"))
    except Exception as exc:
        raise kernel_error("find the default route's interface", exc) from exc
    return None
