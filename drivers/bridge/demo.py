"""``plugnet demo``: the bridge driver end to end, inside throwaway namespaces.

It makes its own network namespaces (a "host", an "outside" machine wired to
it, and three containers), runs init, attaches the containers, serves a TCP
echo in one, publishes its port, checks every path with real connections,
turns inter-container communication off, adds a link, prints a table of what
each check saw and the firewall rules, then tears everything down and deletes
the namespaces. Nothing outside those namespaces changes; it needs root.

Run: ``plugnet demo`` or ``python -m plugnet.drivers.bridge.demo
[--firewall-backend auto|nftables|iptables]``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from plugnet.core.errors import PlugnetError
from plugnet.core.intents import AttachRequest, DaemonConfig, PortProto, PortSpec

__all__ = ["main"]

BLOCKED_TIMEOUT = 1.0
CONTAINERS = ("web", "client", "other")


@dataclass
class Check:
    what: str
    source: str
    target: str
    expect: bool
    seen: str | None

    @property
    def ok(self) -> bool:
        return (self.seen is not None) == self.expect


@dataclass
class Demo:
    """The namespaces, the engine and what was seen."""

    prefix: str
    firewall: str
    state_dir: Path
    made: list[str] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    initialised: bool = False

    def ns(self, role: str) -> str:
        return f"{self.prefix}-{role}"

    def ip(self, role: str, *argv: str) -> None:
        subprocess.run(["ip", "-n", self.ns(role), *argv], check=True, capture_output=True)

    def create_namespaces(self) -> None:
        for role in ("host", "outside", *CONTAINERS):
            subprocess.run(["ip", "netns", "add", self.ns(role)], check=True)
            self.made.append(self.ns(role))
            self.ip(role, "link", "set", "lo", "up")
        self.ip(
            "host",
            "link",
            "add",
            "uplink",
            "type",
            "veth",
            "peer",
            "name",
            "eth0",
            "netns",
            self.ns("outside"),
        )
        self.ip("host", "addr", "add", "192.0.2.1/24", "dev", "uplink")
        self.ip("host", "link", "set", "uplink", "up")
        self.ip("outside", "addr", "add", "192.0.2.2/24", "dev", "eth0")
        self.ip("outside", "link", "set", "eth0", "up")

    def delete_namespaces(self) -> None:
        for name in reversed(self.made):
            subprocess.run(["ip", "netns", "del", name], check=False, capture_output=True)
        self.made.clear()

    @contextmanager
    def on_host(self) -> Iterator[None]:
        from plugnet.linux.netns import entered

        with entered(self.ns("host")):
            yield

    def engine(self) -> Any:
        """The engine ``plugnet`` itself runs: each call is what one CLI command does."""
        from plugnet.core.engine import Engine

        return Engine(self.state_dir, log=_log)

    def call(self, job: str, *args: Any) -> Any:
        """Run one container handler as ``plugnet attach/publish/link`` would."""
        with self.on_host():
            return self.engine().handler(job)(*args)

    def check(self, what: str, role: str, host: str, port: int, expect: bool = True) -> None:
        from plugnet.testing.echo import tcp_echo

        seen = tcp_echo(self.ns(role), host, port, timeout=2.0 if expect else BLOCKED_TIMEOUT)
        self.checks.append(Check(what, role, f"{host}:{port}", expect, seen))


def _log(line: str) -> None:
    print(f"  log: {line}", file=sys.stderr)


def _say(text: str) -> None:
    print(text, flush=True)


def _choose_firewall(requested: str) -> str:
    from plugnet.firewall.selection import select_backend

    choice = select_backend(requested, iptables_enabled=True)
    for warning in choice.warnings:
        _say(f"warning: {warning}")
    _say(f"firewall backend: {choice.name} ({choice.reason})")
    return choice.name


def _step_init(demo: Demo, icc: bool) -> None:
    config = DaemonConfig(firewall_backend=demo.firewall, icc=icc)
    with demo.on_host():
        result = demo.engine().init(config)
    demo.initialised = True
    _say(f"\n== init (--icc={'true' if icc else 'false'})")
    for line in result.report.changes or ["(nothing to change)"]:
        _say(f"  {line}")


def _step_attach(demo: Demo) -> None:
    _say("\n== attach three containers")
    for name in CONTAINERS:
        att = demo.call("allocate_interface", AttachRequest(name, demo.ns(name)))
        _say(
            f"  {name:7} {att.ip}/{att.prefixlen} mac {att.mac} via {att.gateway} "
            f"({att.host_ifname} on {att.bridge})"
        )
    binding = demo.call("allocate_port", "web", PortSpec(80, host_port=8080))
    _say(f"  publish web 8080:80/tcp -> {binding.host_ip}:{binding.host_port}")


def _checks_icc_on(demo: Demo) -> None:
    demo.check("container to container (icc on)", "client", "172.17.0.2", 80)
    demo.check("another machine to the published port", "outside", "192.0.2.1", 8080)
    demo.check("host to its own address", "host", "192.0.2.1", 8080)
    demo.check("host to 127.0.0.1", "host", "127.0.0.1", 8080)
    demo.check("container to the host address (hairpin)", "client", "192.0.2.1", 8080)
    demo.check("web to its own published port (hairpin)", "web", "192.0.2.1", 8080)


def _checks_icc_off(demo: Demo) -> None:
    demo.check("container to container (icc off)", "client", "172.17.0.2", 80, expect=False)
    demo.call("link", "client", "web", (PortProto(80, "tcp"),))
    _say("\n== link client -> web on 80/tcp")
    demo.check("linked: client to web:80", "client", "172.17.0.2", 80)
    demo.check("not linked: other to web:80", "other", "172.17.0.2", 80, expect=False)
    demo.check("published port still works (icc off)", "outside", "192.0.2.1", 8080)


def _print_table(checks: list[Check]) -> None:
    _say("\n== checks")
    header = ("check", "from", "to", "expect", "seen", "")
    rows = [
        (
            c.what,
            c.source,
            c.target,
            "reply" if c.expect else "blocked",
            (c.seen or "no reply")[:40],
            "ok" if c.ok else "FAIL",
        )
        for c in checks
    ]
    widths = [max(len(str(r[i])) for r in (header, *rows)) for i in range(len(header))]
    for row in (header, *rows):
        _say("  " + "  ".join(str(cell).ljust(w) for cell, w in zip(row, widths, strict=True)))


def _print_rules(demo: Demo) -> None:
    _say(f"\n== firewall rules in the demo host ({demo.firewall})")
    if demo.firewall == "nftables":
        argv = ["nft", "list", "ruleset"]
    else:
        argv = ["sh", "-c", "iptables-legacy-save 2>/dev/null; iptables-nft-save 2>/dev/null"]
    out = subprocess.run(
        ["ip", "netns", "exec", demo.ns("host"), *argv],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    for line in out.splitlines():
        # iptables-save also lists every empty built-in table: show plugnet's lines only.
        shown = demo.firewall == "nftables" or line.startswith("*") or "plugnet" in line.lower()
        if shown and line.strip() and not line.startswith("#"):
            _say(f"  {line}")


def _run(demo: Demo) -> bool:
    from plugnet.testing.echo import EchoServer

    demo.create_namespaces()
    _step_init(demo, icc=True)
    _step_attach(demo)
    with EchoServer(demo.ns("web"), 80, name="web"):
        _checks_icc_on(demo)
        _step_init(demo, icc=False)  # a daemon restart with --icc=false
        _checks_icc_off(demo)
    _print_rules(demo)
    _print_table(demo.checks)
    return all(c.ok for c in demo.checks)


def _teardown(demo: Demo) -> None:
    _say("\n== teardown")
    if demo.initialised:
        try:
            with demo.on_host():
                report = demo.engine().teardown()
            for line in report.changes:
                _say(f"  {line}")
        except PlugnetError as exc:
            _say(f"  teardown: {exc}")
    demo.delete_namespaces()
    _say(f"  deleted the demo namespaces ({demo.prefix}-*); the host is as it was")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="plugnet demo", description=(__doc__ or "plugnet demo").splitlines()[0]
    )
    parser.add_argument(
        "--firewall-backend", default="auto", help="auto (default), nftables or iptables"
    )
    args = parser.parse_args(argv)
    if os.geteuid() != 0:
        print("plugnet demo: run as root (it creates network namespaces)", file=sys.stderr)
        return 2
    try:
        firewall = _choose_firewall(args.firewall_backend)
    except PlugnetError as exc:
        print(f"plugnet demo: {exc}", file=sys.stderr)
        return exc.exit_code
    with tempfile.TemporaryDirectory(prefix="plugnet-demo-") as state_dir:
        demo = Demo(f"pnd{os.getpid()}", firewall, Path(state_dir))
        try:
            passed = _run(demo)
        except PlugnetError as exc:
            print(f"plugnet demo: {exc}", file=sys.stderr)
            passed = False
        finally:
            _teardown(demo)
    _say("\nall checks passed" if passed else "\nSOME CHECKS FAILED")
    return 0 if passed else 1


if __name__ == "__main__":
    raise SystemExit(main())
