"""Proving that a namespace is back to its starting state, with a readable answer.

:func:`~plugnet.testing.netns.snapshot` records what a namespace shows;
:func:`describe_changes` turns two snapshots into sentences a plugin author can
act on ("veth1a2b left in host netns", "iptables-legacy rule added: -A ...");
:func:`netns_unchanged` wraps a block and fails with the broken contract rule
when the block left anything behind.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from contextlib import contextmanager

from plugnet.testing.netns import Netns, snapshot

__all__ = [
    "ContractViolation",
    "assert_netns_unchanged",
    "assert_same_state",
    "describe_changes",
    "link_names",
    "netns_unchanged",
]

_SECTION_LABELS = {
    "addrs": "address",
    "routes": "route",
    "iptables_legacy": "iptables-legacy rule",
    "iptables_nft": "iptables-nft rule",
    "nft": "nft ruleset line",
}
_SYSCTLS = {
    "ip_forward": "net.ipv4.ip_forward",
    "route_localnet": "net.ipv4.conf.all.route_localnet",
}
_MAX_LINES = 12


class ContractViolation(AssertionError):
    """A plugin broke a rule of the contract; the message names the rule."""

    def __init__(self, rule: str, found: str) -> None:
        super().__init__(f"contract rule: {rule}; found {found}")
        self.rule = rule
        self.found = found


def link_names(links_text: str) -> dict[str, str]:
    """``ip -o link show`` output as name -> the rest of its line."""
    names: dict[str, str] = {}
    for line in links_text.splitlines():
        parts = line.split(": ", 2)
        if len(parts) >= 2:
            names[parts[1].split("@", 1)[0]] = parts[2] if len(parts) > 2 else ""
    return names


def _describe_links(before: str, after: str, where: str) -> list[str]:
    old, new = link_names(before), link_names(after)
    lines = [f"{name} left in {where}" for name in sorted(new.keys() - old.keys())]
    lines += [f"{name} gone from {where}" for name in sorted(old.keys() - new.keys())]
    lines += [
        f"link {name} changed in {where}: {old[name].strip()!r} -> {new[name].strip()!r}"
        for name in sorted(old.keys() & new.keys())
        if old[name] != new[name]
    ]
    return lines


def _describe_lines(label: str, before: str, after: str, where: str) -> list[str]:
    lines = []
    for diff in difflib.ndiff(before.splitlines(), after.splitlines()):
        if diff.startswith("+ "):
            lines.append(f"{label} added in {where}: {diff[2:].strip()}")
        elif diff.startswith("- "):
            lines.append(f"{label} removed from {where}: {diff[2:].strip()}")
    return lines


def describe_changes(
    before: dict[str, str], after: dict[str, str], where: str = "the namespace"
) -> list[str]:
    """Every difference between two snapshots, one sentence each (links first)."""
    found = _describe_links(before.get("links", ""), after.get("links", ""), where)
    for key, label in _SECTION_LABELS.items():
        found += _describe_lines(label, before.get(key, ""), after.get(key, ""), where)
    for key, sysctl in _SYSCTLS.items():
        old, new = before.get(key, "").strip(), after.get(key, "").strip()
        if old != new:
            found.append(f"{sysctl} changed from {old} to {new} in {where}")
    return found


def _summary(found: list[str]) -> str:
    shown = found[:_MAX_LINES]
    more = len(found) - len(shown)
    text = "; ".join(shown)
    return f"{text}; and {more} more change(s)" if more > 0 else text


def assert_same_state(
    before: dict[str, str], after: dict[str, str], rule: str, where: str = "the namespace"
) -> None:
    """Fail with ``contract rule: RULE; found ...`` when the snapshots differ."""
    __tracebackhide__ = True
    found = describe_changes(before, after, where)
    if found:
        raise ContractViolation(rule, _summary(found))


@contextmanager
def netns_unchanged(
    ns: Netns, rule: str = "the namespace must be back to its starting state", where: str = ""
) -> Iterator[dict[str, str]]:
    """Snapshot ``ns``, run the block, and fail naming ``rule`` if anything changed.

    Yields the starting snapshot. Nothing is checked when the block raises.
    """
    before = snapshot(ns)
    yield before
    assert_same_state(before, snapshot(ns), rule, where or f"netns {ns.name}")


#: The name the pytest fixture gives it: ``with assert_netns_unchanged(ns): ...``.
assert_netns_unchanged = netns_unchanged
