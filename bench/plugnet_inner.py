"""plugnet, one measured run. Runs INSIDE a sandbox of its own, as pid 1 (see sandboxes.py).

Modes (one JSON line on stdout, shaped like the peers' ``*_inner.py`` output):

``init-cli B``     ``plugnet init`` from a cold process; exec -> exit, and exec ->
                   bridge IFF_UP / last nft rule event (the method used for dockerd);
``init-lib B``     ``Engine.init`` in this process (import time reported apart);
``attach N VIA B`` N netns, then per container attach + publish one TCP port (VIA =
                   lib or cli), checks, then detach all; per-container medians and
                   the peak RSS of this process (lib) holding N attachments;
``startup K``      after ``plugnet init``: K cold runs of ``plugnet status`` and
                   ``plugnet --help`` (and, for scale, of ``netavark --version`` and
                   the CNI bridge plugin's VERSION command when installed).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sandboxes import peers_dir

sys.path.insert(0, str(peers_dir()))
import checks
import peerlib as pl
import plugnet_api as api

BRIDGE = "docker0"
HPORT0 = 8000
STATE_DIR = "/run/plugnet"


def ms(seconds: list[float]) -> float:
    return statistics.median(seconds) * 1000 if seconds else float("nan")


def bridge_up() -> bool:
    try:
        return bool(int(Path(f"/sys/class/net/{BRIDGE}/flags").read_text(), 16) & 1)
    except OSError:
        return False


def rule_counts(backend: str) -> dict[str, int]:
    counts: dict[str, int] = dict(pl.count_rules(os.environ.get("PATH", "")))
    legacy = subprocess.run(["iptables-legacy-save"], capture_output=True, text=True).stdout
    counts["iptables_legacy_rules"] = sum(1 for x in legacy.splitlines() if x.startswith("-A "))
    return counts


class Monitors:
    """``ip monitor link`` and ``nft monitor rules``, started before the measured exec."""

    def __init__(self) -> None:
        self.events: list[tuple[float, str, str]] = []
        self.procs = [
            subprocess.Popen(["ip", "-o", "monitor", "link"], stdout=subprocess.PIPE, text=True),
            subprocess.Popen(["nft", "monitor", "rules"], stdout=subprocess.PIPE, text=True),
        ]
        for proc, src in zip(self.procs, ("link", "nft"), strict=True):
            threading.Thread(target=self._read, args=(proc, src), daemon=True).start()
        time.sleep(0.2)  # let them subscribe

    def _read(self, proc: subprocess.Popen[str], src: str) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            self.events.append((time.perf_counter(), src, line.strip()))

    def stop(self, t0: float) -> dict[str, Any]:
        time.sleep(0.3)
        for proc in self.procs:
            proc.terminate()
            proc.wait()
        ev = [(t - t0, src, line) for t, src, line in self.events if t >= t0]
        up = [t for t, src, line in ev if src == "link" and BRIDGE in line and ",UP" in line]
        rules = [
            t
            for t, src, line in ev
            if src == "nft" and line.startswith(("add rule", "insert rule", "add element"))
        ]
        return {
            "bridge_first_up_s": up[0] if up else None,
            "nft_rule_events": len(rules),
            "nft_last_rule_s": rules[-1] if rules else None,
        }


def do_init_cli(backend: str) -> dict[str, Any]:
    mon = Monitors()
    t0 = time.perf_counter()
    elapsed = api.cli("init", *api.init_flags(backend))[0]
    out: dict[str, Any] = {"init_exit_s": elapsed, "events": mon.stop(t0)}
    out["bridge_up"] = bridge_up()
    out["rules"] = rule_counts(backend)
    return out


def do_init_lib(backend: str) -> dict[str, Any]:
    lib = api.LibPlugnet(backend)
    out: dict[str, Any] = {"import_s": lib.import_s, "init_call_s": lib.init()}
    out["bridge_up"] = bridge_up()
    out["rules"] = rule_counts(backend)
    return out


def attach_all(tool: Any, names: list[str]) -> tuple[list[float], list[float]]:
    t_if, t_port = [], []
    for i, name in enumerate(names):
        a, b = tool.attach(name, name, HPORT0 + i)
        t_if.append(a)
        t_port.append(b)
    return t_if, t_port


def do_attach(n: int, via: str, backend: str, check: bool) -> dict[str, Any]:
    names = [f"c{i}" for i in range(n)]
    out: dict[str, Any] = {"netns_create_s": pl.create_netns(names)}
    tool: Any = api.LibPlugnet(backend) if via == "lib" else api.CliPlugnet(backend)
    out["rss_before_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    out["init_s"] = tool.init()
    t0 = time.perf_counter()
    t_if, t_port = attach_all(tool, names)
    out["add_total_s"] = time.perf_counter() - t0
    per = [a + b for a, b in zip(t_if, t_port, strict=True)]
    tail = per[-max(1, n // 10) :]
    out.update(
        add_per_container_median_ms=ms(per),
        add_interface_median_ms=ms(t_if),
        add_port_median_ms=ms(t_port),
        add_last_container_ms=per[-1] * 1000,
        add_tail10pct_median_ms=ms(tail),
        add_first10pct_median_ms=ms(per[: len(tail)]),
    )
    out["rss_holding_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    out["rules_after_add"] = rule_counts(backend)
    if check:
        out["checks"] = checks.connectivity(names, HPORT0)
    t_del = []
    t0 = time.perf_counter()
    for name in names:
        t_del.append(tool.detach(name))
    out["del_total_s"] = time.perf_counter() - t0
    out["del_per_container_median_ms"] = ms(t_del)
    out["rules_after_del"] = rule_counts(backend)
    out["links_after_del"] = len(pl.run(["ip", "-o", "link", "show"]).stdout.splitlines())
    pl.delete_netns(names)
    return out


def cold_runs(cmd: list[str], k: int, env: dict[str, str] | None = None) -> dict[str, Any]:
    times, rc = [], 0
    for _ in range(k):
        t0 = time.perf_counter()
        rc |= subprocess.run(cmd, capture_output=True, env=env).returncode
        times.append(time.perf_counter() - t0)
    return {
        "median_ms": ms(times),
        "min_ms": min(times) * 1000,
        "max_ms": max(times) * 1000,
        "rc": rc,
    }


def do_startup(k: int, backend: str) -> dict[str, Any]:
    api.cli("init", *api.init_flags(backend))
    out: dict[str, Any] = {
        "status": cold_runs([*api.PLUGNET_CLI, "status"], k),
        "help": cold_runs([*api.PLUGNET_CLI, "--help"], k),
    }
    netavark = "/usr/lib/podman/netavark"
    if os.path.exists(netavark):
        out["netavark_version"] = cold_runs([netavark, "--version"], k)
    if os.path.exists("/usr/lib/cni/bridge"):
        env = dict(os.environ, CNI_COMMAND="VERSION")
        out["cni_bridge_version"] = cold_runs(["/usr/lib/cni/bridge"], k, env)
    out["python_bare"] = cold_runs([sys.executable, "-c", "pass"], k)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["init-cli", "init-lib", "attach", "startup"])
    ap.add_argument("--n", type=int, default=1)
    ap.add_argument("--via", choices=["lib", "cli"], default="lib")
    ap.add_argument("--backend", default="nftables")
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--no-check", action="store_true")
    a = ap.parse_args()
    pl.sandbox_init()
    os.environ["PLUGNET_STATE_DIR"] = STATE_DIR
    out: dict[str, Any] = {"tool": "plugnet", "mode": a.mode, "backend": a.backend}
    if a.mode == "init-cli":
        out.update(do_init_cli(a.backend))
    elif a.mode == "init-lib":
        out.update(do_init_lib(a.backend))
    elif a.mode == "attach":
        out.update(n=a.n, via=a.via)
        out.update(do_attach(a.n, a.via, a.backend, not a.no_check))
    else:
        out.update(do_startup(a.k, a.backend))
    pl.emit(out)


if __name__ == "__main__":
    main()
