"""The ``daemon`` record: what ``init`` writes in the state and ``status`` reads back.

The record is plain JSON under the key :data:`DAEMON_KEY`: the flags
(``DaemonConfig.to_json``), the mode and driver, the plugins loaded (their
entry-point records, so later calls import them without a scan), the firewall
backend with the reason it was chosen, the driver's ``InitReport.facts`` and the
handler names. These helpers read it without importing any plugin.
"""

from __future__ import annotations

import json
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from ipaddress import IPv4Interface
from pathlib import Path
from typing import Any

from plugnet.core.errors import Conflict
from plugnet.core.intents import NetworkIntent
from plugnet.core.state import DB_NAME, StateStore

__all__ = [
    "DAEMON_KEY",
    "NONE_MODE",
    "NOT_INITIALISED",
    "json_safe",
    "network_facts",
    "previous_network",
    "refuse_mode_switch",
    "scratch_copy",
]

DAEMON_KEY = "daemon"
NOT_INITIALISED = "plugnet is not initialised: run 'plugnet init'"
NONE_MODE = "none"


def json_safe(value: Any) -> Any:
    """Facts as JSON: addresses and other objects become their strings."""
    return json.loads(json.dumps(value, default=str))


def refuse_mode_switch(previous: dict[str, Any] | None, mode: str) -> None:
    """Going from a set-up network to ``-b none`` would orphan it: tear down first."""
    if previous is None:
        return
    old = previous.get("mode")
    if old != mode and old != NONE_MODE:
        raise Conflict(
            f"plugnet is initialised in {old} mode: run 'plugnet teardown' before "
            f"'plugnet init' in {mode} mode"
        )


def previous_network(previous: dict[str, Any] | None, new_backend: str) -> NetworkIntent | None:
    """The network the previous backend set up, when the backend changes."""
    if previous is None or previous.get("firewall", {}).get("name") == new_backend:
        return None
    network = (previous.get("facts") or {}).get("network")
    return NetworkIntent.from_json(network) if isinstance(network, dict) else None


def network_facts(facts: dict[str, Any]) -> dict[str, Any]:
    """Bridge, subnet, gateway and MTU from the driver's facts, however it put them."""
    out: dict[str, Any] = {}
    network = facts.get("network")
    address = facts.get("address")
    if isinstance(network, dict):
        out["bridge"] = network.get("bridge")
        address = address or network.get("address")
    if "bridge" in facts:
        out["bridge"] = facts["bridge"]
    if isinstance(address, str):
        with suppress(ValueError):
            iface = IPv4Interface(address)
            out["subnet"] = str(iface.network)
            out["gateway"] = str(iface.ip)
    for key in ("subnet", "gateway", "mtu"):
        if key in facts:
            out[key] = facts[key]
    return out


@contextmanager
def scratch_copy(state: StateStore) -> Iterator[StateStore]:
    """A throwaway copy of the state for ``--dry-run``: plans may read, never write ours."""
    with tempfile.TemporaryDirectory(prefix="plugnet-plan-") as tmp:
        scratch_dir = Path(tmp) / "state"
        scratch_dir.mkdir(mode=0o700)
        if state.exists():
            # SQLite's online backup gives a consistent snapshot even while
            # another plugnet process writes; copying the files could tear it.
            target = sqlite3.connect(scratch_dir / DB_NAME)
            try:
                state.read().backup(target)
            finally:
                target.close()
        scratch = StateStore(scratch_dir)
        try:
            yield scratch
        finally:
            scratch.close()
