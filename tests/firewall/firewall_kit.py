"""Helpers for firewall tests: backends in a netns, dumps, a hand-made bridge topology.

Topology (all inside the test sandbox)::

    outside (10.0.0.2) --veth-- host (10.0.0.1, br0 172.17.42.1/16) --veth-- c1 172.17.0.2
                                                                     --veth-- c2 172.17.0.3

The host gets what the bridge driver would set: ip_forward=1, route_localnet=1
on br0, hairpin mode on the bridge ports, bridge-nf-call-iptables=1.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from ipaddress import IPv4Interface
from typing import Any

from plugnet.core.intents import NetworkIntent
from plugnet.firewall.iptables.plugin import IptablesFirewallPlugin
from plugnet.firewall.nftables.plugin import NftablesFirewallPlugin
from plugnet.linux.netns import entered
from plugnet.testing.netns import Netns, NetnsPool
from plugnet.testing.topology import build_bridge_lab

BACKENDS = {"iptables": IptablesFirewallPlugin, "nftables": NftablesFirewallPlugin}
BRIDGE = "br0"
NETWORK = NetworkIntent(BRIDGE, IPv4Interface("172.17.42.1/16"))


class InNetns:
    """Calls a backend's hooks with this thread inside ``netns``."""

    def __init__(self, name: str, plugin: Any, netns: Netns) -> None:
        self.name, self.plugin, self.netns = name, plugin, netns

    def __getattr__(self, hook: str) -> Any:
        method = getattr(self.plugin, f"plugnet_firewall_{hook}")

        def call(**kwargs: Any) -> Any:
            with entered(self.netns.name):
                return method(**kwargs)

        return call


def dump(backend: str, ns: Netns) -> str:
    """Our part of the ruleset as the user sees it (counters and dates stripped)."""
    if backend == "nftables":
        return ns.run("nft", "list", "table", "ip", "plugnet", check=False).stdout
    text = ns.run("iptables-legacy-save").stdout
    lines, keep = [], False
    for line in text.splitlines():
        if line.startswith("*"):
            keep = line in ("*nat", "*filter")
        if keep and not line.startswith("#"):
            lines.append(line.split(" [", 1)[0] if line.startswith(":") else line)
    return "\n".join(lines) + "\n"


def add_user_rules(ns: Netns) -> None:
    """A user's own rules, which plugnet must never touch."""
    ns.run("iptables-legacy", "-A", "FORWARD", "-s", "192.0.2.1/32", "-j", "ACCEPT")
    ns.run(
        "iptables-legacy", "-t", "nat", "-A", "POSTROUTING", "-s", "192.0.2.9/32", "-j", "ACCEPT"
    )
    # A user's rule inside the nat chain plugnet shares with Docker's layout.
    ns.run("iptables-legacy", "-t", "nat", "-N", "DOCKER")
    ns.run("iptables-legacy", "-t", "nat", "-A", "DOCKER", "-s", "192.0.2.7/32", "-j", "RETURN")
    ns.run("nft", "add table ip user")
    ns.run("nft", "add chain ip user userfwd { type filter hook forward priority 0; }")
    ns.run("nft", "add rule ip user userfwd ip saddr 192.0.2.1 accept")


def full_state(ns: Netns) -> tuple[str, str]:
    return dump("iptables", ns), ns.run("nft", "list", "ruleset").stdout


@dataclass
class Topology:
    """The kit's bridge lab, with the names and addresses these tests use."""

    host: Netns
    outside: Netns
    c1: Netns
    c2: Netns
    host_ip: str = "10.0.0.1"
    outside_ip: str = "10.0.0.2"
    c1_ip: str = "172.17.0.2"
    c2_ip: str = "172.17.0.3"


@contextmanager
def make_topology(p: NetnsPool) -> Iterator[Topology]:
    host = p.create("host")
    lab = build_bridge_lab(
        p,
        host,
        bridge=BRIDGE,
        address=NETWORK.address,
        uplink_host=IPv4Interface("10.0.0.1/24"),
        uplink_outside=IPv4Interface("10.0.0.2/24"),
    )
    c1, c2 = lab.containers
    yield Topology(host, lab.outside, c1, c2)
