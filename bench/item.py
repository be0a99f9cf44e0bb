"""One work item, pair by pair: runs INSIDE the item's sandbox, as its pid 1.

usage: item.py SPEC_JSON

SPEC: ``{"kind": "init"|"attach"|"startup", "n": N, "runs": R, "tools": [...], "k": K}``.
For each of the R repetitions every tool runs once, each in a nested sandbox of
its own (a fresh netns is that run's host), one after the other, so the
figures of one repetition were taken within seconds of each other and their
ratio holds even when the machine drifts. The order of the tools rotates from
one repetition to the next so no tool always runs first. Prints one JSON line.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sandboxes import (
    REPO,
    SYSTEM_PYTHON,
    VENV_PYTHON,
    log,
    peers_dir,
    run_sandboxed,
)

PEERS = peers_dir()
sys.path.insert(0, str(PEERS))
import peerlib as pl  # noqa: E402

INNER = str(REPO / "bench" / "plugnet_inner.py")


def command(tool: str, spec: dict[str, Any]) -> list[str]:
    """The nested run's command line for ``tool`` (``plugnet-lib:nftables``, ``cni``...)."""
    kind, n = spec["kind"], str(spec.get("n", 1))
    name, _, backend = tool.partition(":")
    if name.startswith("plugnet"):
        plug = [str(VENV_PYTHON), INNER]
        via = name.split("-", 1)[1] if "-" in name else "cli"
        if kind == "init":
            return [*plug, f"init-{via}", "--backend", backend or "nftables"]
        if kind == "startup":
            return [
                *plug,
                "startup",
                "--k",
                str(spec.get("k", 10)),
                "--backend",
                backend or "nftables",
            ]
        return [*plug, "attach", "--n", n, "--via", via, "--backend", backend or "nftables"]
    if name == "cni":
        return [SYSTEM_PYTHON, str(PEERS / "cni_inner.py"), n]
    if name == "netavark":
        return [SYSTEM_PYTHON, str(PEERS / "netavark_inner.py"), n]
    if name == "dockerd":
        return [SYSTEM_PYTHON, str(PEERS / "docker_inner.py")]
    raise SystemExit(f"item: unknown tool {tool!r}")


def main() -> None:
    spec = json.loads(sys.argv[1])
    pl.sandbox_init()
    tools: list[str] = spec["tools"]
    reps = []
    for rep in range(spec["runs"]):
        order = tools[rep % len(tools) :] + tools[: rep % len(tools)]
        results: dict[str, Any] = {}
        for tool in order:
            # the peers' drivers run their scripts so; plugnet's runs use the bytecode
            # cache that run.py compiled, as an installed package would
            extra = None if tool.startswith("plugnet") else {"PYTHONDONTWRITEBYTECODE": "1"}
            res = run_sandboxed(
                command(tool, spec), timeout=spec.get("timeout", 3600), extra_env=extra
            )
            results[tool] = res
            log(
                f"#   {spec['kind']} N={spec.get('n', '-')} run={rep} {tool}: "
                + ("ERROR " + res["error"][:300] if "error" in res else "ok")
            )
        reps.append(results)
    pl.emit({"spec": spec, "runs": reps})


if __name__ == "__main__":
    main()
