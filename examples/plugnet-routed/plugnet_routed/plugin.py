"""The plugin object the entry point names: it makes the driver for mode ``routed``."""

from __future__ import annotations

from plugnet.core.driver import DriverContext, NetworkDriver
from plugnet.core.hookspecs import hookimpl

from plugnet_routed.driver import RoutedDriver


class RoutedDriverPlugin:
    """Serves the mode ``routed``; passes (returns None) for every other mode."""

    #: The mode this plugin serves: its entry-point name in ``plugnet.drivers``.
    mode = "routed"

    #: The contract this plugin was built for; plugnet refuses another major.
    plugnet_contract = "1.0"

    #: The driver class this plugin makes (a subclass may swap it).
    driver_class: type[RoutedDriver] = RoutedDriver

    @hookimpl
    def plugnet_make_driver(self, mode: str, context: DriverContext) -> NetworkDriver | None:
        if mode != self.mode:
            return None
        return self.driver_class(context)
