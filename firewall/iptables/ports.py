"""A published port: DNAT in plugnet's nat chain, FORWARD accept, hairpin masquerade.

Docker 1.2's ``Chain.Forward`` rules, tagged ``plugnet:<container>:<proto>/<host port>``
so two host ports forwarded to one container port are distinct rules. With
local forwarding the DNAT rule drops Docker's ``! -i <bridge>`` (containers
reach published ports through the host's address) and a per-port masquerade
lets a container reach its own published port (hairpin).
"""

from __future__ import annotations

from plugnet.core.intents import ANY_IPV4, NetworkIntent, PortForward
from plugnet.firewall.iptables.rules import OWN_CHAIN, TAG_PREFIX, RuleSpec

__all__ = ["port_rules", "port_tag"]


def port_tag(forward: PortForward) -> str:
    return f"{TAG_PREFIX}{forward.container}:{forward.proto}/{forward.host_port}"


def port_rules(network: NetworkIntent, forward: PortForward) -> list[RuleSpec]:
    tag, br, proto = port_tag(forward), network.bridge, forward.proto
    container = f"{forward.container_ip}/32"
    host = None if forward.host_ip == ANY_IPV4 else f"{forward.host_ip}/32"
    dport = ((proto, (("dport", str(forward.container_port)),)),)
    rules = [
        RuleSpec(
            "nat",
            OWN_CHAIN,
            "DNAT",
            comment=tag,
            dst=host,
            in_iface=None if network.local_forwarding else f"!{br}",
            proto=proto,
            matches=((proto, (("dport", str(forward.host_port)),)),),
            target_options=(
                ("to-destination", f"{forward.container_ip}:{forward.container_port}"),
            ),
            position="end",
        ),
        RuleSpec(
            "filter",
            "FORWARD",
            "ACCEPT",
            comment=tag,
            dst=container,
            in_iface=f"!{br}",
            out_iface=br,
            proto=proto,
            matches=dport,
        ),
    ]
    if network.local_forwarding:
        rules.append(
            RuleSpec(
                "nat",
                "POSTROUTING",
                "MASQUERADE",
                comment=tag,
                src=container,
                dst=container,
                proto=proto,
                matches=dport,
                position="end",
            )
        )
    return rules
