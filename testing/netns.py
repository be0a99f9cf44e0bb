"""Throwaway network namespaces for tests: hosts and containers.

Namespaces are named and bind-mounted under /run/netns (inside the test
sandbox /run is a private tmpfs), so both ``ip netns exec NAME`` and
:func:`plugnet.linux.netns.entered` reach them. :class:`NetnsPool` deletes
every namespace it made, so a test leaves nothing behind even when it fails.
"""

from __future__ import annotations

import itertools
import os
import re
import subprocess
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

__all__ = ["Netns", "NetnsPool", "pool", "run_in", "snapshot"]

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

    def read_sysctl(self, key: str) -> str:
        """A sysctl of this namespace, e.g. ``net.ipv4.ip_forward``."""
        return self.run("cat", _sysctl_file(key)).stdout.strip()

    def write_sysctl(self, key: str, value: str) -> None:
        """Set a sysctl of this namespace (``sysctl -w`` without needing procps)."""
        self.run("sh", "-c", 'printf "%s\\n" "$1" > "$2"', "sh", value, _sysctl_file(key))


def _sysctl_file(key: str) -> str:
    return "/proc/sys/" + key.replace(".", "/")


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

    def delete(self, ns: Netns) -> None:
        """Delete one namespace now (a container that died before its release)."""
        _ip("netns", "del", ns.name)
        self.made.remove(ns)

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
    an operation left a namespace as it found it. Rule counters and comments of
    the dump tools are dropped, and an iptables table that holds nothing (only
    its built-in chains, policy ACCEPT) counts as absent: the kernel creates
    such a table on first look, which is not a change anyone made. For the same
    reason what the kernel derives by itself is left out: carrier and
    operational state (a bridge goes down some time after its last port left),
    ``linkdown`` marks on routes, and IPv6 link-local addresses and routes.
    """

    def out(*argv: str) -> str:
        return ns.run(*argv, check=False).stdout

    return {
        "links": normalise_links(out("ip", "-o", "link", "show")),
        "addrs": normalise_addrs(out("ip", "-o", "addr", "show")),
        "routes": normalise_routes(out("ip", "route", "show", "table", "all")),
        "iptables_legacy": normalise_iptables_save(out("iptables-legacy-save")),
        "iptables_nft": normalise_iptables_save(out("iptables-nft-save")),
        "nft": out("nft", "list", "ruleset"),
        "ip_forward": out("cat", "/proc/sys/net/ipv4/ip_forward"),
        "route_localnet": out("cat", "/proc/sys/net/ipv4/conf/all/route_localnet"),
    }


_CARRIER_FLAGS = re.compile(r"(,?)(NO-CARRIER|LOWER_UP|M-DOWN)")
_OPER_STATE = re.compile(r" state \S+")
_KERNEL_IPV6 = re.compile(r"(fe80::|ff00::/8)")


def normalise_links(text: str) -> str:
    """``ip -o link`` lines without carrier flags and operational state."""
    lines = []
    for line in text.splitlines():
        line = _OPER_STATE.sub("", _CARRIER_FLAGS.sub("", line)).replace("<,", "<")
        lines.append(line)
    return "\n".join(lines)


def normalise_addrs(text: str) -> str:
    """``ip -o addr`` lines without IPv6 link-local addresses and DAD flags."""
    return "\n".join(
        line.replace(" tentative", "").replace(" dadfailed", "")
        for line in text.splitlines()
        if "inet6 fe80::" not in line
    )


def normalise_routes(text: str) -> str:
    """Routes without ``linkdown`` and without the kernel's IPv6 link-local routes."""
    return "\n".join(
        line.replace(" linkdown", "")
        for line in text.splitlines()
        if not (_KERNEL_IPV6.search(line) and "proto kernel" in line)
    )


def normalise_iptables_save(text: str) -> str:
    """``iptables-save`` output without counters, comments and empty default tables."""
    tables: list[list[str]] = []
    current: list[str] = []
    for raw in text.splitlines():
        if raw.startswith("#") or not raw.strip():
            continue
        line = raw.split(" [", 1)[0] if raw.startswith(":") else raw
        current.append(line)
        if line == "COMMIT":
            tables.append(current)
            current = []
    kept = [table for table in tables if not _is_empty_default_table(table)]
    return "\n".join(line for table in kept for line in table) + ("\n" if kept else "")


_BUILTIN_CHAINS = {"PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"}


def _is_empty_default_table(table: list[str]) -> bool:
    for line in table[1:-1]:
        if not line.startswith(":"):
            return False
        chain, _, policy = line[1:].partition(" ")
        if chain not in _BUILTIN_CHAINS or policy != "ACCEPT":
            return False
    return True
