"""The ``none`` driver: Docker's ``-b none`` (``DisableNetwork``) as an ordinary plugin.

Docker 1.2 skips the ``init_networkdriver`` job when networking is disabled and
registers none of the container handlers. This driver does the same through
the contract: ``init`` and ``plan`` change nothing, no handler is registered (so
asking for an interface says networking is disabled), and ``teardown`` has
nothing to remove.
"""

from __future__ import annotations

from typing import Any

from plugnet.core.driver import DriverContext, HandlerRegistry, InitReport, NetworkDriver
from plugnet.core.hookspecs import hookimpl

__all__ = ["NoneDriver", "NoneDriverPlugin"]

MODE = "none"


class NoneDriver:
    """A driver that owns nothing on the host."""

    name = MODE

    def __init__(self, context: DriverContext) -> None:
        self._context = context

    def _facts(self) -> dict[str, Any]:
        return {"mode": MODE, "networking": "disabled"}

    def plan(self) -> InitReport:
        return InitReport(changes=[], facts=self._facts())

    def init(self) -> InitReport:
        return InitReport(changes=[], facts=self._facts())

    def resume(self) -> None:
        """Nothing to rebuild: the driver keeps no state."""

    def register_handlers(self, registry: HandlerRegistry) -> None:
        """Register nothing: with ``-b none`` Docker has no container handlers."""

    def status(self) -> dict[str, Any]:
        return self._facts()

    def teardown(self) -> InitReport:
        return InitReport()


class NoneDriverPlugin:
    """Entry point ``plugnet.drivers:none``."""

    plugnet_contract = "1.0"

    @hookimpl
    def plugnet_make_driver(self, mode: str, context: DriverContext) -> NetworkDriver | None:
        return NoneDriver(context) if mode == MODE else None
