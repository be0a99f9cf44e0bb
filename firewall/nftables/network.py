"""The table plugnet owns (``ip plugnet``): its chains, sets and the network's base rules.

Layout (see docs/firewall.md for the listing a user sees):

- ``filter_input`` (hook input): new traffic from the bridge to 127.0.0.0/8
  is dropped (route_localnet is on for published ports on 127.0.0.1);
- ``filter_forward`` (hook forward): link accepts (a ``links`` set lookup, both
  directions), published-port accept (``ct status dnat``), related/established
  accept, outgoing accept, the ICC verdict last;
- ``nat_prerouting`` / ``nat_output``: ``fib daddr type local`` jumps to
  ``port_dnat`` (Docker's nat ``DOCKER`` chain);
- ``port_dnat``: two DNAT lookups, one for ports published on every address
  and one for ports published on one address;
- ``nat_postrouting``: masquerade of the subnet, plus the local-forwarding
  masquerades (traffic from the host's own addresses and hairpin traffic).

Port forwards and links are *elements* of maps and sets, never rules: adding
one is a constant-cost element insert and the packet path does one hash
lookup whatever the number of mappings. Everything in the table is plugnet's;
link elements and a port's address-map element carry a ``plugnet:<container>``
comment naming their owner.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from plugnet.core.intents import NetworkIntent
from plugnet.firewall.nftables import expr as x
from plugnet.firewall.nftables.transport import Command

__all__ = [
    "CHAINS",
    "FAMILY",
    "SETS",
    "TABLE",
    "Element",
    "Rule",
    "SetSpec",
    "base_rules",
    "define_table",
    "element_commands",
    "element_text",
    "flush_rules",
    "flush_sets",
    "rule_commands",
]

FAMILY = "ip"
TABLE = "plugnet"
OWNER_PREFIX = "plugnet:"


@dataclass(frozen=True, slots=True)
class ChainSpec:
    name: str
    hook: str | None = None
    kind: str = "filter"
    prio: int = 0


@dataclass(frozen=True, slots=True)
class SetSpec:
    name: str
    key: tuple[str, ...]
    #: The data type for a map; None for a plain set.
    data: str | None = None


CHAINS = (
    ChainSpec("filter_input", "input", "filter", 0),
    ChainSpec("filter_forward", "forward", "filter", 0),
    ChainSpec("nat_prerouting", "prerouting", "nat", -100),
    ChainSpec("nat_output", "output", "nat", -100),
    ChainSpec("nat_postrouting", "postrouting", "nat", 100),
    ChainSpec("port_dnat"),
)

_ANY_KEY = ("inet_proto", "inet_service")
_ADDR_KEY = ("ipv4_addr", "inet_proto", "inet_service")
_PAIR_KEY = ("ipv4_addr", "ipv4_addr", "inet_proto", "inet_service")
SETS = (
    SetSpec("hostport_any_addr", _ANY_KEY, "ipv4_addr"),
    SetSpec("hostport_any_port", _ANY_KEY, "inet_service"),
    SetSpec("hostport_ip_addr", _ADDR_KEY, "ipv4_addr"),
    SetSpec("hostport_ip_port", _ADDR_KEY, "inet_service"),
    SetSpec("links", _PAIR_KEY),
)


@dataclass(frozen=True, slots=True)
class Element:
    """One set element (``key``) or map element (``key : value``) with its owner."""

    set_name: str
    key: tuple[str | int, ...]
    value: str | int | None = None
    owner: str = ""


@dataclass(frozen=True, slots=True)
class Rule:
    chain: str
    exprs: tuple[Any, ...]
    comment: str


def _where(**extra: Any) -> dict[str, Any]:
    return {"family": FAMILY, "table": TABLE, **extra}


def define_table() -> list[Command]:
    """Create the table, chains and sets if missing (``add`` keeps what exists)."""
    commands: list[Command] = [{"add": {"table": {"family": FAMILY, "name": TABLE}}}]
    for chain in CHAINS:
        body = _where(name=chain.name)
        if chain.hook is not None:
            body.update(type=chain.kind, hook=chain.hook, prio=chain.prio, policy="accept")
        commands.append({"add": {"chain": body}})
    for spec in SETS:
        body = _where(name=spec.name, type=list(spec.key))
        if spec.data is None:
            commands.append({"add": {"set": body}})
        else:
            commands.append({"add": {"map": {**body, "map": spec.data}}})
    return commands


def flush_rules() -> list[Command]:
    return [{"flush": {"chain": _where(name=chain.name)}} for chain in CHAINS]


def flush_sets() -> list[Command]:
    return [
        {"flush": {("set" if spec.data is None else "map"): _where(name=spec.name)}}
        for spec in SETS
    ]


def rule_commands(rules: list[Rule]) -> list[Command]:
    return [
        {"add": {"rule": _where(chain=rule.chain, expr=list(rule.exprs), comment=rule.comment)}}
        for rule in rules
    ]


def base_rules(network: NetworkIntent) -> list[Rule]:
    """The network's rules, chain by chain, in the order the packet meets them."""
    return [
        *_input_rules(network),
        *_forward_rules(network),
        *_dnat_rules(network),
        *_postrouting_rules(network),
    ]


_IIF, _OIF = x.meta("iifname"), x.meta("oifname")
_L4, _SADDR, _DADDR = x.meta("l4proto"), x.payload("ip", "saddr"), x.payload("ip", "daddr")
_DPORT, _SPORT = x.payload("th", "dport"), x.payload("th", "sport")
_DNATED = x.match({"ct": {"key": "status"}}, "dnat", "in")


