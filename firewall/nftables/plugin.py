"""The nftables firewall backend: Docker 1.2's behaviour in a table plugnet owns.

Every hook is one libnftables JSON transaction (all or nothing). The base rules
are rewritten whole inside their transaction (flush the chains, add the rules),
which makes setup idempotent and switches the ICC verdict in place; port
forwards and links are map and set elements, so adding one costs the same
whatever the number of mappings. Teardown deletes the table (one network
today; see docs/firewall.md).

The CLI imports this class to register it, so nothing heavy is imported at
module level: libnftables loads on the first hook call.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from plugnet.core.errors import KernelError
from plugnet.core.hookspecs import hookimpl
from plugnet.core.intents import LinkIntent, NetworkIntent, PortForward

if TYPE_CHECKING:
    from plugnet.firewall.nftables.network import Element

__all__ = ["NftablesFirewallPlugin"]


class NftablesFirewallPlugin:
    """``--firewall-backend nftables``: table ``ip plugnet`` via libnftables JSON."""

    plugnet_contract = "1.0"

    def __init__(self) -> None:
        from plugnet.firewall.nftables.transport import Transport

        self._transport = Transport()

    @hookimpl
    def plugnet_firewall_setup_network(self, network: NetworkIntent) -> None:
        from plugnet.firewall.nftables import network as nw

        commands = [
            *nw.define_table(),
            *nw.flush_rules(),
            *nw.rule_commands(nw.base_rules(network)),
        ]
        self._transport.apply(commands, f"setting up rules for bridge {network.bridge}")

    @hookimpl
    def plugnet_firewall_teardown_network(self, network: NetworkIntent) -> None:
        from plugnet.firewall.nftables.network import FAMILY, TABLE

        table = {"family": FAMILY, "name": TABLE}
        # "add" then "delete" in one transaction: succeeds whether or not the
        # table exists, with no read of the ruleset (nft 1.0.6 has no "destroy").
        commands = [{"add": {"table": table}}, {"delete": {"table": table}}]
        self._transport.apply(commands, f"removing rules for bridge {network.bridge}")

    @hookimpl
    def plugnet_firewall_add_port(self, network: NetworkIntent, forward: PortForward) -> None:
        from plugnet.firewall.nftables.ports import port_elements

        self._modify("add", port_elements(network, forward), _describe_port(forward))

    @hookimpl
    def plugnet_firewall_del_port(self, network: NetworkIntent, forward: PortForward) -> None:
        from plugnet.firewall.nftables.ports import port_elements

        self._modify("delete", port_elements(network, forward), _describe_port(forward))

    @hookimpl
    def plugnet_firewall_add_link(self, network: NetworkIntent, link: LinkIntent) -> None:
        from plugnet.firewall.nftables.links import link_elements

        self._modify("add", link_elements(link), _describe_link(link))

    @hookimpl
    def plugnet_firewall_del_link(self, network: NetworkIntent, link: LinkIntent) -> None:
        from plugnet.firewall.nftables.links import link_elements

        self._modify("delete", link_elements(link), _describe_link(link))

    @hookimpl
    def plugnet_firewall_reapply(
        self,
        network: NetworkIntent,
        forwards: Sequence[PortForward],
        links: Sequence[LinkIntent],
    ) -> None:
        from plugnet.firewall.nftables import network as nw
        from plugnet.firewall.nftables.plan import intent_elements

        elements = intent_elements(network, forwards, links)
        commands = [
            *nw.define_table(),
            *nw.flush_rules(),
            *nw.flush_sets(),
            *nw.rule_commands(nw.base_rules(network)),
            *nw.element_commands("add", elements),
        ]
        self._transport.apply(commands, f"reapplying rules for bridge {network.bridge}")

    @hookimpl
    def plugnet_firewall_plan(
        self,
        network: NetworkIntent,
        forwards: Sequence[PortForward],
        links: Sequence[LinkIntent],
    ) -> list[str]:
        from plugnet.firewall.nftables.plan import plan_lines

        return plan_lines(network, forwards, links)

    def _modify(self, op: str, typed: list[Element], what: str) -> None:
        from plugnet.firewall.nftables import network as nw

        if op == "add":
            self._transport.apply(nw.element_commands("add", typed), f"adding {what}")
            return
        # Add-then-delete makes a missing element a success in one transaction.
        commands = [*nw.element_commands("add", typed), *nw.element_commands("delete", typed)]
        error = self._transport.try_apply(commands)
        if error is None:
            return
        if not self._transport.table_exists(nw.FAMILY, nw.TABLE):
            return  # nothing of ours is there (flushed, torn down, other backend)
        # Most often the same key maps elsewhere (another owner holds it now).
        raise KernelError(f"nftables: removing {what} failed: {error}")


def _describe_port(forward: PortForward) -> str:
    return (
        f"port {forward.host_ip}:{forward.host_port}/{forward.proto} -> "
        f"{forward.container_ip}:{forward.container_port} of {forward.container}"
    )


def _describe_link(link: LinkIntent) -> str:
    ports = ",".join(str(port) for port in link.ports)
    return f"link {link.parent_ip} -> {link.child_ip} ({ports})"
