"""``init`` and ``plan``: Docker's ``init_networkdriver`` job, step by step.

Order (spec §2, §5): the bridge (created, addressed and brought up when
missing), then the firewall's base rules, then ``net.ipv4.ip_forward``. plugnet
adds ``route_localnet`` on the bridge (published ports on 127.0.0.1 are DNAT,
not a userland proxy) and, on a host that was initialised before, crash
reconciliation followed by one atomic ``firewall_reapply``.

Every change this run makes pushes its inverse on an undo stack; if a later
step fails the stack runs backwards and the host is as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from plugnet.core import messages
from plugnet.core.driver import DriverContext, InitReport
from plugnet.core.errors import KernelError
from plugnet.core.intents import NetworkIntent
from plugnet.drivers.bridge import kernel
from plugnet.drivers.bridge.decide import BridgeDecision, decide_bridge
from plugnet.drivers.bridge.reconcile import find_dead, release_dead, surviving_intent
from plugnet.drivers.bridge.store import BridgeStore, NetworkRecord
from plugnet.linux.netlink import host_route
from plugnet.linux.sysctl import PROC_SYS, read_sysctl, write_sysctl

__all__ = ["facts", "plan_init", "run_init"]

IP_FORWARD = PROC_SYS / "net" / "ipv4" / "ip_forward"
BRIDGE_NF_CALL_IPTABLES = PROC_SYS / "net" / "bridge" / "bridge-nf-call-iptables"
BR_NETFILTER_MISSING = (
    "WARNING: br_netfilter is not loaded (modprobe br_netfilter): traffic between "
    "containers on {bridge} bypasses the firewall, so --icc=false cannot block it"
)


def route_localnet_path(bridge: str) -> Path:
    # Built by hand: an interface name may contain dots.
    return PROC_SYS / "net" / "ipv4" / "conf" / bridge / "route_localnet"


def sysctl_name(path: Path) -> str:
    return ".".join(path.relative_to(PROC_SYS).parts)


def facts(record: NetworkRecord) -> dict[str, Any]:
    """``InitReport.facts`` and the core of ``status``."""
    intent = record.intent
    return {
        "bridge": intent.bridge,
        "address": str(intent.address),
        "subnet": str(intent.subnet),
        "gateway": str(intent.gateway),
        "mtu": record.mtu,
        "mac": record.mac,
        "network": intent.to_json(),
    }


def _intent(ctx: DriverContext, decision: BridgeDecision) -> NetworkIntent:
    return NetworkIntent(
        bridge=decision.name,
        address=decision.address,
        icc=ctx.config.icc,
        masquerade=True,
        local_forwarding=True,
    )


@dataclass
class _Run:
    """One init: its report, its undo stack and the sysctl values it replaced."""

    ctx: DriverContext
    store: BridgeStore
    report: InitReport = field(default_factory=InitReport)
    undo: list[Callable[[], object]] = field(default_factory=list)
    old_sysctls: list[tuple[str, str]] = field(default_factory=list)

    def rollback(self) -> None:
        for step in reversed(self.undo):
            try:
                step()
            except Exception as exc:  # an undo step must not stop the others
                self.ctx.log(f"rollback step failed: {exc}")

    def set_sysctl(self, path: Path, value: str) -> None:
        old = read_sysctl(path)
        if old == value:
            return
        write_sysctl(path, value)
        self.undo.append(lambda: write_sysctl(path, old))
        self.old_sysctls.append((str(path), old))
        self.report.changes.append(f"set {sysctl_name(path)}={value}")


def _apply_bridge(run: _Run, ipr: Any, decision: BridgeDecision) -> None:
    name = decision.name
    if decision.create:
        run.ctx.log(f"creating new bridge for {name}")
        decision.index = kernel.create_bridge(ipr, name, decision.mac, decision.mtu)
        run.undo.append(lambda: kernel.delete_link(ipr, name))
        run.report.changes.append(f"create bridge {name} (mac {decision.mac}, mtu {decision.mtu})")
    if decision.add_address:
        kernel.add_address(ipr, decision.index, name, decision.address)
        if not decision.create:
            run.undo.append(lambda: kernel.delete_address(ipr, decision.index, decision.address))
        run.report.changes.append(f"address {decision.address} on {name}")
    if decision.bring_up:
        kernel.set_up(ipr, decision.index, name)
        if not decision.create:
            run.undo.append(lambda: kernel.set_down(ipr, decision.index, name))
        run.report.changes.append(f"set {name} up")


def _apply_bridge_netfilter(run: _Run, bridge: str) -> None:
    # Traffic between two ports of one bridge never reaches the IPv4 hooks
    # unless br_netfilter hands it over; ICC off and hairpin depend on it.
    if run.ctx.firewall == "none":
        return
    if not BRIDGE_NF_CALL_IPTABLES.exists():
        run.ctx.log(BR_NETFILTER_MISSING.format(bridge=bridge))
        return
    run.set_sysctl(BRIDGE_NF_CALL_IPTABLES, "1")


def _apply_ip_forward(run: _Run) -> None:
    if not run.ctx.config.ip_forward:
        return
    try:
        run.set_sysctl(IP_FORWARD, "1")
    except KernelError as exc:
        run.ctx.log(messages.IP_FORWARD_WARNING.format(error=exc).rstrip("\n"))


def _apply_firewall(run: _Run, intent: NetworkIntent, previous: NetworkRecord | None) -> None:
    hooks = run.ctx.hooks
    if previous is None:
        hooks.firewall_setup_network(intent)
        run.undo.append(lambda: hooks.firewall_teardown_network(intent))
        # Nothing is recorded, so no port or link of ours can be wanted: the
        # reapply drops any a lost state directory or a crash left behind.
        hooks.firewall_reapply(intent, [], [])
        icc = "on" if intent.icc else "off"
        run.report.changes.append(
            f"firewall ({run.ctx.firewall}): base rules for {intent.subnet} on "
            f"{intent.bridge}, icc {icc}"
        )
        return
    ipr = host_route()
    dead = find_dead(run.store, ipr)
    hooks.firewall_reapply(intent, *surviving_intent(run.store, dead))
    run.report.changes.extend(release_dead(run.ctx, run.store, ipr, dead))
    if previous.intent.icc != intent.icc:
        run.report.changes.append(
            f"firewall ({run.ctx.firewall}): icc {'on' if intent.icc else 'off'}"
        )


def _record(
    intent: NetworkIntent, decision: BridgeDecision, previous: NetworkRecord | None
) -> NetworkRecord:
    """What to remember: a change made by an earlier init stays plugnet's to undo."""
    return NetworkRecord(
        intent=intent,
        created=decision.create or (previous is not None and previous.created),
        mac=decision.mac,
        mtu=decision.mtu,
        added_address=(decision.add_address and not decision.create)
        or (previous is not None and previous.added_address),
        brought_up=(decision.bring_up and not decision.create)
        or (previous is not None and previous.brought_up),
    )


