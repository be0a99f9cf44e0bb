"""plugnet-leaky: the routed driver with a bug planted, to prove the suite catches it.

``release_interface`` forgets to delete the host veth. Everything else works, so
only the contract tests about release fail, each naming the broken rule:
``contract rule: release_interface must delete the host veth ...; found rtXXXX
left in host netns``. ``scripts/test-examples.sh`` asserts exactly that.
"""

from __future__ import annotations

from plugnet_routed.driver import RoutedDriver
from plugnet_routed.plugin import RoutedDriverPlugin

__all__ = ["LeakyDriver", "LeakyDriverPlugin"]


class LeakyDriver(RoutedDriver):
    name = "leaky"

    def unplug(self, host_ifname: str) -> None:
        """The planted bug: the host veth stays behind."""


class LeakyDriverPlugin(RoutedDriverPlugin):
    mode = "leaky"
    driver_class = LeakyDriver
