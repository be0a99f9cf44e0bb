"""Where things are, and how one measured run gets its own throwaway sandbox.

Every measured run (plugnet's or a peer's) is pid 1 of a fresh network + mount
+ pid namespace made by ``unshare``, exactly as the peers' own drivers do
(``../shared/bench/peers/driver.py``). The peers' ``sandbox_init`` refuses to
run unless its network namespace differs from ``ROOT_NETNS_INO``; we hand it
the inode of the namespace we run in, so a nested run can never land in ours,
and ours is never the machine's root namespace (``run.py`` starts every work
item in a sandbox of its own first).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
PEERS_ENV = "PLUGNET_PEERS_DIR"
UNSHARE = ["unshare", "--net", "--mount", "--pid", "--fork", "--kill-child", "--mount-proc", "--"]
VENV_PYTHON = REPO / ".venv" / "bin" / "python"
SYSTEM_PYTHON = "/usr/bin/python3"


def peers_dir() -> Path:
    """The peers' scripts: ``<repo>/../shared/bench/peers``, else ``$PLUGNET_PEERS_DIR``."""
    candidates = [REPO.parent / "shared" / "bench" / "peers"]
    if os.environ.get(PEERS_ENV):
        candidates.append(Path(os.environ[PEERS_ENV]))
    for path in candidates:
        if (path / "peerlib.py").is_file():
            return path
    tried = ", ".join(str(p) for p in candidates)
    raise SystemExit(f"bench: the peers' scripts were not found (tried {tried}); set {PEERS_ENV}")


def netns_inode() -> int:
    return os.stat("/proc/self/ns/net").st_ino


def sandbox_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for a nested run: its parent's netns is the one it must not be in."""
    env = dict(os.environ)
    env["ROOT_NETNS_INO"] = str(netns_inode())
    env.pop("PLUGNET_SANDBOX_OUTER_NETNS", None)
    if extra:
        env.update(extra)
    return env


def run_sandboxed(
    cmd: list[str],
    timeout: float = 3600,
    extra_env: dict[str, str] | None = None,
    stream_stderr: bool = False,
) -> dict[str, Any]:
    """Run ``cmd`` as pid 1 of a new sandbox; return the JSON of its last stdout line.

    A run that fails yields ``{"error": ...}`` instead of raising, so one broken
    tool does not lose the figures of the others.
    """
    try:
        proc = subprocess.run(
            UNSHARE + cmd,
            env=sandbox_env(extra_env),
            stdout=subprocess.PIPE,
            stderr=None if stream_stderr else subprocess.PIPE,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f} s: {' '.join(cmd[-4:])}"}
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        tail = (proc.stdout[-1500:] + (proc.stderr or "")[-2500:]).strip()
        return {"error": f"rc={proc.returncode}: {tail}"}
    try:
        result: dict[str, Any] = json.loads(lines[-1])
    except json.JSONDecodeError:
        return {"error": "no JSON result: " + proc.stdout[-800:] + (proc.stderr or "")[-800:]}
    if proc.stderr and proc.stderr.strip():
        result.setdefault("stderr_tail", proc.stderr.strip().splitlines()[-5:])
    return result


def log(*parts: object) -> None:
    print(*parts, file=sys.stderr, flush=True)
