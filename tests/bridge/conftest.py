"""Fixtures: a throwaway "host" namespace with the real plugin stack inside it.

Each test gets its own host netns (from a NetnsPool) and state directory. The
driver runs in-process: every call goes through :meth:`Stack.call`, which moves
the calling thread into the host netns for the call. The allocator ("default")
and the firewall backend are the real plugins, loaded by name through
PluginHost; only the bridge driver plugin is registered directly, so the test
can hand it a resolv.conf of its own.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from plugnet.core.driver import DriverContext, HandlerRegistry
from plugnet.core.intents import Attachment, AttachRequest, DaemonConfig
from plugnet.core.plugins import PluginHost, PluginRecord
from plugnet.core.state import StateStore
from plugnet.drivers.bridge.driver import BridgeDriver
from plugnet.drivers.bridge.plugin import BridgeDriverPlugin
from plugnet.linux.netns import entered
from plugnet.testing.netns import Netns, NetnsPool, snapshot

FIREWALLS = ["nftables", "iptables"]


@dataclasses.dataclass
class Stack:
    """One "process" of plugnet: a plugin host, a driver, and the user log."""

    host: Netns
    state: StateStore
    config: DaemonConfig
    firewall: str
    resolv_conf: Path
    plugins: PluginHost
    driver: BridgeDriver
    logs: list[str]
    factory: StackFactory

    def call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        with entered(self.host.name):
            return fn(*args, **kwargs)

    def init(self) -> Any:
        self.factory.remember(self.host)
        return self.call(self.driver.init)

    def attach(self, container: str, netns: Netns, **kwargs: Any) -> Attachment:
        request = AttachRequest(container, netns.name, **kwargs)
        return self.call(self.driver.allocate_interface, request)

    def handlers(self) -> HandlerRegistry:
        registry = HandlerRegistry()
        self.driver.register_handlers(registry)
        return registry


class StackFactory:
    def __init__(self, pool: NetnsPool, tmp_path: Path) -> None:
        self.pool = pool
        self.tmp_path = tmp_path
        self.made: list[Stack] = []
        self.before: dict[str, tuple[Netns, dict[str, str]]] = {}

    def remember(self, host: Netns) -> None:
        """The host as it was before plugnet first touched it."""
        if host.name not in self.before:
            self.before[host.name] = (host, snapshot(host))

    def __call__(
        self,
        firewall: str = "nftables",
        host: Netns | None = None,
        state: StateStore | None = None,
        resolv_conf_text: str = "nameserver 192.0.2.53\n",
        **config: Any,
    ) -> Stack:
        """A new stack; pass ``host`` and ``state`` of an earlier one to "restart"."""
        host = host or self.pool.create("host")
        state = state or StateStore(self.tmp_path / "state")
        resolv_conf = self.tmp_path / "resolv.conf"
        resolv_conf.write_text(resolv_conf_text)
        plugins = PluginHost()
        plugins.load("plugnet.ipam", "default")
        plugins.load("plugnet.firewall", firewall)
        record = PluginRecord(
            "plugnet.drivers",
            "bridge",
            "plugnet.drivers.bridge.plugin:BridgeDriverPlugin",
            "plugnet",
            "test",
        )
        plugins.register("plugnet.drivers", record, lambda: BridgeDriverPlugin(resolv_conf))
        daemon = DaemonConfig(**config)
        plugins.hooks.configure(daemon, state)
        logs: list[str] = []
        context = DriverContext(daemon, state, plugins.hooks, firewall, logs.append)
        driver = plugins.hooks.make_driver(daemon.mode, context)
        assert isinstance(driver, BridgeDriver)
        stack = Stack(host, state, daemon, firewall, resolv_conf, plugins, driver, logs, self)
        self.made.append(stack)
        return stack

    def close(self) -> None:
        """Every test must leave its host as it found it: tear down (a no-op when the
        test did) and compare with the snapshot taken before the first init."""
        last: dict[str, Stack] = {stack.host.name: stack for stack in self.made}
        try:
            for name, (host, before) in self.before.items():
                last[name].call(last[name].driver.teardown)
                assert_back_to(before, host)
                assert bridge_tables_empty(last[name].state)
        finally:
            for stack in self.made:
                stack.driver.close()


@pytest.fixture
def pool() -> Iterator[NetnsPool]:
    made = NetnsPool(prefix="br")
    try:
        yield made
    finally:
        made.cleanup()


@pytest.fixture
def stacks(pool: NetnsPool, tmp_path: Path) -> Iterator[StackFactory]:
    factory = StackFactory(pool, tmp_path)
    try:
        yield factory
    finally:
        factory.close()


@pytest.fixture(params=FIREWALLS)
def firewall(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def bridge_tables_empty(state: StateStore) -> bool:
    conn = state.read()
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    return all(
        conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] == 0
        for t in tables
        if t.startswith("bridge_")
    )


def assert_back_to(before: dict[str, str], host: Netns) -> None:
    after = snapshot(host)
    for key in before:
        assert after[key] == before[key], f"{key} changed:\n{before[key]}\n---\n{after[key]}"
