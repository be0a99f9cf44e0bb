"""``allocate_interface`` and ``release_interface``: a container on the bridge.

Attach: an address from the allocator, a veth pair whose host end joins the
bridge (hairpin on) and whose peer is born inside the container's namespace
with its final name, MAC ``02:42:<IPv4 bytes>`` (Docker 1.3's fix for stale ARP
caches) and MTU; then, through a netlink socket opened inside that namespace,
the address, the link up and the default route via the bridge. Every step has
an inverse, so a failure leaves the host and the state as they were.

Detach releases everything the container holds: firewall rules first (links,
then ports), then the port and address leases, then the veth. It keys on the
attachment record and deletes it, so a second detach finds nothing and frees
nothing (Docker 1.2's double release freed another container's address).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import partial
from ipaddress import IPv4Address, IPv4Interface
from pathlib import Path
from typing import Any

from plugnet.core import messages
from plugnet.core.driver import DriverContext
from plugnet.core.errors import Conflict, InvalidConfig, KernelError, NotFound, PlugnetError
from plugnet.core.flags import validate_interface_name
from plugnet.core.intents import Attachment, AttachRequest, IPRequest
from plugnet.drivers.bridge import kernel
from plugnet.drivers.bridge.store import BridgeStore, NetworkRecord
from plugnet.linux import rtnl
from plugnet.linux.netlink import host_route
from plugnet.linux.netns import current_netns_inode, resolve_netns

__all__ = ["attach", "container_mac", "detach", "require_network"]


STALE_RULES = (
    "WARNING: {container}'s address and ports stay reserved until its firewall rules are "
    "gone; 'plugnet init' (or another detach) removes them and frees the leases"
)


def require_network(store: BridgeStore) -> NetworkRecord:
    record = store.network()
    if record is None:
        raise NotFound("the bridge network is not initialised: run 'plugnet init' first")
    return record


def require_attachment(store: BridgeStore, container: str) -> Attachment:
    attachment = store.attachment(container)
    if attachment is None:
        raise NotFound(f"container {container!r} is not attached (run 'plugnet attach' first)")
    return attachment


def container_mac(ip: IPv4Address) -> str:
    """``02:42:`` followed by the address's four bytes, as Docker 1.3 does."""
    return "02:42:" + ":".join(f"{b:02x}" for b in ip.packed)


def _host_ifname(store: BridgeStore, container: str) -> str:
    """``veth`` + 7 hex digits of the container id's hash, unique among attachments."""
    for salt in range(100):
        seed = container if salt == 0 else f"{container}#{salt}"
        name = "veth" + hashlib.sha256(seed.encode()).hexdigest()[:7]
        if not store.host_ifname_taken(name):
            return name
    raise Conflict(f"no free host interface name for container {container!r}")


def _validate(request: AttachRequest) -> None:
    if not request.container:
        raise InvalidConfig("a container id is required")
    validate_interface_name(request.ifname, "--ifname")


def attach(ctx: DriverContext, store: BridgeStore, request: AttachRequest) -> Attachment:
    """Give the container an interface on the bridge; all or nothing."""
    _validate(request)
    with ctx.state.lock():
        record = require_network(store)
        existing = store.attachment(request.container)
        if existing is not None:
            raise Conflict(
                f"container {request.container!r} is already attached "
                f"({existing.ip} on {existing.bridge})"
            )
        netns = resolve_netns(request.netns)
        network = record.intent.address
        undo: list[Callable[[], object]] = []
        try:
            ip = ctx.hooks.request_ip(IPRequest(network, request.container, request.requested_ip))
            undo.append(lambda: ctx.hooks.release_ip(network, request.container))
            attachment = Attachment(
                container=request.container,
                ip=ip,
                prefixlen=network.network.prefixlen,
                mac=container_mac(ip),
                gateway=network.ip,
                bridge=record.bridge,
                ifname=request.ifname,
                host_ifname=_host_ifname(store, request.container),
                netns=str(netns),
                mtu=record.mtu,
            )
            _plumb(record, attachment, undo)
            store.add_attachment(attachment)
        except BaseException:
            _rollback(ctx, undo)
            raise
        return attachment


