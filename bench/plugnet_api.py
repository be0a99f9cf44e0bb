"""The two ways the bench drives plugnet: the library (one process) and the CLI (one per call).

Kept in one place so the rest of the bench does not depend on the engine's
exact calls. Both classes time each call with ``perf_counter`` around the call
only (imports are timed separately, and reported as such).
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path
from typing import Any

from sandboxes import REPO

PLUGNET_CLI = [str(REPO / ".venv" / "bin" / "plugnet")]
CONTAINER_PORT = 80


def init_flags(backend: str) -> list[str]:
    return ["--firewall-backend", backend]


class CliError(RuntimeError):
    pass


def cli(*args: str, env: dict[str, str] | None = None) -> tuple[float, str]:
    """Run one ``plugnet`` command from a cold process; return (seconds, stdout)."""
    t0 = time.perf_counter()
    proc = subprocess.run(PLUGNET_CLI + list(args), capture_output=True, text=True, env=env)
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        raise CliError(
            f"plugnet {' '.join(args)} failed rc={proc.returncode}: "
            f"{proc.stdout[-500:]} {proc.stderr[-1500:]}"
        )
    return elapsed, proc.stdout


class CliPlugnet:
    """plugnet through its CLI: every call is a fresh process, as netavark and CNI are."""

    def __init__(self, backend: str) -> None:
        self.backend = backend

    def init(self) -> float:
        return cli("init", *init_flags(self.backend))[0]

    def attach(self, name: str, netns: str, host_port: int) -> tuple[float, float]:
        t_if = cli("attach", name, "--netns", netns)[0]
        t_port = cli("publish", name, f"{host_port}:{CONTAINER_PORT}")[0]
        return t_if, t_port

    def detach(self, name: str) -> float:
        return cli("detach", name)[0]


class LibPlugnet:
    """plugnet as a library: one Engine in this process, its handlers called directly."""

    def __init__(self, backend: str) -> None:
        self.backend = backend
        t0 = time.perf_counter()
        from plugnet.core.engine import Engine
        from plugnet.core.intents import AttachRequest, DaemonConfig, PortSpec

        self.import_s = time.perf_counter() - t0
        self._request = AttachRequest
        self._spec = PortSpec
        self._config = DaemonConfig(firewall_backend=backend)
        self.engine: Any = Engine(Path(os.environ.get("PLUGNET_STATE_DIR", "/run/plugnet")))
        self._handlers: dict[str, Any] = {}

    def init(self) -> float:
        t0 = time.perf_counter()
        self.engine.init(self._config)
        elapsed = time.perf_counter() - t0
        for name in ("allocate_interface", "allocate_port", "release_interface"):
            self._handlers[name] = self.engine.handler(name)
        return elapsed

    def attach(self, name: str, netns: str, host_port: int) -> tuple[float, float]:
        t0 = time.perf_counter()
        self._handlers["allocate_interface"](self._request(container=name, netns=netns))
        t1 = time.perf_counter()
        spec = self._spec(container_port=CONTAINER_PORT, host_port=host_port)
        self._handlers["allocate_port"](name, spec)
        return t1 - t0, time.perf_counter() - t1

    def detach(self, name: str) -> float:
        t0 = time.perf_counter()
        self._handlers["release_interface"](name)
        return time.perf_counter() - t0
