"""Fake plugins for engine tests: real pluggy registration, no kernel, calls recorded.

``FakeHost`` is a real :class:`PluginHost` whose ``load``/``load_recorded`` take
factories from a table instead of entry points, so the engine's orchestration
(what is loaded, configured, made, recorded, cleaned) is tested on its own.
"""

from __future__ import annotations

from ipaddress import IPv4Interface
from typing import Any

from plugnet.core.driver import DriverContext, HandlerRegistry, InitReport
from plugnet.core.errors import KernelError, NotFound
from plugnet.core.hookspecs import hookimpl
from plugnet.core.intents import NetworkIntent
from plugnet.core.plugins import PluginHost, PluginRecord

CALLS: list[tuple[str, ...]] = []


class FakeFirewall:
    plugnet_contract = "1.0"

    def __init__(self, name: str) -> None:
        self.name = name

    @hookimpl
    def plugnet_firewall_setup_network(self, network):
        CALLS.append((self.name, "setup", network.bridge))

    @hookimpl
    def plugnet_firewall_teardown_network(self, network):
        CALLS.append((self.name, "teardown", network.bridge))

    @hookimpl
    def plugnet_firewall_add_port(self, network, forward):
        pass

    @hookimpl
    def plugnet_firewall_del_port(self, network, forward):
        pass

    @hookimpl
    def plugnet_firewall_add_link(self, network, link):
        pass

    @hookimpl
    def plugnet_firewall_del_link(self, network, link):
        pass


class FakeIpam:
    plugnet_contract = "1.0"

    @hookimpl
    def plugnet_configure(self, config, state):
        CALLS.append(("ipam", "configure", str(state.state_dir)))

    @hookimpl
    def plugnet_choose_subnet(self, request):
        return None

    @hookimpl
    def plugnet_request_ip(self, request):
        return None

    @hookimpl
    def plugnet_release_ip(self, network, owner):
        pass

    @hookimpl
    def plugnet_request_port(self, request):
        return None

    @hookimpl
    def plugnet_release_port(self, owner, host_ip, proto, port):
        pass

    @hookimpl
    def plugnet_release_owner(self, owner):
        pass

    @hookimpl
    def plugnet_reset_allocations(self):
        CALLS.append(("ipam", "reset"))


class FakeBridgeDriver:
    """A bridge-mode driver that only records; ``fail`` makes init raise."""

    name = "bridge"
    fail = False
    duplicate_handler = False

    def __init__(self, context: DriverContext) -> None:
        self.context = context
        self.network = NetworkIntent("fk0", IPv4Interface("10.9.0.1/24"), icc=context.config.icc)

    def _facts(self) -> dict[str, Any]:
        return {
            "bridge": "fk0",
            "address": "10.9.0.1/24",
            "mtu": 1500,
            "network": self.network.to_json(),
        }

    def plan(self) -> InitReport:
        CALLS.append(("driver", "plan"))
        return InitReport(changes=["create bridge fk0"], facts=self._facts())

    def init(self) -> InitReport:
        CALLS.append(("driver", "init"))
        if FakeBridgeDriver.fail:
            raise KernelError("creating bridge fk0 failed: Operation not permitted (errno 1)")
        self.context.hooks.firewall_setup_network(self.network)
        return InitReport(changes=["create bridge fk0"], facts=self._facts())

    def resume(self) -> None:
        CALLS.append(("driver", "resume"))

    def register_handlers(self, registry: HandlerRegistry) -> None:
        registry.register("allocate_interface", self.allocate_interface)
        registry.register("release_interface", lambda container: False)
        if FakeBridgeDriver.duplicate_handler:
            registry.register("allocate_interface", self.allocate_interface)

    def allocate_interface(self, request):
        raise NotFound(f"network namespace {request.netns!r} not found")

    def status(self) -> dict[str, Any]:
        return self._facts()

    def teardown(self) -> InitReport:
        CALLS.append(("driver", "teardown"))
        self.context.hooks.firewall_teardown_network(self.network)
        return InitReport(changes=["delete bridge fk0"])


class FakeBridgePlugin:
    plugnet_contract = "1.0"

    @hookimpl
    def plugnet_make_driver(self, mode, context):
        return FakeBridgeDriver(context) if mode == "bridge" else None


def _none_plugin() -> Any:
    from plugnet.drivers.none.plugin import NoneDriverPlugin

    return NoneDriverPlugin()


FACTORIES: dict[tuple[str, str], Any] = {
    ("plugnet.drivers", "bridge"): FakeBridgePlugin,
    ("plugnet.drivers", "none"): _none_plugin,
    ("plugnet.firewall", "fw-a"): lambda: FakeFirewall("fw-a"),
    ("plugnet.firewall", "fw-b"): lambda: FakeFirewall("fw-b"),
    ("plugnet.ipam", "default"): FakeIpam,
}


class FakeHost(PluginHost):
    """A real pluggy host fed from :data:`FACTORIES` instead of entry points."""

    def load(self, namespace, name):
        record = PluginRecord(namespace, name, f"fake:{name}", "fake-dist", "9.9")
        try:
            factory = FACTORIES[(namespace, name)]
        except KeyError:
            raise NotFound(f"no plugin {name!r} in {namespace}") from None
        return self.register(namespace, record, factory)

    def load_recorded(self, record):
        return self.register(record.namespace, record, FACTORIES[(record.namespace, record.name)])


class Pick:
    def __init__(self, name: str, reason: str = "test", warnings: tuple[str, ...] = ()):
        self.name, self.reason, self.warnings = name, reason, warnings


def selector(name: str, warnings: tuple[str, ...] = ()):
    def select(requested: str, *, iptables_enabled: bool) -> Pick:
        return Pick(name if iptables_enabled else "none", f"picked {name}", warnings)

    return select
