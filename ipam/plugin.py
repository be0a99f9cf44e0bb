"""The default allocator plugin (entry point ``plugnet.ipam: default``).

It chooses the bridge subnet, hands out container addresses and host ports, and
keeps its leases in plugnet's state database. Settings, read when the plugin is
configured (or given to the constructor, which wins):

Precedence: constructor argument, then a ``DaemonConfig`` field of the same
meaning if the core has one (``subnet_pools``, ``port_range``), then:

``PLUGNET_SUBNET_POOLS``
    Candidate subnets for a new bridge, instead of Docker's 12. Pools are
    separated by ``;`` or spaces; each is a comma list of CIDRs
    (``172.30.0.0/16,192.168.100.1/24``) or Docker's ``base=10.200.0.0/16,size=24``.
``PLUGNET_PORT_RANGE``
    The dynamic host port range, ``FIRST-LAST`` (default ``49153-65535``), or
    ``kernel`` to use ``net.ipv4.ip_local_port_range`` of the host namespace.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from ipaddress import IPv4Address, IPv4Interface
from typing import TYPE_CHECKING

from plugnet.core.errors import PluginError
from plugnet.core.hookspecs import hookimpl
from plugnet.ipam import subnets
from plugnet.ipam.ipalloc import IPAllocator
from plugnet.ipam.portalloc import PortAllocator
from plugnet.ipam.ranges import DYNAMIC_PORTS, PortRange, parse_port_range
from plugnet.ipam.resolvconf import parse_nameservers
from plugnet.ipam.sqlite_store import SqliteStore
from plugnet.ipam.store import Store

if TYPE_CHECKING:
    from plugnet.core.intents import (
        DaemonConfig,
        IPRequest,
        PortRequest,
        Proto,
        SubnetChoice,
        SubnetRequest,
    )
    from plugnet.core.state import StateStore

__all__ = ["POOLS_ENV", "PORT_RANGE_ENV", "DefaultIpamPlugin", "kernel_port_range"]

POOLS_ENV = "PLUGNET_SUBNET_POOLS"
PORT_RANGE_ENV = "PLUGNET_PORT_RANGE"
KERNEL = "kernel"


def kernel_port_range() -> PortRange:
    """The kernel's ephemeral range of the current network namespace."""
    from plugnet.linux.sysctl import read_sysctl, sysctl_path

    return parse_port_range(read_sysctl(sysctl_path("net.ipv4.ip_local_port_range")))


def _port_range_setting(text: str) -> PortRange | Callable[[], PortRange]:
    if text.strip() == KERNEL:
        return kernel_port_range  # read lazily: configure must not touch the kernel
    return parse_port_range(text) if text.strip() else DYNAMIC_PORTS


class DefaultIpamPlugin:
    """Docker 1.2's three allocators, persistent and safe under concurrency.

    :param pools: candidate subnets (a ``PLUGNET_SUBNET_POOLS`` string or parsed
        pools); None reads the environment, then falls back to Docker's 12.
    :param port_range: ``"FIRST-LAST"``, ``"kernel"`` or a PortRange; None reads
        the environment, then falls back to 49153-65535.
    :param store: a store factory (e.g. ``lambda state: MemoryStore()``); the
        default keeps leases in the state database.
    """

    plugnet_contract = "1.0"

    def __init__(
        self,
        pools: str | Sequence[subnets.Pool] | None = None,
        port_range: str | PortRange | None = None,
        store: Callable[[StateStore], Store] = SqliteStore,
    ) -> None:
        self._pools = pools
        self._port_range = port_range
        self._store_factory = store
        self._ips: IPAllocator | None = None
        self._ports: PortAllocator | None = None
        self._store: Store | None = None

    # -- settings -----------------------------------------------------------------

    def pools(self) -> tuple[subnets.Pool, ...]:
        setting = self._pools if self._pools is not None else os.environ.get(POOLS_ENV, "")
        if isinstance(setting, str):
            return subnets.parse_pools(setting)
        return tuple(setting) or (subnets.DOCKER_POOL,)

    def _dynamic_ports(self) -> PortRange | Callable[[], PortRange]:
        setting = self._port_range
        if setting is None:
            setting = os.environ.get(PORT_RANGE_ENV, "")
        return setting if isinstance(setting, PortRange) else _port_range_setting(setting)

    def _need(self) -> tuple[Store, IPAllocator, PortAllocator]:
        if self._store is None or self._ips is None or self._ports is None:
            raise PluginError("default", "plugnet", "allocator used before plugnet_configure")
        return self._store, self._ips, self._ports

    # -- hooks ----------------------------------------------------------------------

    @hookimpl
    def plugnet_configure(self, config: DaemonConfig, state: StateStore) -> None:
        # --subnet-pool and --port-range win over the environment; the
        # constructor's arguments win over both.
        if self._pools is None and config.subnet_pools:
            self._pools = config.subnet_pools
        if self._port_range is None and config.port_range:
            self._port_range = config.port_range
        self.pools()  # a bad setting fails here, before anything changes
        store = self._store_factory(state)
        self._store = store
        self._ips = IPAllocator(store)
        self._ports = PortAllocator(store, self._dynamic_ports())

    @hookimpl
    def plugnet_choose_subnet(self, request: SubnetRequest) -> SubnetChoice:
        found = parse_nameservers(request.resolv_conf)
        return subnets.choose(
            request.bridge, self.pools(), request.routes, found.addresses, found.warnings
        )

    @hookimpl
    def plugnet_request_ip(self, request: IPRequest) -> IPv4Address:
        return self._need()[1].request(request.network, request.owner, request.requested)

    @hookimpl
    def plugnet_release_ip(self, network: IPv4Interface, owner: str) -> None:
        self._need()[1].release(network, owner)

    @hookimpl
    def plugnet_request_port(self, request: PortRequest) -> int:
        return self._need()[2].request(request.owner, request.host_ip, request.proto, request.port)

    @hookimpl
    def plugnet_release_port(
        self, owner: str, host_ip: IPv4Address, proto: Proto, port: int
    ) -> None:
        self._need()[2].release(owner, host_ip, proto, port)

    @hookimpl
    def plugnet_release_owner(self, owner: str) -> None:
        store = self._need()[0]
        with store.transaction():
            store.release_owner(owner)

    @hookimpl
    def plugnet_reset_allocations(self) -> None:
        store = self._need()[0]
        with store.transaction():
            store.reset()
