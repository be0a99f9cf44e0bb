"""The whole intent as data (for reapply) and as ``nft`` script lines (for plan).

:func:`plan_lines` writes nothing: it renders the same rule and element data
the transactions send, as a script ``nft -f`` accepts.
"""

from __future__ import annotations

from collections.abc import Sequence

from plugnet.core.intents import LinkIntent, NetworkIntent, PortForward
from plugnet.firewall.nftables import expr as x
from plugnet.firewall.nftables import network as nw
from plugnet.firewall.nftables.links import link_elements
from plugnet.firewall.nftables.ports import port_elements

__all__ = ["intent_elements", "plan_lines"]


def intent_elements(
    network: NetworkIntent, forwards: Sequence[PortForward], links: Sequence[LinkIntent]
) -> list[nw.Element]:
    """Every element the intent needs, without duplicates, in a stable order."""
    elements: list[nw.Element] = []
    for forward in forwards:
        elements += port_elements(network, forward)
    for link in links:
        elements += link_elements(link)
    return list(dict.fromkeys(elements))


def plan_lines(
    network: NetworkIntent, forwards: Sequence[PortForward], links: Sequence[LinkIntent]
) -> list[str]:
    where = f"{nw.FAMILY} {nw.TABLE}"
    lines = [f"add table {where}"]
    for chain in nw.CHAINS:
        if chain.hook is None:
            lines.append(f"add chain {where} {chain.name}")
        else:
            lines.append(
                f"add chain {where} {chain.name} {{ type {chain.kind} hook {chain.hook} "
                f"priority {chain.prio}; policy accept; }}"
            )
    for spec in nw.SETS:
        kind = "set" if spec.data is None else "map"
        data = "" if spec.data is None else f" : {spec.data}"
        lines.append(f"add {kind} {where} {spec.name} {{ type {' . '.join(spec.key)}{data}; }}")
    for rule in nw.base_rules(network):
        lines.append(
            f"add rule {where} {rule.chain} {x.render_statement(list(rule.exprs), rule.comment)}"
        )
    lines += [nw.element_text(element) for element in intent_elements(network, forwards, links)]
    return lines
