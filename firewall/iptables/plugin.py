"""The iptables firewall backend: Docker 1.2's rules in the legacy tables via python-iptables.

python-iptables drives libiptc, which writes the *legacy* tables (see
``iptables-legacy-save``). Each hook stages its changes and commits once per
table (``autocommit=False``). Every rule carries a ``-m comment`` tag
(``plugnet`` or ``plugnet:<owner>``), so teardown and reapply remove only
plugnet's rules.

The CLI imports this class to register it: ``iptc`` is imported only when a
hook runs.
"""

from __future__ import annotations

from collections.abc import Sequence

from plugnet.core.hookspecs import hookimpl
from plugnet.core.intents import LinkIntent, NetworkIntent, PortForward

__all__ = ["IptablesFirewallPlugin"]


class IptablesFirewallPlugin:
    """``--firewall-backend iptables``: legacy iptables through libiptc."""

    plugnet_contract = "1.0"

    @hookimpl
    def plugnet_firewall_setup_network(self, network: NetworkIntent) -> None:
        from plugnet.firewall.iptables.apply import replace_ours
        from plugnet.firewall.iptables.network import base_rules
        from plugnet.firewall.iptables.rules import BASE_TAG

        replace_ours(base_rules(network), lambda tag: tag == BASE_TAG)

    @hookimpl
    def plugnet_firewall_teardown_network(self, network: NetworkIntent) -> None:
        from plugnet.firewall.iptables.apply import remove_all

        remove_all()

    @hookimpl
    def plugnet_firewall_add_port(self, network: NetworkIntent, forward: PortForward) -> None:
        self._ports(network, forward, add=True)

    @hookimpl
    def plugnet_firewall_del_port(self, network: NetworkIntent, forward: PortForward) -> None:
        self._ports(network, forward, add=False)

    @hookimpl
    def plugnet_firewall_add_link(self, network: NetworkIntent, link: LinkIntent) -> None:
        self._links(network, link, add=True)

    @hookimpl
    def plugnet_firewall_del_link(self, network: NetworkIntent, link: LinkIntent) -> None:
        self._links(network, link, add=False)

    @hookimpl
    def plugnet_firewall_reapply(
        self,
        network: NetworkIntent,
        forwards: Sequence[PortForward],
        links: Sequence[LinkIntent],
    ) -> None:
        from plugnet.firewall.iptables.apply import replace_ours
        from plugnet.firewall.iptables.plan import intent_rules
        from plugnet.firewall.iptables.rules import is_ours

        replace_ours(intent_rules(network, forwards, links), is_ours)

    @hookimpl
    def plugnet_firewall_plan(
        self,
        network: NetworkIntent,
        forwards: Sequence[PortForward],
        links: Sequence[LinkIntent],
    ) -> list[str]:
        from plugnet.firewall.iptables.plan import plan_lines

        return plan_lines(network, forwards, links)

    def _ports(self, network: NetworkIntent, forward: PortForward, *, add: bool) -> None:
        from plugnet.firewall.iptables.apply import modify
        from plugnet.firewall.iptables.ports import port_rules

        modify(port_rules(network, forward), add=add)

    def _links(self, network: NetworkIntent, link: LinkIntent, *, add: bool) -> None:
        from plugnet.firewall.iptables.apply import modify
        from plugnet.firewall.iptables.links import link_rules

        modify(link_rules(network, link), add=add)
