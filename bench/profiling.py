"""Where plugnet's time goes: cProfile of the library path and of cold CLI calls.

Run inside the test sandbox (it creates namespaces and rules)::

    .venv/bin/python -m plugnet.testing.sandbox -- \
        .venv/bin/python bench/profiling.py [--n 200] [--window 50]

Prints, for the library (N attach + publish, then N detach, in one process) and
for one cold ``plugnet attach`` / ``publish`` / ``detach`` / ``status``, the
functions with the most cumulative and own time, and the slowest imports
(``python -X importtime``). Writes the raw profiles to --out (default
/tmp/plugnet-profile) for ``python -m pstats`` or snakeviz.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import plugnet_api as api
from sandboxes import VENV_PYTHON

PLUGNET_MAIN = [str(VENV_PYTHON), "-m", "plugnet"]


def top(prof: pstats.Stats, sort: str, limit: int) -> str:
    buf = io.StringIO()
    prof.stream = buf  # type: ignore[attr-defined]
    prof.sort_stats(sort).print_stats(limit)
    lines = buf.getvalue().splitlines()
    start = next((i for i, x in enumerate(lines) if "ncalls" in x), 0)
    return "\n".join(lines[start : start + limit + 1])


def make_netns(names: list[str]) -> None:
    subprocess.run(
        ["ip", "-batch", "-"],
        input="".join(f"netns add {n}\n" for n in names),
        text=True,
        check=True,
    )


def profiled(label: str, calls: list[tuple[str, int]], lib: api.LibPlugnet, out: Path) -> None:
    prof = cProfile.Profile()
    prof.enable()
    for name, port in calls:
        if port:
            lib.attach(name, name, port)
        else:
            lib.detach(name)
    prof.disable()
    prof.dump_stats(out / f"lib-{label.replace(' ', '-')}.prof")
    stats = pstats.Stats(prof)
    print(f"\n==== library {label}: by cumulative time")
    print(top(stats, "cumulative", 25))
    print(f"\n==== library {label}: by own time")
    print(top(stats, "tottime", 15))


def library(n: int, window: int, backend: str, out: Path) -> None:
    """Profile the first and the last ``window`` attaches of N, then the detaches."""
    names = [f"p{i}" for i in range(n)]
    make_netns(names)
    lib = api.LibPlugnet(backend)
    lib.init()
    first, middle, last = names[:window], names[window : n - window], names[n - window :]
    profiled(
        f"attach first {window} of {n} ({backend})",
        [(x, 9000 + i) for i, x in enumerate(first)],
        lib,
        out,
    )
    for i, name in enumerate(middle):
        lib.attach(name, name, 9000 + window + i)
    profiled(
        f"attach last {window} of {n} ({backend})",
        [(x, 9000 + n - window + i) for i, x in enumerate(last)],
        lib,
        out,
    )
    profiled(f"detach {window} of {n} ({backend})", [(x, 0) for x in last], lib, out)
    for name in first + middle:
        lib.detach(name)
    lib.engine.teardown()


def cold(args: list[str], label: str, out: Path) -> None:
    path = out / f"cli-{label}.prof"
    subprocess.run(
        [str(VENV_PYTHON), "-m", "cProfile", "-o", str(path), "-m", "plugnet", *args],
        check=True,
        capture_output=True,
    )
    stats = pstats.Stats(str(path))
    print(f"\n==== cold `plugnet {' '.join(args)}`: by cumulative time")
    print(top(stats, "cumulative", 30))
    imp = subprocess.run(
        [str(VENV_PYTHON), "-X", "importtime", "-m", "plugnet", *args],
        capture_output=True,
        text=True,
    )
    rows = [
        x
        for x in imp.stderr.splitlines()
        if x.startswith("import time:") and x.split("|")[1].strip().isdigit()
    ]
    rows.sort(key=lambda x: -int(x.split("|")[1]))
    print(f"\n==== cold `plugnet {' '.join(args)}`: slowest imports (cumulative us)")
    print("\n".join(rows[:15]))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--window", type=int, default=50, help="attaches profiled at each end")
    ap.add_argument("--backend", default="nftables")
    ap.add_argument("--out", default="/tmp/plugnet-profile")
    a = ap.parse_args()
    if os.environ.get("PLUGNET_SANDBOX") != "1":
        raise SystemExit("profile: run me inside plugnet.testing.sandbox (see the docstring)")
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    cold(["init", *api.init_flags(a.backend)], "init", out)
    library(a.n, min(a.window, a.n // 2), a.backend, out)
    api.cli("init", *api.init_flags(a.backend))
    make_netns(["q0"])
    cold(["attach", "q0", "--netns", "q0"], "attach", out)
    cold(["publish", "q0", "8000:80"], "publish", out)
    cold(["status"], "status", out)
    cold(["detach", "q0"], "detach", out)


if __name__ == "__main__":
    main()
