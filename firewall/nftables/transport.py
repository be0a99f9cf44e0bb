"""The one door to libnftables: one JSON transaction per operation.

A libnftables context keeps a netlink socket, and a socket belongs to the
network namespace it was opened in. The context is therefore kept per
namespace (keyed by the namespace inode of the calling thread), so a process
that enters a namespace (tests, ``plugnet`` run for another host namespace)
writes there and not where it started. Nothing here runs at import.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from typing import Any

from plugnet.core.errors import KernelError, Unavailable

__all__ = ["Command", "Transport"]

#: One libnftables JSON command, e.g. ``{"add": {"table": {...}}}``.
Command = dict[str, Any]


def _netns_inode() -> int:
    return os.stat("/proc/thread-self/ns/net").st_ino


class Transport:
    """Runs JSON command lists as single nft transactions (all or nothing)."""

    def __init__(self) -> None:
        self._contexts: dict[int, Any] = {}

    def _context(self) -> Any:
        key = _netns_inode()
        ctx = self._contexts.get(key)
        if ctx is None:
            try:
                import nftables
            except ImportError as exc:
                raise Unavailable(
                    "firewall backend 'nftables' needs the Python module 'nftables': "
                    "apt-get install python3-nftables, or pip install pip-nftables"
                ) from exc
            try:
                ctx = nftables.Nftables()
            except OSError as exc:
                raise Unavailable(
                    f"firewall backend 'nftables' cannot load libnftables.so.1 ({exc}): "
                    "apt-get install libnftables1"
                ) from exc
            ctx.set_json_output(True)
            ctx.set_handle_output(False)
            self._contexts[key] = ctx
        return ctx

    def apply(self, commands: Sequence[Command], what: str) -> None:
        """Run ``commands`` as one transaction; on error nothing changed."""
        if not commands:
            return
        rc, _output, error = self._context().json_cmd({"nftables": list(commands)})
        if rc != 0:
            raise KernelError(f"nftables: {what} failed: {_first_line(error)}")

    def try_apply(self, commands: Sequence[Command]) -> str | None:
        """Like :meth:`apply` but return libnftables' first error line instead of
        raising (nothing changed then); None on success."""
        if not commands:
            return None
        rc, _output, error = self._context().json_cmd({"nftables": list(commands)})
        return None if rc == 0 else _first_line(error)

    def table_exists(self, family: str, name: str) -> bool:
        command = {"list": {"tables": {"family": family}}}
        rc, output, _error = self._context().json_cmd({"nftables": [command]})
        if rc != 0:
            return False
        data = json.loads(output) if isinstance(output, str) else output
        return any(
            "table" in item and item["table"].get("name") == name
            for item in data.get("nftables", [])
        )


def _first_line(error: str) -> str:
    lines = [line for line in (error or "").splitlines() if line.strip()]
    return lines[0] if lines else "unknown error"
