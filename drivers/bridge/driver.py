"""``BridgeDriver``: Docker 1.2's bridge network driver, behind plugnet's driver protocol.

The driver itself holds no host state: everything lives in the ``bridge_``
tables (see :mod:`.store`), so ``resume`` only has to open them and a
short-lived CLI process can serve one handler call. The kernel is reached
through :mod:`plugnet.linux.netlink` sockets that are opened on first use; the
allocator and the firewall only through ``context.hooks``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from plugnet.core.driver import DriverContext, HandlerRegistry, InitReport
from plugnet.core.intents import (
    Attachment,
    AttachRequest,
    LinkIntent,
    PortBinding,
    PortProto,
    PortSpec,
)
from plugnet.drivers.bridge import containers, publish
from plugnet.drivers.bridge.decide import RESOLV_CONF
from plugnet.drivers.bridge.setup import facts, plan_init, run_init
from plugnet.drivers.bridge.store import BridgeStore

__all__ = ["BridgeDriver"]


class BridgeDriver:
    """The ``bridge`` network driver.

    :param context: config, state, hooks and log, from the core.
    :param resolv_conf: the resolv.conf whose nameservers a new bridge's subnet
        must avoid (injectable for tests).
    """

    name = "bridge"

    def __init__(self, context: DriverContext, resolv_conf: Path = RESOLV_CONF) -> None:
        self.context = context
        self.resolv_conf = resolv_conf
        self.store = BridgeStore(context.state)

    # -- phases ------------------------------------------------------------------

    def plan(self) -> InitReport:
        return plan_init(self.context, self.store, self.resolv_conf)

    def init(self) -> InitReport:
        return run_init(self.context, self.store, self.resolv_conf)

    def resume(self) -> None:
        """Nothing to rebuild: every handler reads the state store it needs."""

    def register_handlers(self, registry: HandlerRegistry) -> None:
        registry.register("allocate_interface", self.allocate_interface)
        registry.register("release_interface", self.release_interface)
        registry.register("allocate_port", self.allocate_port)
        registry.register("link", self.link)
        registry.register("release_port", self.release_port)
        registry.register("unlink", self.unlink)
        registry.register("firewall_reapply", self.firewall_reapply)

    def status(self) -> dict[str, Any]:
        record = self.store.network()
        if record is None:
            return {"initialised": False, "attachments": 0, "containers": []}
        attachments = self.store.attachments()
        return {
            "initialised": True,
            **facts(record),
            "created_bridge": record.created,
            "attachments": len(attachments),
            "containers": [a.to_json() for a in attachments],
            "ports": [f.to_json() for f in self.store.forwards()],
            "links": [link.to_json() for link in self.store.links()],
        }

    def teardown(self) -> InitReport:
        from plugnet.drivers.bridge.teardown import run_teardown

        return run_teardown(self.context, self.store)

    # -- handlers ------------------------------------------------------------------

    def allocate_interface(self, request: AttachRequest) -> Attachment:
        return containers.attach(self.context, self.store, request)

    def release_interface(self, container: str) -> bool:
        return containers.detach(self.context, self.store, container)

    def allocate_port(self, container: str, spec: PortSpec) -> PortBinding:
        return publish.publish(self.context, self.store, container, spec)

    def release_port(self, container: str, spec: PortSpec) -> bool:
        return publish.unpublish(self.context, self.store, container, spec)

    def link(self, parent: str, child: str, ports: tuple[PortProto, ...]) -> LinkIntent:
        return publish.link(self.context, self.store, parent, child, ports)

    def unlink(self, parent: str, child: str) -> bool:
        return publish.unlink(self.context, self.store, parent, child)

    def firewall_reapply(self) -> None:
        publish.reapply(self.context, self.store)

    def close(self) -> None:
        """Close the cached netlink sockets (each keeps its namespace alive)."""
        from plugnet.linux.netlink import close_host_routes
        from plugnet.linux.rtnl import close_host_rtnl

        containers.forget_bridge_indexes()
        close_host_routes()
        close_host_rtnl()
