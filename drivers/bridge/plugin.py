"""The ``bridge`` entry point of ``plugnet.drivers``: makes a :class:`BridgeDriver`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from plugnet.core.hookspecs import hookimpl
from plugnet.drivers.bridge.decide import RESOLV_CONF

if TYPE_CHECKING:
    from plugnet.core.driver import DriverContext, NetworkDriver

__all__ = ["BridgeDriverPlugin"]


class BridgeDriverPlugin:
    """Serves mode ``bridge``.

    :param resolv_conf: the resolv.conf a new bridge's subnet must avoid; a
        test seam (register the plugin with another path).
    """

    plugnet_contract = "1.0"

    def __init__(self, resolv_conf: Path = RESOLV_CONF) -> None:
        self.resolv_conf = resolv_conf

    @hookimpl
    def plugnet_make_driver(self, mode: str, context: DriverContext) -> NetworkDriver | None:
        if mode != "bridge":
            return None
        from plugnet.drivers.bridge.driver import BridgeDriver

        return BridgeDriver(context, resolv_conf=self.resolv_conf)
