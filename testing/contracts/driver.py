"""The network-driver contract suite: subclass it to hold a driver to the contract.

::

    from plugnet.testing.contracts import NetworkDriverContract

    class TestMyDriver(NetworkDriverContract):
        driver_name = "mydriver"          # its entry point in plugnet.drivers

Or override the ``driver_plugin`` fixture to return
``Plugin("mydriver", MyDriverPlugin)`` for a plugin that is not installed.
Each test runs the driver inside a fresh host netns with fresh container
namespaces, and fails with ``contract rule: ...; found ...``.
"""

from __future__ import annotations

from collections.abc import Callable

from plugnet.core.driver import InitReport, NetworkDriver
from plugnet.testing.contracts._driver_base import HOST
from plugnet.testing.contracts._rules import only_plugnet_errors, require
from plugnet.testing.contracts.driver_handlers import DriverHandlerRules
from plugnet.testing.netns import Netns, snapshot
from plugnet.testing.snapshot import assert_same_state
from plugnet.testing.stack import PluginStack

__all__ = ["NetworkDriverContract"]

HANDLER_PAIRS = (
    ("allocate_interface", "release_interface"),
    ("allocate_port", "release_port"),
    ("link", "unlink"),
)


class NetworkDriverContract(DriverHandlerRules):
    """The rules every network driver follows; see the module docstring.

    Settings (class attributes): ``driver_name``, ``firewall_name`` (default
    ``"none"``), ``ipam_name`` (default ``"default"``), ``daemon_config``,
    ``connectivity`` (the driver promises attached containers can talk).
    """

    # -- the driver object and its phases ----------------------------------------------------

    def test_make_driver_returns_a_driver_for_its_mode(self, driver_stack: PluginStack) -> None:
        driver = driver_stack.driver
        require(
            isinstance(driver, NetworkDriver),
            "plugnet_make_driver returns an object satisfying plugnet.core.driver.NetworkDriver",
            f"{type(driver).__name__} lacks part of the protocol",
        )
        require(
            driver.name == driver_stack.mode,
            "a driver's name is the mode it serves",
            f"name {driver.name!r} for mode {driver_stack.mode!r}",
        )

    def test_plan_touches_nothing(self, driver_stack: PluginStack, host_netns: Netns) -> None:
        before = snapshot(host_netns)
        with only_plugnet_errors("plan"):
            report = driver_stack.plan()
        require(isinstance(report, InitReport), "plan returns an InitReport", repr(report))
        assert_same_state(before, snapshot(host_netns), "plan must not touch the kernel", HOST)

    def test_init_is_idempotent(
        self,
        driver_stack: PluginStack,
        host_netns: Netns,
        container_netns: Callable[[str], Netns],
    ) -> None:
        self._init(driver_stack)
        if driver_stack.serves("allocate_interface"):
            self._attach(driver_stack, container_netns("c1"), "c1")
        before = snapshot(host_netns)
        with driver_stack.reopened() as again:
            self._init(again)
        assert_same_state(
            before,
            snapshot(host_netns),
            "init must be idempotent: a second init changes nothing and duplicates nothing",
            HOST,
        )

    def test_teardown_leaves_the_host_as_before_init(
        self,
        driver_stack: PluginStack,
        host_netns: Netns,
        container_netns: Callable[[str], Netns],
    ) -> None:
        before = snapshot(host_netns)
        self._init(driver_stack)
        if driver_stack.serves("allocate_interface"):
            self._attach_two(driver_stack, container_netns)
        with only_plugnet_errors("teardown"):
            driver_stack.teardown()
        rule = "teardown must leave the host netns as it was before init"
        assert_same_state(before, snapshot(host_netns), rule, HOST)
        with only_plugnet_errors("a second teardown"):
            driver_stack.teardown()
        assert_same_state(before, snapshot(host_netns), "a second teardown changes nothing", HOST)

    def test_resume_touches_nothing_and_serves_earlier_containers(
        self,
        driver_stack: PluginStack,
        host_netns: Netns,
        container_netns: Callable[[str], Netns],
    ) -> None:
        self._init(driver_stack)
        after_init = snapshot(host_netns)
        with driver_stack.reopened() as later:
            with only_plugnet_errors("resume"):
                later.resume()
            assert_same_state(
                after_init, snapshot(host_netns), "resume must not touch the kernel", HOST
            )
            if not later.serves("allocate_interface"):
                return
            self._attach(later, container_netns("c1"), "c1")
        with driver_stack.reopened() as third:
            third.resume()
            require(
                self._release(third, "c1"),
                "a container attached by one process is released by another (state persists)",
                "release_interface returned False",
            )
        assert_same_state(
            after_init,
            snapshot(host_netns),
            "release_interface in a later process must undo the attachment",
            HOST,
        )

    def test_handlers_come_in_pairs(self, driver_stack: PluginStack) -> None:
        self._init(driver_stack)
        for make, undo in HANDLER_PAIRS:
            require(
                driver_stack.serves(make) == driver_stack.serves(undo),
                f"a driver that registers {make} also registers {undo}, and the reverse",
                f"registered: {', '.join(driver_stack.registry.names()) or 'nothing'}",
            )
