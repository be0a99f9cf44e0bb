"""The whole intent as rule specs (for reapply) and as ``iptables-save`` lines (for plan)."""

from __future__ import annotations

from collections.abc import Sequence

from plugnet.core.intents import LinkIntent, NetworkIntent, PortForward
from plugnet.firewall.iptables.links import link_rules
from plugnet.firewall.iptables.network import base_rules
from plugnet.firewall.iptables.ports import port_rules
from plugnet.firewall.iptables.rules import OWN_CHAIN, RuleSpec

__all__ = ["intent_rules", "plan_lines"]


def intent_rules(
    network: NetworkIntent, forwards: Sequence[PortForward], links: Sequence[LinkIntent]
) -> list[RuleSpec]:
    """Link and port accepts first (they sit above the ICC verdict), then the base rules."""
    specs: list[RuleSpec] = []
    for link in links:
        specs += link_rules(network, link)
    for forward in forwards:
        specs += port_rules(network, forward)
    return list(dict.fromkeys([*specs, *base_rules(network)]))


def plan_lines(
    network: NetworkIntent, forwards: Sequence[PortForward], links: Sequence[LinkIntent]
) -> list[str]:
    specs = intent_rules(network, forwards, links)
    lines: list[str] = []
    for table in ("nat", "filter"):
        lines.append(f"*{table}")
        if table == "nat":
            lines.append(f":{OWN_CHAIN} - [0:0]")
        lines += [spec.save_line() for spec in specs if spec.table == table]
        lines.append("COMMIT")
    return lines
