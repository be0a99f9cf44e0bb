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
    outside_ip: IPv4Address = LAB_UPLINK_OUTSIDE.ip


def _add_container(
    lab_host: Netns, ns: Netns, index: int, ip: IPv4Interface, bridge: IPv4Interface, name: str
) -> None:
    host_end = f"pnlabv{index}"
    lab_host.run(
        "ip", "link", "add", host_end, "type", "veth", "peer", "name", "eth0", "netns", ns.name
    )
    lab_host.run("ip", "link", "set", host_end, "master", name, "up")
    # Hairpin, as the bridge driver sets it: a container may reach itself
    # through a published port on the host.
    lab_host.run("ip", "link", "set", host_end, "type", "bridge_slave", "hairpin", "on")
    ns.run("ip", "addr", "add", str(ip), "dev", "eth0")
    ns.run("ip", "link", "set", "eth0", "up")
    ns.run("ip", "route", "add", "default", "via", str(bridge.ip))


def build_bridge_lab(
    pool: NetnsPool,
    host: Netns,
    containers: int = 2,
    *,
    bridge: str = LAB_BRIDGE,
    address: IPv4Interface = LAB_BRIDGE_ADDRESS,
    uplink_host: IPv4Interface = LAB_UPLINK_HOST,
    uplink_outside: IPv4Interface = LAB_UPLINK_OUTSIDE,
) -> BridgeLab:
    """Wire the lab into ``host``; the pool deletes its namespaces after the test.

    Containers get network+2, network+3... with the bridge's prefix and a
    default route via ``address``'s IP.
    """
    host.run("ip", "link", "add", bridge, "address", "02:42:c0:00:02:01", "type", "bridge")
    host.run("ip", "addr", "add", str(address), "dev", bridge)
    host.run("ip", "link", "set", bridge, "up")
    # What a driver sets, not the backend: forwarding, route_localnet on the
    # bridge so DNAT of 127.0.0.1 may leave through it, and bridged traffic
    # handed to the IPv4 hooks (ICC off depends on it).
    host.write_sysctl("net.ipv4.ip_forward", "1")
    host.write_sysctl(f"net.ipv4.conf.{bridge}.route_localnet", "1")
    host.write_sysctl("net.bridge.bridge-nf-call-iptables", "1")
    made, ips = [], []
    for index in range(containers):
        ns = pool.create(f"c{index + 1}")
        ip = IPv4Interface(
            f"{address.network.network_address + 2 + index}/{address.network.prefixlen}"
        )
        _add_container(host, ns, index, ip, address, bridge)
        made.append(ns)
        ips.append(ip.ip)
    outside = pool.create("out")
    host.run(
        "ip", "link", "add", "pnlabup", "type", "veth", "peer", "name", "up0", "netns", outside.name
    )
    host.run("ip", "addr", "add", str(uplink_host), "dev", "pnlabup")
    host.run("ip", "link", "set", "pnlabup", "up")
    outside.run("ip", "addr", "add", str(uplink_outside), "dev", "up0")
    outside.run("ip", "link", "set", "up0", "up")
    return BridgeLab(
        host, tuple(made), tuple(ips), outside, bridge, address, uplink_host.ip, uplink_outside.ip
    )
