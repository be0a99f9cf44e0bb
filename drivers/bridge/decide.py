"""What init has to do about the bridge, decided from what the host shows.

Shared by ``init`` (which then does it) and ``plan`` (which only says it), so
the two can never disagree. Reading the host is all this module does; the
allocator's ``choose_subnet`` is pure.

Docker 1.2's rules (``InitDriver``, spec §2): ``-b NAME`` must exist and is
never created; docker0 is created when missing; an existing bridge keeps its
first IPv4 address and ``--bip`` must equal it. Fixed here: an existing docker0
with no IPv4 address gets one (Docker 1.2 died with ``file exists``, #8444).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from ipaddress import IPv4Interface
from pathlib import Path
from typing import Any

from plugnet.core import messages
from plugnet.core.driver import DriverContext
from plugnet.core.errors import Conflict, NotFound
from plugnet.core.intents import SubnetRequest
from plugnet.drivers.bridge import kernel
from plugnet.drivers.bridge.store import NetworkRecord

__all__ = ["BridgeDecision", "decide_bridge", "random_bridge_mac", "read_resolv_conf"]

DEFAULT_MTU = 1500
RESOLV_CONF = Path("/etc/resolv.conf")


@dataclass(slots=True)
class BridgeDecision:
    """The bridge to use and what is missing on it."""

    name: str
    address: IPv4Interface
    mtu: int
    mac: str
    create: bool = False
    add_address: bool = False
    bring_up: bool = False
    index: int = 0
    #: Lines for the user log (Docker's Logf), e.g. the more-than-one-address warning.
    notes: list[str] = field(default_factory=list)


def random_bridge_mac() -> str:
    """A random unicast, locally administered MAC (Docker's recipe, really random)."""
    raw = bytearray(os.urandom(6))
    raw[0] = (raw[0] & 0xFE) | 0x02
    return ":".join(f"{b:02x}" for b in raw)


def read_resolv_conf(path: Path) -> str:
    """The text of resolv.conf; unreadable counts as empty, as in Docker's createBridge."""
    try:
        return path.read_text()
    except OSError:
        return ""


def _container_mtu(ctx: DriverContext, ipr: Any) -> int:
    if ctx.config.mtu:
        return ctx.config.mtu
    return kernel.default_route_mtu(ipr) or DEFAULT_MTU


def _new_address(
    ctx: DriverContext, ipr: Any, resolv_conf: Path, previous: NetworkRecord | None
) -> IPv4Interface:
    """``--bip``, else the address this network had before, else the allocator's choice."""
    if ctx.config.bip is not None:
        return ctx.config.bip
    if previous is not None:
        return previous.intent.address
    request = SubnetRequest(
        bridge=ctx.config.bridge_name,
        routes=kernel.main_routes(ipr),
        resolv_conf=read_resolv_conf(resolv_conf),
    )
    return ctx.hooks.choose_subnet(request).address


def decide_bridge(
    ctx: DriverContext, ipr: Any, resolv_conf: Path, previous: NetworkRecord | None
) -> BridgeDecision:
    """Inspect the bridge and decide; raises Docker's errors for the refused cases."""
    name = ctx.config.bridge_name
    if previous is not None and previous.bridge != name:
        raise Conflict(
            f"plugnet is initialised with bridge {previous.bridge}; "
            f"run 'plugnet teardown' before using {name}"
        )
    info = kernel.link_info(ipr, name)
    mtu = _container_mtu(ctx, ipr)
    if info is None:
        if not ctx.config.uses_default_bridge:
            raise NotFound(messages.BRIDGE_NOT_FOUND.format(bridge=name))
        address = _new_address(ctx, ipr, resolv_conf, previous)
        return BridgeDecision(
            name, address, mtu, random_bridge_mac(), create=True, add_address=True, bring_up=True
        )
    if info.kind != "bridge":
        raise Conflict(f"{name} exists but is not a bridge (kind: {info.kind or 'none'})")
    notes: list[str] = []
    if info.addresses:
        address = info.addresses[0]
        if len(info.addresses) > 1:
            notes.append(messages.MORE_THAN_ONE_IPV4.format(name=name, address=address))
        bip = ctx.config.bip
        if bip is not None and bip.ip != address.ip:
            raise Conflict(
                messages.BRIDGE_IP_MISMATCH.format(existing=address.ip, requested=bip.ip)
            )
    elif ctx.config.uses_default_bridge:
        address = _new_address(ctx, ipr, resolv_conf, previous)
    else:
        raise Conflict(messages.NO_IP_ADDRESSES.format(name=name))
    return BridgeDecision(
        name,
        address,
        mtu,
        info.mac,
        add_address=not info.addresses,
        bring_up=not info.up,
        index=info.index,
        notes=notes,
    )
