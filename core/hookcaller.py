"""Typed access to the hooks, for the core and for drivers.

pluggy's ``pm.hook.<name>(**kwargs)`` is untyped; this facade gives each hook one
typed method so mypy checks every call site, and it keeps the keyword-only call
convention in one place. Drivers receive a :class:`Hooks` in their
:class:`~plugnet.core.driver.DriverContext` and reach the firewall backend and
the allocators only through it.
"""

from __future__ import annotations

from collections.abc import Sequence
from ipaddress import IPv4Address, IPv4Interface
from typing import TYPE_CHECKING, Any, cast

from plugnet.core.errors import PlugnetError

if TYPE_CHECKING:
    import pluggy
    from plugnet.core.driver import DriverContext, NetworkDriver
    from plugnet.core.intents import (
        DaemonConfig,
        IPRequest,
        LinkIntent,
        NetworkIntent,
        PortForward,
        PortRequest,
        Proto,
        SubnetChoice,
        SubnetRequest,
    )
    from plugnet.core.state import StateStore

__all__ = ["Hooks"]


class NoPluginAnswered(PlugnetError):
    """A firstresult hook that must be answered got no answer from any plugin."""


class Hooks:
    """One typed method per hook of :mod:`plugnet.core.hookspecs`."""

    def __init__(self, manager: pluggy.PluginManager) -> None:
        self._manager = manager
        self._relay: Any = manager.hook

    def implemented(self, hook_name: str) -> bool:
        """True if a registered plugin implements ``hook_name``."""
        caller = getattr(self._manager.hook, hook_name, None)
        return bool(caller is not None and caller.get_hookimpls())

    # -- initialisation ------------------------------------------------------------

    def configure(self, config: DaemonConfig, state: StateStore) -> None:
        self._relay.plugnet_configure(config=config, state=state)

    def make_driver(self, mode: str, context: DriverContext) -> NetworkDriver | None:
        return cast(
            "NetworkDriver | None", self._relay.plugnet_make_driver(mode=mode, context=context)
        )

    # -- allocators -------------------------------------------------------------------

    def choose_subnet(self, request: SubnetRequest) -> SubnetChoice:
        choice = self._relay.plugnet_choose_subnet(request=request)
        if choice is None:
            raise NoPluginAnswered("no allocator plugin chose a subnet (plugnet_choose_subnet)")
        return cast("SubnetChoice", choice)

    def request_ip(self, request: IPRequest) -> IPv4Address:
        ip = self._relay.plugnet_request_ip(request=request)
        if ip is None:
            raise NoPluginAnswered("no allocator plugin handed out an address (plugnet_request_ip)")
        return cast(IPv4Address, ip)

    def release_ip(self, network: IPv4Interface, owner: str) -> None:
        self._relay.plugnet_release_ip(network=network, owner=owner)

    def request_port(self, request: PortRequest) -> int:
        port = self._relay.plugnet_request_port(request=request)
        if port is None:
            raise NoPluginAnswered("no allocator plugin handed out a port (plugnet_request_port)")
        return cast(int, port)

    def release_port(self, owner: str, host_ip: IPv4Address, proto: Proto, port: int) -> None:
        self._relay.plugnet_release_port(owner=owner, host_ip=host_ip, proto=proto, port=port)

    def release_owner(self, owner: str) -> None:
        self._relay.plugnet_release_owner(owner=owner)

    def reset_allocations(self) -> None:
        self._relay.plugnet_reset_allocations()

    # -- firewall ----------------------------------------------------------------------

    def firewall_setup_network(self, network: NetworkIntent) -> None:
        self._relay.plugnet_firewall_setup_network(network=network)

    def firewall_teardown_network(self, network: NetworkIntent) -> None:
        self._relay.plugnet_firewall_teardown_network(network=network)

    def firewall_add_port(self, network: NetworkIntent, forward: PortForward) -> None:
        self._relay.plugnet_firewall_add_port(network=network, forward=forward)

    def firewall_del_port(self, network: NetworkIntent, forward: PortForward) -> None:
        self._relay.plugnet_firewall_del_port(network=network, forward=forward)

    def firewall_add_link(self, network: NetworkIntent, link: LinkIntent) -> None:
        self._relay.plugnet_firewall_add_link(network=network, link=link)

    def firewall_del_link(self, network: NetworkIntent, link: LinkIntent) -> None:
        self._relay.plugnet_firewall_del_link(network=network, link=link)

    def firewall_reapply(
        self,
        network: NetworkIntent,
        forwards: Sequence[PortForward],
        links: Sequence[LinkIntent],
    ) -> None:
        """Reconcile to the intent; falls back to teardown + setup + adds."""
        if self.implemented("plugnet_firewall_reapply"):
            self._relay.plugnet_firewall_reapply(network=network, forwards=forwards, links=links)
            return
        self.firewall_teardown_network(network)
        self.firewall_setup_network(network)
        for forward in forwards:
            self.firewall_add_port(network, forward)
        for link in links:
            self.firewall_add_link(network, link)

    def firewall_plan(
        self,
        network: NetworkIntent,
        forwards: Sequence[PortForward] = (),
        links: Sequence[LinkIntent] = (),
    ) -> list[str]:
        lines = self._relay.plugnet_firewall_plan(network=network, forwards=forwards, links=links)
        return list(lines) if lines is not None else []
