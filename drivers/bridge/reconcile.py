"""Crash reconciliation: forget containers whose network namespace is gone.

After a crash (or a container runtime that removed a namespace without calling
``detach``), the state still lists the container, its address, ports and links.
A container is dead when its namespace path is gone or its host-side veth is
gone (the kernel destroys a veth pair with the namespace of either end). Its
surviving intent goes to ``firewall_reapply``, which removes the dead
container's rules in the same atomic change that restores any flushed ones
(Docker 1.2 left such FORWARD rules behind for ever, spec §12); only then are
its allocations released and its rows deleted, so no stale rule can reach the
next container given its address or ports.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from plugnet.core.driver import DriverContext
from plugnet.core.intents import Attachment, LinkIntent, PortForward
from plugnet.drivers.bridge import kernel
from plugnet.drivers.bridge.store import BridgeStore

__all__ = ["find_dead", "is_dead", "release_dead", "surviving_intent"]


def is_dead(ipr: Any, attachment: Attachment) -> bool:
    """True if the container's namespace or its host-side veth no longer exists."""
    if not Path(attachment.netns).exists():
        return True
    return kernel.link_index(ipr, attachment.host_ifname) is None


def find_dead(store: BridgeStore, ipr: Any) -> list[Attachment]:
    return [attachment for attachment in store.attachments() if is_dead(ipr, attachment)]


def surviving_intent(
    store: BridgeStore, dead: list[Attachment]
) -> tuple[list[PortForward], list[LinkIntent]]:
    """The port forwards and links that stay once the dead containers are gone."""
    gone = {attachment.container for attachment in dead}
    forwards = [f for f in store.forwards() if f.container not in gone]
    links = [link for link in store.links() if link.parent not in gone and link.child not in gone]
    return forwards, links


def release_dead(
    ctx: DriverContext, store: BridgeStore, ipr: Any, dead: list[Attachment]
) -> list[str]:
    """Free what dead containers held; call it once their rules are gone, so no
    stale rule can reach the next holder of their address or ports."""
    record = store.network()
    lines: list[str] = []
    if record is None:
        return lines
    for attachment in dead:
        container = attachment.container
        kernel.delete_link(ipr, attachment.host_ifname)
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