def _input_rules(network: NetworkIntent) -> list[Rule]:
    if not network.local_forwarding:
        return []
    # route_localnet on the bridge lets 127.0.0.0/8 leave through it for the
    # published ports on 127.0.0.1; it would also let a container send new
    # traffic to the host's loopback services (CVE-2020-8558's class). Only
    # replies of host-originated connections may come back to 127.0.0.0/8.
    return [
        Rule(
            "filter_input",
            (
                x.match(_IIF, network.bridge),
                x.match(_DADDR, x.prefix("127.0.0.0", 8)),
                x.match({"ct": {"key": "state"}}, ["new", "invalid", "untracked"], "in"),
                x.drop(),
            ),
            "plugnet: no loopback from containers",
        )
    ]


def _forward_rules(network: NetworkIntent) -> list[Rule]:
    br = network.bridge
    verdict = x.accept() if network.icc else x.drop()
    chain = "filter_forward"
    return [
        Rule(
            chain,
            (
                x.match(_IIF, br),
                x.match(_OIF, br),
                x.match(x.concat(_SADDR, _DADDR, _L4, _DPORT), "@links"),
                x.accept(),
            ),
            "plugnet: links",
        ),
        Rule(
            chain,
            (
                x.match(_IIF, br),
                x.match(_OIF, br),
                x.match(x.concat(_DADDR, _SADDR, _L4, _SPORT), "@links"),
                x.accept(),
            ),
            "plugnet: link replies",
        ),
        Rule(
            chain,
            (
                x.match(_IIF, br, "!="),
                x.match(_OIF, br),
                _DNATED,
                x.accept(),
            ),
            "plugnet: published ports",
        ),
        Rule(
            chain,
            (
                x.match(_OIF, br),
                x.match({"ct": {"key": "state"}}, ["established", "related"], "in"),
                x.accept(),
            ),
            "plugnet: related,established",
        ),
        Rule(chain, (x.match(_IIF, br), x.match(_OIF, br, "!="), x.accept()), "plugnet: outgoing"),
        Rule(chain, (x.match(_IIF, br), x.match(_OIF, br), verdict), "plugnet: icc"),
    ]


def _dnat(key: Any, addr_map: str, port_map: str) -> Any:
    return {
        "dnat": {
            "family": FAMILY,
            "addr": {"map": {"key": key, "data": f"@{addr_map}"}},
            "port": {"map": {"key": key, "data": f"@{port_map}"}},
        }
    }


def _dnat_rules(network: NetworkIntent) -> list[Rule]:
    local = x.fib_local("daddr")
    output_match: tuple[Any, ...] = (local,)
    dnat_rules: list[Rule] = []
    if not network.local_forwarding:
        # Docker 1.2: 127.0.0.0/8 is left to the userland proxy, and traffic
        # from the bridge itself is not forwarded back (no hairpin).
        output_match = (x.match(_DADDR, x.prefix("127.0.0.0", 8), "!="), local)
        dnat_rules.append(
            Rule(
                "port_dnat",
                (x.match(_IIF, network.bridge), {"return": None}),
                "plugnet: no hairpin",
            )
        )
    any_key, ip_key = x.concat(_L4, _DPORT), x.concat(_DADDR, _L4, _DPORT)
    dnat_rules += [
        Rule(
            "port_dnat",
            (_dnat(ip_key, "hostport_ip_addr", "hostport_ip_port"),),
            "plugnet: ports on one address",
        ),
        Rule(
            "port_dnat",
            (_dnat(any_key, "hostport_any_addr", "hostport_any_port"),),
            "plugnet: ports on all addresses",
        ),
    ]
    return [
        Rule("nat_prerouting", (local, x.jump("port_dnat")), "plugnet: published ports"),
        Rule("nat_output", (*output_match, x.jump("port_dnat")), "plugnet: published ports"),
        *dnat_rules,
    ]


def _subnet(network: NetworkIntent) -> Any:
    return x.prefix(str(network.subnet.network_address), network.subnet.prefixlen)


def _postrouting_rules(network: NetworkIntent) -> list[Rule]:
    br, chain = network.bridge, "nat_postrouting"
    rules = []
    if network.masquerade:
        rules.append(
            Rule(
                chain,
                (
                    x.match(_SADDR, _subnet(network)),
                    x.match(_OIF, br, "!="),
                    {"masquerade": None},
                ),
                "plugnet: masquerade",
            )
        )
    if network.local_forwarding:
        rules += [
            Rule(
                chain,
                (x.match(_OIF, br), x.fib_local("saddr"), {"masquerade": None}),
                "plugnet: from host addresses",
            ),
            Rule(
                chain,
                (
                    x.match(_OIF, br),
                    x.match(_SADDR, _subnet(network)),
                    _DNATED,
                    {"masquerade": None},
                ),
                "plugnet: hairpin",
            ),
        ]
    return rules


# -- elements ----------------------------------------------------------------


def _json_value(parts: tuple[str | int, ...]) -> Any:
    return parts[0] if len(parts) == 1 else {"concat": list(parts)}


def element_commands(op: str, elements: list[Element]) -> list[Command]:
    """``add``/``delete`` commands for elements; one per element set, in order."""
    commands: list[Command] = []
    for element in elements:
        key: Any = _json_value(element.key)
        if element.owner and op == "add":
            key = {"elem": {"val": key, "comment": OWNER_PREFIX + element.owner}}
        item: Any = key if element.value is None or op == "delete" else [key, element.value]
        commands.append({op: {"element": _where(name=element.set_name, elem=[item])}})
    return commands


def element_text(element: Element) -> str:
    """The element as an ``nft add element`` line (for plan)."""
    key = " . ".join(str(part) for part in element.key)
    if element.owner:
        key += f' comment "{OWNER_PREFIX}{element.owner}"'
    if element.value is not None:
        key += f" : {element.value}"
    return f"add element {FAMILY} {TABLE} {element.set_name} {{ {key} }}"
