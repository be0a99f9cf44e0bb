"""``teardown``: remove everything the bridge driver created, and nothing else.

Veths of attached containers, the firewall's rules for the network (the backend
removes port and link rules with it), the allocator's leases, the sysctls
plugnet changed (back to the value recorded before the first change), the bridge
only when plugnet created it, and the ``bridge_`` tables. A ``-b`` bridge that
was there before stays, with its address. Every step runs even when an earlier
one failed; the failures are listed in one error at the end.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from plugnet.core.driver import DriverContext, InitReport
from plugnet.core.errors import KernelError
from plugnet.drivers.bridge import kernel
from plugnet.drivers.bridge.setup import sysctl_name
from plugnet.drivers.bridge.store import BridgeStore, NetworkRecord
from plugnet.linux.netlink import host_route
from plugnet.linux.sysctl import write_sysctl

__all__ = ["run_teardown"]


class _Steps:
    """Runs steps, keeps going past failures, remembers what failed."""

    def __init__(self, report: InitReport) -> None:
        self.report = report
        self.errors: list[str] = []

    def run(self, line: str, step: Callable[[], object]) -> None:
        try:
            done = step()
        except Exception as exc:  # keep going: teardown removes all it can
            self.errors.append(f"{line}: {exc}")
            return
        if done is not False:
            self.report.changes.append(line)


def _undo_bridge(steps: _Steps, ipr: Any, record: NetworkRecord) -> None:
    bridge = record.bridge
    if record.created:
        steps.run(f"delete bridge {bridge}", partial(kernel.delete_link, ipr, bridge))
        return
    index = kernel.link_index(ipr, bridge)
    if index is None:
        return
    if record.added_address:
        address = record.intent.address
        steps.run(
            f"remove address {address} from {bridge}",
            partial(kernel.delete_address, ipr, index, address),
        )
    if record.brought_up:
        steps.run(f"set {bridge} down", partial(kernel.set_down, ipr, index, bridge))


def run_teardown(ctx: DriverContext, store: BridgeStore) -> InitReport:
    report = InitReport()
    steps = _Steps(report)
    with ctx.state.lock():
        record = store.network()
        if record is None and not store.attachments():
            store.clear()
            return report
        ipr = host_route()
        for att in store.attachments():
            steps.run(
                f"delete {att.host_ifname} ({att.container})",
                partial(kernel.delete_link, ipr, att.host_ifname),
            )
        if record is not None:
            intent = record.intent
            steps.run(
                f"firewall ({ctx.firewall}): remove the rules of {intent.bridge}",
                lambda: ctx.hooks.firewall_teardown_network(intent),
            )
        steps.run("release every address and port lease", ctx.hooks.reset_allocations)
        for path_text, old in store.sysctls():
            path = Path(path_text)
            if path.exists():
                steps.run(
                    f"restore {sysctl_name(path)}={old}",
                    partial(write_sysctl, path, old),
                )
        if record is not None:
            _undo_bridge(steps, ipr, record)
        if not steps.errors:
            # Keep the record of anything that could not be removed, so a
            # second teardown tries again instead of forgetting it.
            steps.run("forget the bridge network state", store.clear)
    if steps.errors:
        raise KernelError("teardown finished with errors: " + "; ".join(steps.errors))
    return report
