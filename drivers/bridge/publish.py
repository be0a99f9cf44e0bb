"""``allocate_port``/``release_port``, ``link``/``unlink`` and ``firewall_reapply``.

A published port is a lease from the allocator plus the firewall's DNAT (Docker
``-p``); a link is the firewall's accept rules between two containers. Each
handler is all or nothing: the lease is given back if the firewall refuses, and
the firewall change is undone if the state cannot be written.
"""

from __future__ import annotations

from plugnet.core.driver import DriverContext
from plugnet.core.errors import InvalidConfig
from plugnet.core.intents import (
    LinkIntent,
    PortBinding,
    PortForward,
    PortProto,
    PortRequest,
    PortSpec,
)
from plugnet.drivers.bridge.containers import require_attachment, require_network
from plugnet.drivers.bridge.store import BridgeStore

__all__ = ["link", "publish", "reapply", "unlink", "unpublish"]


def publish(ctx: DriverContext, store: BridgeStore, container: str, spec: PortSpec) -> PortBinding:
    """Map a host port to the container (``-p``); dynamic when ``spec.host_port`` is 0."""
    with ctx.state.lock():
        intent = require_network(store).intent
        attachment = require_attachment(store, container)
        host_ip = spec.host_ip if spec.host_ip is not None else ctx.config.default_ip
        port = ctx.hooks.request_port(PortRequest(container, host_ip, spec.proto, spec.host_port))
        forward = PortForward(
            container=container,
            proto=spec.proto,
            host_ip=host_ip,
            host_port=port,
            container_ip=attachment.ip,
            container_port=spec.container_port,
        )
        added = False
        try:
            ctx.hooks.firewall_add_port(intent, forward)
            added = True
            store.add_forward(forward)
        except BaseException:
            if added:
                ctx.hooks.firewall_del_port(intent, forward)
            ctx.hooks.release_port(container, host_ip, spec.proto, port)
            raise
        return PortBinding(container, spec.proto, host_ip, port, spec.container_port)


def _matches(forward: PortForward, spec: PortSpec) -> bool:
    """A spec selects mappings; an omitted host address or port selects any."""
    return (
        forward.proto == spec.proto
        and forward.container_port == spec.container_port
        and (spec.host_ip is None or forward.host_ip == spec.host_ip)
        and (spec.host_port == 0 or forward.host_port == spec.host_port)
    )


def unpublish(ctx: DriverContext, store: BridgeStore, container: str, spec: PortSpec) -> bool:
    """Remove the container's mappings that ``spec`` selects; False when none did."""
    with ctx.state.lock():
        intent = require_network(store).intent
        require_attachment(store, container)
        chosen = [f for f in store.forwards(container) if _matches(f, spec)]
        for forward in chosen:
            ctx.hooks.firewall_del_port(intent, forward)
            ctx.hooks.release_port(container, forward.host_ip, forward.proto, forward.host_port)
            store.delete_forward(forward)
        return bool(chosen)


def link(
    ctx: DriverContext,
    store: BridgeStore,
    parent: str,
    child: str,
    ports: tuple[PortProto, ...],
) -> LinkIntent:
    """Let ``parent`` reach ``child`` on exactly ``ports`` (a new call replaces the ports)."""
    if parent == child:
        raise InvalidConfig(f"cannot link container {parent!r} to itself")
    if not ports:
        raise InvalidConfig("a link needs at least one port (e.g. --port 5000/tcp)")
    with ctx.state.lock():
        intent = require_network(store).intent
        wanted = LinkIntent(
            parent=parent,
            child=child,
            parent_ip=require_attachment(store, parent).ip,
            child_ip=require_attachment(store, child).ip,
            ports=tuple(sorted(set(ports))),
        )
        existing = store.link(parent, child)
        if existing == wanted:
            return wanted
        if existing is not None:
            ctx.hooks.firewall_del_link(intent, existing)
        try:
            ctx.hooks.firewall_add_link(intent, wanted)
            store.save_link(wanted)
        except BaseException:
            ctx.hooks.firewall_del_link(intent, wanted)
            if existing is not None:
                ctx.hooks.firewall_add_link(intent, existing)
            raise
        return wanted


def unlink(ctx: DriverContext, store: BridgeStore, parent: str, child: str) -> bool:
    """Remove the link's rules; False when there was no such link."""
    with ctx.state.lock():
        intent = require_network(store).intent
        existing = store.link(parent, child)
        if existing is None:
            return False
        ctx.hooks.firewall_del_link(intent, existing)
        store.delete_link(parent, child)
        return True


def reapply(ctx: DriverContext, store: BridgeStore) -> None:
    """Make the firewall exactly the recorded intent (after a flush, say)."""
    with ctx.state.lock():
        intent = require_network(store).intent
        ctx.hooks.firewall_reapply(intent, store.forwards(), store.links())