def run_init(ctx: DriverContext, store: BridgeStore, resolv_conf: Path) -> InitReport:
    """Set the host up, or make it match again; undo this run's changes on failure."""
    with ctx.state.lock():
        previous = store.network()
        ipr = host_route()
        decision = decide_bridge(ctx, ipr, resolv_conf, previous)
        for note in decision.notes:
            ctx.log(note)
        intent = _intent(ctx, decision)
        run = _Run(ctx, store)
        try:
            _apply_bridge(run, ipr, decision)
            if ctx.firewall != "none":
                # Only the firewall's DNAT of 127.0.0.1 needs it, and only the
                # firewall's loopback guard makes it safe.
                run.set_sysctl(route_localnet_path(decision.name), "1")
            _apply_bridge_netfilter(run, decision.name)
            _apply_firewall(run, intent, previous)
            _apply_ip_forward(run)
            record = _record(intent, decision, previous)
            with ctx.state.transaction():
                store.save_network(record)
                for path, old in run.old_sysctls:
                    store.remember_sysctl(path, old)
        except BaseException:
            run.rollback()
            raise
        run.report.facts = facts(record)
        return run.report


def plan_init(ctx: DriverContext, store: BridgeStore, resolv_conf: Path) -> InitReport:
    """What ``init`` would change, one line each; the kernel is only read."""
    previous = store.network()
    ipr = host_route()
    decision = decide_bridge(ctx, ipr, resolv_conf, previous)
    report = InitReport(changes=list(decision.notes))
    name = decision.name
    if decision.create:
        report.changes.append(
            f"create bridge {name} (locally administered mac, mtu {decision.mtu})"
        )
    if decision.add_address:
        report.changes.append(f"address {decision.address} on {name}")
    if decision.bring_up:
        report.changes.append(f"set {name} up")
    wanted = []
    if ctx.firewall != "none":
        wanted.append((route_localnet_path(name), True))
        if BRIDGE_NF_CALL_IPTABLES.exists():
            wanted.append((BRIDGE_NF_CALL_IPTABLES, False))
    if ctx.config.ip_forward:
        wanted.append((IP_FORWARD, False))
    for path, on_bridge in wanted:
        current = "" if on_bridge and decision.create else _read_or_empty(path)
        if current != "1":
            report.changes.append(f"set {sysctl_name(path)}=1")
    intent = _intent(ctx, decision)
    forwards = store.forwards() if previous else []
    links = store.links() if previous else []
    report.changes.extend(ctx.hooks.firewall_plan(intent, forwards, links))
    report.facts = facts(_record(intent, decision, previous))
    return report


def _read_or_empty(path: Path) -> str:
    try:
        return read_sysctl(path)
    except KernelError:
        return ""
