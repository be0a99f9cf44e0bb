"""The none firewall backend: every firewall hook, doing nothing.

Selected by ``--iptables=false`` or ``--firewall-backend none``. It is a real,
complete backend so callers never special-case "no firewall"; refusing
``--icc=false`` without a firewall is the core's job (Docker's message).
"""

from __future__ import annotations

from collections.abc import Sequence

from plugnet.core.hookspecs import hookimpl
from plugnet.core.intents import LinkIntent, NetworkIntent, PortForward

__all__ = ["NoneFirewallPlugin"]


class NoneFirewallPlugin:
    """Writes no rule; ``plan`` is empty."""

    plugnet_contract = "1.0"

    @hookimpl
    def plugnet_firewall_setup_network(self, network: NetworkIntent) -> None:
        return None

    @hookimpl
    def plugnet_firewall_teardown_network(self, network: NetworkIntent) -> None:
        return None

    @hookimpl
    def plugnet_firewall_add_port(self, network: NetworkIntent, forward: PortForward) -> None:
        return None

    @hookimpl
    def plugnet_firewall_del_port(self, network: NetworkIntent, forward: PortForward) -> None:
        return None

    @hookimpl
    def plugnet_firewall_add_link(self, network: NetworkIntent, link: LinkIntent) -> None:
        return None

    @hookimpl
    def plugnet_firewall_del_link(self, network: NetworkIntent, link: LinkIntent) -> None:
        return None

    @hookimpl
    def plugnet_firewall_reapply(
        self,
        network: NetworkIntent,
        forwards: Sequence[PortForward],
        links: Sequence[LinkIntent],
    ) -> None:
        return None

    @hookimpl
    def plugnet_firewall_plan(
        self,
        network: NetworkIntent,
        forwards: Sequence[PortForward],
        links: Sequence[LinkIntent],
    ) -> list[str]:
        return []
