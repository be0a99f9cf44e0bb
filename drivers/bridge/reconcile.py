"""Crash reconciliation: forget containers whose network namespace is gone.

After a crash (or a container runtime that removed a namespace without calling
``detach``), the state still lists the container, its address, ports and links.
A container is dead when its namespace path is gone or its host-side veth is
gone (the kernel destroys a veth pair with the namespace of either end). Its
allocations are released and its rows deleted; the caller then hands the
surviving intent to ``firewall_reapply``, which removes the dead container's
rules in the same atomic change that restores any flushed ones (Docker 1.2 left
such FORWARD rules behind for ever, spec §12).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from plugnet.core.driver import DriverContext
from plugnet.core.intents import Attachment
from plugnet.drivers.bridge import kernel
from plugnet.drivers.bridge.store import BridgeStore

__all__ = ["is_dead", "reap_dead_containers"]


def is_dead(ipr: Any, attachment: Attachment) -> bool:
    """True if the container's namespace or its host-side veth no longer exists."""
    if not Path(attachment.netns).exists():
        return True
    return kernel.link_index(ipr, attachment.host_ifname) is None


def reap_dead_containers(ctx: DriverContext, store: BridgeStore, ipr: Any) -> list[str]:
    """Release every dead container; returns one line per container released."""
    lines: list[str] = []
    record = store.network()
    if record is None:
        return lines
    for attachment in store.attachments():
        if not is_dead(ipr, attachment):
            continue
        container = attachment.container
        kernel.delete_link(ipr, attachment.host_ifname)
        ctx.hooks.release_ip(record.intent.address, container)
        ctx.hooks.release_owner(container)
        with ctx.state.transaction():
            for link in store.links(container):
                store.delete_link(link.parent, link.child)
            for forward in store.forwards(container):
                store.delete_forward(forward)
            store.delete_attachment(container)
        line = f"released {container} ({attachment.ip}): its network namespace is gone"
        ctx.log(line)
        lines.append(line)
    return lines
