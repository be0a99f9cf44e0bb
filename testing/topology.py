"""A hand-built bridge network for firewall tests: what a driver would have made.

Inside a host netns: a bridge with a fixed MAC and address, two container
namespaces on it (veth, address, default route via the bridge), and an
"outside" namespace wired to the host by a veth, standing for another host.
Built with ``ip`` so a firewall backend is tested without any driver.
"""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Interface

from plugnet.testing.netns import Netns, NetnsPool

__all__ = ["BridgeLab", "build_bridge_lab"]

LAB_BRIDGE = "pnlab0"
LAB_BRIDGE_ADDRESS = IPv4Interface("192.0.2.1/24")
LAB_UPLINK_HOST = IPv4Interface("198.51.100.1/24")
LAB_UPLINK_OUTSIDE = IPv4Interface("198.51.100.2/24")


@dataclass(frozen=True, slots=True)
class BridgeLab:
    host: Netns
    containers: tuple[Netns, ...]
    container_ips: tuple[IPv4Address, ...]
    outside: Netns
    bridge: str = LAB_BRIDGE
    address: IPv4Interface = LAB_BRIDGE_ADDRESS
    host_uplink_ip: IPv4Address = LAB_UPLINK_HOST.ip


def _add_container(host: Netns, ns: Netns, index: int, ip: IPv4Interface) -> None:
    host_end = f"pnlabv{index}"
    host.run(
        "ip", "link", "add", host_end, "type", "veth", "peer", "name", "eth0", "netns", ns.name
    )
    host.run("ip", "link", "set", host_end, "master", LAB_BRIDGE, "up")
    ns.run("ip", "addr", "add", str(ip), "dev", "eth0")
    ns.run("ip", "link", "set", "eth0", "up")
    ns.run("ip", "route", "add", "default", "via", str(LAB_BRIDGE_ADDRESS.ip))


def build_bridge_lab(pool: NetnsPool, host: Netns, containers: int = 2) -> BridgeLab:
    """Wire the lab into ``host``; the pool deletes its namespaces after the test."""
    host.run("ip", "link", "add", LAB_BRIDGE, "address", "02:42:c0:00:02:01", "type", "bridge")
    host.run("ip", "addr", "add", str(LAB_BRIDGE_ADDRESS), "dev", LAB_BRIDGE)
    host.run("ip", "link", "set", LAB_BRIDGE, "up")
    # What a driver sets, not the backend: forwarding, and route_localnet on the
    # bridge so DNAT of 127.0.0.1 may leave through it.
    host.write_sysctl("net.ipv4.ip_forward", "1")
    host.write_sysctl(f"net.ipv4.conf.{LAB_BRIDGE}.route_localnet", "1")
    made, ips = [], []
    for index in range(containers):
        ns = pool.create(f"c{index + 1}")
        ip = IPv4Interface(f"{LAB_BRIDGE_ADDRESS.network.network_address + 2 + index}/24")
        _add_container(host, ns, index, ip)
        made.append(ns)
        ips.append(ip.ip)
    outside = pool.create("out")
    host.run(
        "ip", "link", "add", "pnlabup", "type", "veth", "peer", "name", "up0", "netns", outside.name
    )
    host.run("ip", "addr", "add", str(LAB_UPLINK_HOST), "dev", "pnlabup")
    host.run("ip", "link", "set", "pnlabup", "up")
    outside.run("ip", "addr", "add", str(LAB_UPLINK_OUTSIDE), "dev", "up0")
    outside.run("ip", "link", "set", "up0", "up")
    return BridgeLab(host, tuple(made), tuple(ips), outside)
