"""The kernel side of the routed driver, through pyroute2 (imported lazily).

Every function runs in the calling thread's network namespace (plugnet enters
the host netns before calling a driver); the container side is reached by
entering the container's netns with :func:`plugnet.linux.netns.entered`.
"""

from __future__ import annotations

import os
from ipaddress import IPv4Address, IPv4Network
from pathlib import Path
from typing import Any

from plugnet.core.errors import KernelError
from plugnet.core.intents import Route
from plugnet.linux.netns import entered

GATEWAY = IPv4Address("169.254.1.1")
SCOPE_LINK = 253
MAIN_TABLE = 254
ENODEV = 19


def _iproute() -> Any:
    from pyroute2 import IPRoute

    return IPRoute()


def _index(ipr: Any, name: str) -> int:
    found = ipr.link_lookup(ifname=name)
    if not found:
        raise KernelError(f"interface {name} not found")
    return int(found[0])


def main_routes() -> tuple[Route, ...]:
    """The IPv4 routes of the main table, the default route excluded."""
    with _iproute() as ipr:
        routes = ipr.get_routes(family=2, table=MAIN_TABLE)
    found = []
    for route in routes:
        dst, length = route.get_attr("RTA_DST"), route["dst_len"]
        if dst and length:
            found.append(Route(IPv4Network(f"{dst}/{length}", strict=False)))
    return tuple(found)


def create_veth(host_ifname: str, peer_tmp: str, netns: Path, mtu: int) -> None:
    """A veth pair with its peer moved into ``netns`` (still under its temporary name)."""
    with _iproute() as ipr:
        ipr.link("add", ifname=host_ifname, kind="veth", peer=peer_tmp)
        fd = os.open(netns, os.O_RDONLY)
        try:
            ipr.link("set", index=_index(ipr, peer_tmp), net_ns_fd=fd)
        finally:
            os.close(fd)
        ipr.link("set", index=_index(ipr, host_ifname), mtu=mtu)


def configure_container_side(
    netns: Path, peer_tmp: str, ifname: str, ip: IPv4Address, mtu: int
) -> str:
    """Rename, address (/32), up, gateway on-link; returns the interface's MAC."""
    with entered(netns), _iproute() as ipr:
        index = _index(ipr, peer_tmp)
        ipr.link("set", index=index, ifname=ifname, mtu=mtu)
        ipr.addr("add", index=index, address=str(ip), prefixlen=32)
        ipr.link("set", index=index, state="up")
        ipr.route("add", dst=f"{GATEWAY}/32", oif=index, scope=SCOPE_LINK)
        ipr.route("add", dst="0.0.0.0/0", gateway=str(GATEWAY), oif=index)
        return str(ipr.get_links(index)[0].get_attr("IFLA_ADDRESS"))


def configure_host_side(host_ifname: str, ip: IPv4Address) -> None:
    """The gateway address on the host veth, link up, and the /32 route to the container."""
    with _iproute() as ipr:
        index = _index(ipr, host_ifname)
        ipr.addr("add", index=index, address=str(GATEWAY), prefixlen=32, scope=SCOPE_LINK)
        ipr.link("set", index=index, state="up")
        ipr.route("add", dst=f"{ip}/32", oif=index, scope=SCOPE_LINK)


def delete_link(name: str) -> None:
    """Delete a link (its veth peer goes with it); a missing link is success."""
    from pyroute2 import NetlinkError

    with _iproute() as ipr:
        found = ipr.link_lookup(ifname=name)
        if not found:
            return
        try:
            ipr.link("del", index=found[0])
        except NetlinkError as exc:
            if exc.code != ENODEV:
                raise KernelError(f"cannot delete {name}: {exc}") from exc
