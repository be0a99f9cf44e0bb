"""A driver built for a plugin contract that this plugnet does not speak."""

from __future__ import annotations

from typing import Any

from plugnet.core.hookspecs import hookimpl


class FutureDriverPlugin:
    """Declares contract 2.0: refused by plugnet 1.x before any hook is called."""

    plugnet_contract = "2.0"

    @hookimpl
    def plugnet_make_driver(self, mode: str, context: Any) -> None:
        """Never called: the contract check refuses the plugin first."""
        raise AssertionError("a plugin of another major contract must never be called")
