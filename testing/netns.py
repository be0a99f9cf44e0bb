"""Throwaway network namespaces for tests: hosts and containers.

Namespaces are named and bind-mounted under /run/netns (inside the test
sandbox /run is a private tmpfs), so both ``ip netns exec NAME`` and
:func:`plugnet.linux.netns.entered` reach them. :class:`NetnsPool` deletes
every namespace it made, so a test leaves nothing behind even when it fails.
"""

from __future__ import annotations

import itertools
import os
import subprocess
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

__all__ = ["Netns", "NetnsPool", "run_in", "snapshot"]

_counter = itertools.count()


def _ip(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["ip", *args], check=check, capture_output=True, text=True)


@dataclass(frozen=True, slots=True)
class Netns:
    """A named network namespace; ``path`` is its bind mount."""

    name: str

    @property
    def path(self) -> str:
        return f"/run/netns/{self.name}"

    def run(
        self, *argv: str, check: bool = True, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run a command inside this namespace (``ip netns exec``)."""
        return run_in(self.name, argv, check=check, env=env)


def run_in(
    name: str, argv: Sequence[str], check: bool = True, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        ["ip", "netns", "exec", name, *argv], capture_output=True, text=True, env=env
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"command failed in netns {name} (rc={result.returncode}): {' '.join(argv)}\n"
            f"stdout: {result.stdout}\nstderr: {result.stderr}"
        )
    return result


@dataclass
class NetnsPool:
    """Creates namespaces with a common prefix and deletes them all on :meth:`cleanup`."""

    prefix: str = "t"
    made: list[Netns] = field(default_factory=list)

    def create(self, role: str = "ns") -> Netns:
        name = f"{self.prefix}{os.getpid() % 1000}-{next(_counter)}-{role}"[:60]
        _ip("netns", "add", name)
        _ip("-n", name, "link", "set", "lo", "up")
        ns = Netns(name)
        self.made.append(ns)
        return ns

    def cleanup(self) -> None:
        for ns in reversed(self.made):
            _ip("netns", "del", ns.name, check=False)
        self.made.clear()


@contextmanager
def pool(prefix: str = "t") -> Iterator[NetnsPool]:
    p = NetnsPool(prefix)
    try:
        yield p
    finally:
        p.cleanup()


def snapshot(ns: Netns) -> dict[str, str]:
    """Links, addresses, routes, firewall rules and forwarding sysctls of a namespace.

    Two snapshots compare equal when nothing observable changed; used to prove
    an operation left a namespace as it found it.
    """

    def out(*argv: str) -> str:
        return ns.run(*argv, check=False).stdout

    def strip_counters(text: str) -> str:
        return "\n".join(
            line.split(" [", 1)[0] if line.startswith(":") else line
            for line in text.splitlines()
            if not line.startswith("#")
        )

    return {
        "links": out("ip", "-o", "link", "show"),
        "addrs": out("ip", "-o", "addr", "show"),
        "routes": out("ip", "route", "show", "table", "all"),
        "iptables_legacy": strip_counters(out("iptables-legacy-save")),
        "iptables_nft": strip_counters(out("iptables-nft-save")),
        "nft": out("nft", "list", "ruleset"),
        "ip_forward": out("cat", "/proc/sys/net/ipv4/ip_forward"),
        "route_localnet": out("cat", "/proc/sys/net/ipv4/conf/all/route_localnet"),
    }
