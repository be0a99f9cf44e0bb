"""The shared part of the network-driver suite: settings, fixtures, helpers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import ClassVar

import pytest
from plugnet.core.driver import InitReport
from plugnet.core.intents import Attachment, AttachRequest, DaemonConfig
from plugnet.testing.contracts._rules import only_plugnet_errors, require
from plugnet.testing.netns import Netns
from plugnet.testing.stack import PluginSpec, PluginStack

__all__ = ["HOST", "MISSING_NETNS", "DriverSuiteBase"]

HOST = "host netns"
MISSING_NETNS = "/run/netns/plugnet-contract-no-such-netns"


class DriverSuiteBase:
    """Settings an author sets, fixtures an author may override, and the suite's helpers."""

    #: The driver's entry-point name in ``plugnet.drivers`` (its mode).
    driver_name: ClassVar[str] = ""
    #: The firewall backend and allocator the driver runs with ("" for none).
    firewall_name: ClassVar[str] = "none"
    ipam_name: ClassVar[str] = "default"
    #: The daemon flags the driver is initialised with.
    daemon_config: ClassVar[DaemonConfig] = DaemonConfig()
    #: The driver promises that containers it attaches can talk to each other.
    connectivity: ClassVar[bool] = True
    echo_port: ClassVar[int] = 7070

    # -- fixtures an author may override ------------------------------------------------

    @pytest.fixture
    def driver_plugin(self) -> PluginSpec:
        """The driver under test: an entry-point name or a :class:`Plugin`."""
        if not self.driver_name:
            pytest.fail("set driver_name or override the driver_plugin fixture")
        return self.driver_name

    @pytest.fixture
    def driver_stack(
        self, state_dir: Path, host_netns: Netns, driver_plugin: PluginSpec
    ) -> Iterator[PluginStack]:
        with PluginStack(
            state_dir,
            driver=driver_plugin,
            firewall=self.firewall_name or None,
            ipam=self.ipam_name or None,
            config=self.daemon_config,
            host=host_netns,
        ) as stack:
            yield stack

    # -- helpers ---------------------------------------------------------------------------

    @staticmethod
    def _init(stack: PluginStack) -> InitReport:
        with only_plugnet_errors("init"):
            report = stack.init()
        require(isinstance(report, InitReport), "init returns an InitReport", repr(report))
        return report

    @staticmethod
    def _need(stack: PluginStack, *names: str) -> None:
        missing = [name for name in names if not stack.serves(name)]
        if missing:
            pytest.skip(f"the driver registers no {', '.join(missing)} handler")

    @staticmethod
    def _attach(stack: PluginStack, ns: Netns, container: str) -> Attachment:
        request = AttachRequest(container=container, netns=ns.path)
        with only_plugnet_errors(f"allocate_interface({container})"):
            attachment = stack.allocate_interface(request)
        rule = "allocate_interface returns the Attachment of the container it was asked for"
        require(isinstance(attachment, Attachment), rule, repr(attachment))
        require(attachment.container == container, rule, repr(attachment))
        shown = ns.run("ip", "-o", "-4", "addr", "show", "dev", request.ifname, check=False).stdout
        require(
            f"inet {attachment.ip}/{attachment.prefixlen}" in shown,
            "allocate_interface puts the reported address on the container's interface",
            f"{request.ifname} in {ns.name} shows {shown.strip() or 'nothing'!r}, "
            f"reported {attachment.ip}/{attachment.prefixlen}",
        )
        return attachment

    @staticmethod
    def _release(stack: PluginStack, container: str) -> bool:
        with only_plugnet_errors(f"release_interface({container})"):
            return stack.release_interface(container)

    def _attach_two(
        self, stack: PluginStack, container_netns: Callable[[str], Netns]
    ) -> tuple[tuple[Netns, Attachment], tuple[Netns, Attachment]]:
        ns1, ns2 = container_netns("c1"), container_netns("c2")
        return (ns1, self._attach(stack, ns1, "c1")), (ns2, self._attach(stack, ns2, "c2"))
