"""A firewall backend with only the required hooks: it writes no rule, it records calls.

It stands for a backend written against contract 1.0 before the optional hooks
it lacks mattered to its author: plugnet loads it and falls back (``reapply``
becomes teardown, setup, then each port and link; ``plan`` shows nothing).
"""

from __future__ import annotations

from plugnet.core.hookspecs import hookimpl
from plugnet.core.intents import LinkIntent, NetworkIntent, PortForward


class MinimalFirewallPlugin:
    """The six required firewall hooks, each a recorded no-op."""

    plugnet_contract = "1.0"

    def __init__(self) -> None:
        self.calls: list[str] = []

    @hookimpl
    def plugnet_firewall_setup_network(self, network: NetworkIntent) -> None:
        self.calls.append(f"setup {network.bridge}")

    @hookimpl
    def plugnet_firewall_teardown_network(self, network: NetworkIntent) -> None:
        self.calls.append(f"teardown {network.bridge}")

    @hookimpl
    def plugnet_firewall_add_port(self, network: NetworkIntent, forward: PortForward) -> None:
        self.calls.append(f"add port {forward.host_port}")

    @hookimpl
    def plugnet_firewall_del_port(self, network: NetworkIntent, forward: PortForward) -> None:
        self.calls.append(f"del port {forward.host_port}")

    @hookimpl
    def plugnet_firewall_add_link(self, network: NetworkIntent, link: LinkIntent) -> None:
        self.calls.append(f"add link {link.parent}->{link.child}")

    @hookimpl
    def plugnet_firewall_del_link(self, network: NetworkIntent, link: LinkIntent) -> None:
        self.calls.append(f"del link {link.parent}->{link.child}")
