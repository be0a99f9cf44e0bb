"""Running the real ``plugnet`` command in a subprocess, optionally inside a netns."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

PLUGNET = str(Path(sys.executable).with_name("plugnet"))

in_sandbox = pytest.mark.skipif(
    os.environ.get("PLUGNET_SANDBOX") != "1",
    reason="creates network namespaces: run inside plugnet.testing.sandbox",
)


def cli(*args: str, netns: str | None = None, env: dict[str, str] | None = None):
    """Run ``plugnet ARGS`` (in ``netns`` through ``ip netns exec``); never raises."""
    argv = [PLUGNET, *args]
    if netns is not None:
        argv = ["ip", "netns", "exec", netns, *argv]
    full_env = dict(os.environ, **(env or {}))
    return subprocess.run(argv, capture_output=True, text=True, env=full_env, check=False)


def assert_one_line_error(result, code: int, message: str) -> None:
    assert result.returncode == code, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    assert result.stderr == f"plugnet: {message}\n"
    assert result.stdout == ""
