"""A link: Docker 1.2's pair of FORWARD accepts per port (``--dport`` out, ``--sport`` back).

Tagged ``plugnet:<parent>`` (the link belongs to the parent, as in Docker).
"""

from __future__ import annotations

from plugnet.core.intents import LinkIntent, NetworkIntent
from plugnet.firewall.iptables.rules import TAG_PREFIX, RuleSpec

__all__ = ["link_rules"]


def link_rules(network: NetworkIntent, link: LinkIntent) -> list[RuleSpec]:
    br, tag = network.bridge, f"{TAG_PREFIX}{link.parent}"
    parent, child = f"{link.parent_ip}/32", f"{link.child_ip}/32"
    rules = []
    for port in link.ports:
        for src, dst, option in ((parent, child, "dport"), (child, parent, "sport")):
            rules.append(
                RuleSpec(
                    "filter",
                    "FORWARD",
                    "ACCEPT",
                    comment=tag,
                    src=src,
                    dst=dst,
                    in_iface=br,
                    out_iface=br,
                    proto=port.proto,
                    matches=((port.proto, ((option, str(port.port)),)),),
                )
            )
    return rules
