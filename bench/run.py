#!/usr/bin/env python3
"""plugnet's benchmark, side by side with dockerd 20.10, netavark 1.4 and the CNI plugins.

usage: bench/run.py [--quick] [--ns 1,10,200,1000] [--runs 3] [--peers cni,netavark,dockerd]
                    [--peer-max-n 200] [--cli-max-n 200] [--backends nftables,iptables]
                    [--items init,attach,startup] [--k 10] [--json FILE] [--from-json FILE]

Runs in the root network namespace but only spawns ``unshare``: each work item
(daemon init; attach/detach at one N; CLI start-up) runs in ONE throwaway
sandbox (new net + mount + pid namespaces, set up by the peers'
``peerlib.sandbox_init``), inside which every tool, plugnet and each peer, runs
R times, pair by pair, each run in a nested sandbox of its own. The peers'
inner scripts (``../shared/bench/peers``) are run as they are. Then one table
of medians and of ratios plugnet/peer paired within each repetition.

Peers at N above --peer-max-n (default 200: CNI takes 100+ ms per container
and growing) and plugnet's CLI above --cli-max-n are not run; the issue's
targets compare at N=200.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import report
from sandboxes import REPO, SYSTEM_PYTHON, log, peers_dir, run_sandboxed

ITEM = str(REPO / "bench" / "item.py")
ALL_PEERS = ("cni", "netavark", "dockerd")


def csv(text: str) -> list[str]:
    return [x for x in text.split(",") if x]


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--quick",
        action="store_true",
        help="N=1,10,200, 3 runs, no dockerd, plugnet CLI only up to N=10",
    )
    ap.add_argument(
        "--ns",
        type=lambda s: [int(x) for x in csv(s)],
        default=None,
        help="container counts (default 1,10,200,1000)",
    )
    ap.add_argument("--runs", type=int, default=3, help="repetitions per item (default 3)")
    ap.add_argument("--peers", type=csv, default=None, help="subset of cni,netavark,dockerd")
    ap.add_argument("--peer-max-n", type=int, default=200, help="largest N for the peers")
    ap.add_argument(
        "--cli-max-n",
        type=int,
        default=None,
        help="largest N for plugnet's CLI path (default 200; 10 with --quick)",
    )
    ap.add_argument(
        "--backends",
        type=csv,
        default=["nftables", "iptables"],
        help="plugnet firewall backends for the library path",
    )
    ap.add_argument("--items", type=csv, default=["init", "attach", "startup"])
    ap.add_argument("--k", type=int, default=10, help="cold execs per start-up figure")
    ap.add_argument("--json", help="write every raw result and the summary to FILE")
    ap.add_argument("--from-json", help="print the table of an earlier --json FILE; run nothing")
    a = ap.parse_args(argv)
    if a.ns is None:
        a.ns = [1, 10, 200] if a.quick else [1, 10, 200, 1000]
    if a.peers is None:
        a.peers = ["cni", "netavark"] if a.quick else list(ALL_PEERS)
    if a.cli_max_n is None:
        a.cli_max_n = 10 if a.quick else 200
    unknown = set(a.peers) - set(ALL_PEERS)
    if unknown:
        ap.error(f"unknown peers: {sorted(unknown)}")
    return a


def plan(a: argparse.Namespace) -> list[dict[str, Any]]:
    specs: list[dict[str, Any]] = []
    if "init" in a.items:
        tools = [f"plugnet-cli:{b}" for b in a.backends] + ["plugnet-lib:nftables"]
        specs.append(
            {
                "kind": "init",
                "runs": a.runs,
                "tools": tools + (["dockerd"] if "dockerd" in a.peers else []),
            }
        )
    if "attach" in a.items:
        for n in a.ns:
            tools = [f"plugnet-lib:{b}" for b in a.backends]
            tools += [report.CLI] if n <= a.cli_max_n else []
            tools += [p for p in ("cni", "netavark") if p in a.peers and n <= a.peer_max_n]
            specs.append({"kind": "attach", "n": n, "runs": a.runs, "tools": tools})
    if "startup" in a.items:
        specs.append({"kind": "startup", "runs": a.runs, "k": a.k, "tools": ["plugnet"]})
    return specs


def version(cmd: list[str]) -> str:
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=10)
        return (out.stdout or out.stderr).strip().splitlines()[0]
    except (OSError, IndexError, subprocess.TimeoutExpired):
        return "not installed"


def compile_bytecode() -> None:
    """Write plugnet's .pyc files first: a fresh clone has none, and a cold CLI call
    that compiles its modules measures the compiler, not plugnet (pip does the same
    at install time)."""
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", "-x", r"/(\.venv|build|tests)/", str(REPO)],
        capture_output=True,
    )


def header(a: argparse.Namespace) -> str:
    rev = version(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"])
    dirty = subprocess.run(
        ["git", "-C", str(REPO), "status", "--porcelain", "--untracked-files=no"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    rev += " (with uncommitted changes)" if dirty else ""
    return "\n".join(
        [
            f"plugnet bench {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}  "
            f"kernel {platform.release()}  cpus {os.cpu_count()}  plugnet git {rev}",
            f"runs={a.runs} N={a.ns} peers={a.peers} (peers up to N={a.peer_max_n}, "
            f"plugnet CLI up to N={a.cli_max_n}) backends={a.backends}",
            f"dockerd: {version(['/usr/sbin/dockerd', '--version'])}; netavark: "
            f"{version(['/usr/lib/podman/netavark', '--version'])}; CNI plugins: "
            f"{version(['dpkg-query', '-W', '-f=${Version}', 'containernetworking-plugins'])}; "
            f"{version(['iptables', '-V'])}",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    a = parse(argv)
    if a.from_json:
        data = json.loads(Path(a.from_json).read_text())
        print(report.build(data["items"], data["header"])[0])
        return 0
    if os.geteuid() != 0:
        raise SystemExit("bench: run as root (it creates namespaces); see scripts/bench.sh")
    peers_dir()
    compile_bytecode()
    head = header(a)
    env = {
        "BENCH_CGROUP_PARENT": os.environ.get(
            "BENCH_CGROUP_PARENT", f"/plugnet-bench-docker-{os.getpid()}"
        )
    }
    items = []
    for spec in plan(a):
        log(
            f"# item {spec['kind']} N={spec.get('n', '-')}: {', '.join(spec['tools'])} "
            f"x {spec['runs']} runs"
        )
        res = run_sandboxed(
            [SYSTEM_PYTHON, ITEM, json.dumps(spec)],
            timeout=6 * 3600,
            extra_env=env,
            stream_stderr=True,
        )
        if "error" in res:
            log(f"# item failed: {res['error'][:2000]}")
            res = {"spec": spec, "runs": [{t: res for t in spec["tools"]}]}
        items.append(res)
        if a.json:  # write as we go: a long run that dies keeps what it measured
            text, summary = report.build(items, head)
            Path(a.json).write_text(
                json.dumps({"header": head, "items": items, "summary": summary}, indent=1)
            )
    text, _ = report.build(items, head)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