#: Bridge ifindex per (namespace inode, bridge name): one netlink round trip less
#: per attach in a long-lived process. A stale entry makes the veth creation fail
#: (nothing is created then), and the attach looks the bridge up again and retries.
_bridge_index: dict[tuple[int, str], int] = {}


def forget_bridge_indexes() -> None:
    _bridge_index.clear()


def _bridge(ipr: Any, name: str, fresh: bool = False) -> int:
    key = (current_netns_inode(), name)
    if fresh or key not in _bridge_index:
        index = kernel.link_index(ipr, name)
        if index is None:
            _bridge_index.pop(key, None)
            raise NotFound(messages.BRIDGE_NOT_FOUND.format(bridge=name))
        _bridge_index[key] = index
    return _bridge_index[key]


def _plumb(record: NetworkRecord, att: Attachment, undo: list[Callable[[], object]]) -> None:
    ipr = host_route()
    netns = Path(att.netns)
    peer = (att.ifname, att.mac, att.mtu)
    try:
        rtnl.create_veth(
            rtnl.host_rtnl(), att.host_ifname, _bridge(ipr, record.bridge), netns, peer
        )
    except KernelError:
        if kernel.link_index(ipr, att.host_ifname) is not None:
            raise  # the name exists: a real refusal, not a stale bridge index
        bridge = _bridge(ipr, record.bridge, fresh=True)
        rtnl.create_veth(rtnl.host_rtnl(), att.host_ifname, bridge, netns, peer)
    undo.append(lambda: kernel.delete_link(ipr, att.host_ifname))
    address = IPv4Interface(f"{att.ip}/{att.prefixlen}")
    rtnl.configure_interface(att.netns, att.ifname, address, att.gateway)


def _rollback(ctx: DriverContext, undo: list[Callable[[], object]]) -> None:
    for step in reversed(undo):
        try:
            step()
        except Exception as exc:  # an undo step must not stop the others
            ctx.log(f"rollback step failed: {exc}")


def detach(ctx: DriverContext, store: BridgeStore, container: str) -> bool:
    """Release everything ``container`` holds; False when it held nothing."""
    with ctx.state.lock():
        record = store.network()
        attachment = store.attachment(container) if record is not None else None
        if record is None or attachment is None:
            return False
        intent = record.intent
        rules_left = False
        for link in store.links(container):
            if _firewall_step(
                ctx, "remove link rules", partial(ctx.hooks.firewall_del_link, intent, link)
            ):
                store.delete_link(link.parent, link.child)
            else:
                rules_left = True
        for forward in store.forwards(container):
            if _firewall_step(
                ctx, "remove port rules", partial(ctx.hooks.firewall_del_port, intent, forward)
            ):
                ctx.hooks.release_port(container, forward.host_ip, forward.proto, forward.host_port)
                store.delete_forward(forward)
            else:
                rules_left = True
        try:
            kernel.delete_link(host_route(), attachment.host_ifname)
        except PlugnetError as exc:
            ctx.log(f"WARNING: {exc}")
        if rules_left:
            # A rule that still points at this address and port must not reach
            # the next container to get them: keep the leases until the rules
            # are gone. With the veth gone the container counts as dead, so the
            # next init (or a second detach) removes the rules and frees them.
            ctx.log(STALE_RULES.format(container=container))
            return True
        ctx.hooks.release_owner(container)  # its address and every port
        store.delete_attachment(container)
        return True


def _firewall_step(ctx: DriverContext, what: str, step: Callable[[], None]) -> bool:
    """Run one firewall removal; a refusal is logged and reported as False, not raised."""
    try:
        step()
    except PlugnetError as exc:
        ctx.log(f"WARNING: could not {what}: {exc}")
        return False
    return True
