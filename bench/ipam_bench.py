"""Benchmark of the default allocator: throughput, memory, per-operation growth.

Prints figures (medians), asserts nothing. Run:

    .venv/bin/python bench/ipam_bench.py [--quick]

Every figure uses the SQLite store in a fresh temporary state directory (the
default, with one transaction per operation, as ``plugnet attach`` does),
unless it says "memory store".
"""

from __future__ import annotations

import argparse
import gc
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from ipaddress import IPv4Address, IPv4Interface
from pathlib import Path

from plugnet.core.state import StateStore
from plugnet.ipam.ipalloc import IPAllocator
from plugnet.ipam.portalloc import PortAllocator
from plugnet.ipam.ranges import AddressRange
from plugnet.ipam.sqlite_store import SqliteStore
from plugnet.ipam.store import MemoryStore, Store

SLASH16 = IPv4Interface("172.17.42.1/16")
SLASH8 = IPv4Interface("10.0.0.1/8")
ANY = IPv4Address("0.0.0.0")


_SCRATCH = tempfile.TemporaryDirectory(prefix="ipam-bench-")  # removed at exit


def fresh_sqlite() -> tuple[StateStore, SqliteStore]:
    state = StateStore(Path(tempfile.mkdtemp(dir=_SCRATCH.name)))
    return state, SqliteStore(state)


def fill(store: Store, network: IPv4Interface, count: int) -> None:
    """``count`` leases through the allocator, in one transaction (set-up only)."""
    alloc = IPAllocator(store)
    with store.transaction():
        for n in range(count):
            alloc.request(network, f"fill-{n}")


def cycle_times(store: Store, network: IPv4Interface, ops: int) -> tuple[list[float], list[float]]:
    """Seconds per request and per release, one transaction each."""
    alloc = IPAllocator(store)
    requests, releases = [], []
    for n in range(ops):
        owner = f"op-{n}"
        t0 = time.perf_counter()
        alloc.request(network, owner)
        t1 = time.perf_counter()
        alloc.release(network, owner)
        t2 = time.perf_counter()
        requests.append(t1 - t0)
        releases.append(t2 - t1)
    return requests, releases


def us(seconds: float) -> str:
    return f"{seconds * 1e6:8.1f} µs"


def throughput(ops: int) -> None:
    print("== allocate+release throughput (median per op, ops/s from the median pair)")
    for label, network in (("/16", SLASH16), ("/8", SLASH8)):
        for kind in ("sqlite", "memory"):
            store: Store = fresh_sqlite()[1] if kind == "sqlite" else MemoryStore()
            req, rel = cycle_times(store, network, ops)
            pair = statistics.median(req) + statistics.median(rel)
            print(
                f"  {label:4} {kind:6} request {us(statistics.median(req))}  "
                f"release {us(statistics.median(rel))}  -> {1 / pair:9.0f} pairs/s"
            )


def growth(ops: int, sizes: tuple[int, ...]) -> None:
    print("== per-operation time vs existing leases (/8 pool, median of", ops, "pairs)")
    for kind in ("sqlite", "memory"):
        for size in sizes:
            store: Store = fresh_sqlite()[1] if kind == "sqlite" else MemoryStore()
            fill(store, SLASH8, size)
            req, rel = cycle_times(store, SLASH8, ops)
            ports = PortAllocator(store)
            port_times = []
            for n in range(min(ops, 2000)):
                t0 = time.perf_counter()
                ports.request(f"p{n}", ANY, "tcp")
                port_times.append(time.perf_counter() - t0)
            print(
                f"  {kind:6} {size:>7} leases: request {us(statistics.median(req))}  "
                f"release {us(statistics.median(rel))}  "
                f"dynamic port {us(statistics.median(port_times))}"
            )


def rss_mib() -> float:
    """Current resident set size (not the peak, which earlier sections set)."""
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * resource.getpagesize() / 2**20


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def memory(count: int, kind: str) -> None:
    """Runs in a fresh process per store kind (see main), so RSS is its own."""
    gc.collect()
    rss_before = rss_mib()
    tracemalloc.start()
    if kind == "sqlite":
        state, store = fresh_sqlite()
        fill(store, SLASH8, count)
        cycle_times(store, SLASH8, 1000)
    else:
        store = MemoryStore()
        fill(store, SLASH8, count)
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    line = (
        f"  {kind:6}: python heap held {current / 2**20:7.2f} MiB (tracemalloc peak "
        f"{peak / 2**20:.2f}), RSS +{rss_mib() - rss_before:.2f} MiB "
        f"(peak RSS {peak_rss_mib():.1f} MiB)"
    )
    if kind == "sqlite":
        db = state.path.stat().st_size
        line += f", on disk {db / 2**20:.1f} MiB ({db / count:.0f} B/lease)"
    print(line, flush=True)


def memory_section(count: int) -> None:
    print(f"== memory for a /8 pool with {count} leases (each store in a fresh process)")
    bitmap = AddressRange(SLASH8).size / 8 / 2**20
    print(f"  (for scale: one bit per address of the /8 is {bitmap:.0f} MiB)")
    sys.stdout.flush()
    for kind in ("sqlite", "memory"):
        subprocess.run(
            [sys.executable, __file__, "--memory", kind, "--count", str(count)], check=True
        )


def worst_case(count: int) -> None:
    """The gap search's bad case: the cursor wrapped onto one long run of leases."""
    print(
        f"== worst case: cursor wrapped in front of {count} contiguous leases, one hole at the end"
    )
    _state, store = fresh_sqlite()
    fill(store, SLASH8, count)
    alloc = IPAllocator(store)
    alloc.release(SLASH8, f"fill-{count - 1}")
    with store.transaction():
        store.set_cursor(f"ip:{AddressRange(SLASH8).key}", 0)
    t0 = time.perf_counter()
    got = alloc.request(SLASH8, "late")
    first = time.perf_counter() - t0
    req, _ = cycle_times(store, SLASH8, 200)
    print(
        f"  one request scanning the run: {first * 1e3:.1f} ms (got {got}); "
        f"the next ones: {us(statistics.median(req))} median (the cursor moved past the run)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    parser.add_argument("--memory", choices=["sqlite", "memory"], help=argparse.SUPPRESS)
    parser.add_argument("--count", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory:
        memory(args.count, args.memory)
        return
    quick = args.quick
    throughput(500 if quick else 3000)
    growth(300 if quick else 2000, (10, 1000, 10000) if quick else (10, 1000, 100000))
    memory_section(20000 if quick else 1000000)
    worst_case(10000 if quick else 100000)


if __name__ == "__main__":
    main()
