"""The network's base rules, Docker 1.2's ``setupIPTables`` plus the nat chain jumps.

Returned top to bottom per chain. ``filter INPUT`` drops new traffic from the
bridge to 127.0.0.0/8 (route_localnet is on for published ports on 127.0.0.1);
``filter FORWARD`` gets related/established
accept, outgoing accept and the ICC verdict (Docker inserted them at the head
of the chain); ``nat POSTROUTING`` the subnet masquerade and, with local
forwarding, the masquerade of host-originated traffic into the bridge;
``nat PREROUTING``/``OUTPUT`` jump to :data:`~.rules.OWN_CHAIN` for local
destinations (appended, as Docker did).
"""

from __future__ import annotations

from plugnet.core.intents import NetworkIntent
from plugnet.firewall.iptables.rules import OWN_CHAIN, RuleSpec

__all__ = ["BUILTIN_CHAINS", "base_rules"]

#: The built-in chains plugnet writes to, per table (scanned for our tags).
BUILTIN_CHAINS = {
    "filter": ("INPUT", "FORWARD"),
    "nat": ("PREROUTING", "OUTPUT", "POSTROUTING"),
}

_LOCAL_DST = (("addrtype", (("dst-type", "LOCAL"),)),)


def base_rules(network: NetworkIntent) -> list[RuleSpec]:
    br = network.bridge
    rules = [
        RuleSpec(
            "filter",
            "FORWARD",
            "ACCEPT",
            out_iface=br,
            matches=(("conntrack", (("ctstate", "RELATED,ESTABLISHED"),)),),
        ),
        RuleSpec("filter", "FORWARD", "ACCEPT", in_iface=br, out_iface=f"!{br}"),
        RuleSpec(
            "filter", "FORWARD", "ACCEPT" if network.icc else "DROP", in_iface=br, out_iface=br
        ),
    ]
    if network.masquerade:
        rules.append(
            RuleSpec(
                "nat", "POSTROUTING", "MASQUERADE", src=str(network.subnet), out_iface=f"!{br}"
            )
        )
    if network.local_forwarding:
        # route_localnet on the bridge lets 127.0.0.0/8 leave through it for the
        # published ports on 127.0.0.1; it would also let a container send new
        # traffic to the host's loopback services (CVE-2020-8558's class).
        rules.append(
            RuleSpec(
                "filter",
                "INPUT",
                "DROP",
                in_iface=br,
                dst="127.0.0.0/8",
                matches=(("conntrack", (("ctstate", "INVALID,NEW,UNTRACKED"),)),),
            )
        )
        rules.append(
            RuleSpec(
                "nat",
                "POSTROUTING",
                "MASQUERADE",
                out_iface=br,
                matches=(("addrtype", (("src-type", "LOCAL"),)),),
            )
        )
    # Without local forwarding Docker 1.2 left 127.0.0.0/8 to its userland proxy.
    output_dst = None if network.local_forwarding else "!127.0.0.0/8"
    rules += [
        RuleSpec("nat", "PREROUTING", OWN_CHAIN, matches=_LOCAL_DST, position="end"),
        RuleSpec("nat", "OUTPUT", OWN_CHAIN, dst=output_dst, matches=_LOCAL_DST, position="end"),
    ]
    return rules
