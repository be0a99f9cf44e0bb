"""Proof that a measured plugnet run works: TCP echo between containers and through a port.

The same probes as the peers' ``peerlib.connectivity`` (so a row of the table
is only compared with a row that passed the same checks), done in-process with
:mod:`plugnet.testing.echo`: servers and clients open their sockets inside the
container namespaces, no process is spawned. The addresses are read from the
kernel (``ip -n``), not from plugnet's answers, so a run that reports an
address it did not configure fails here.
"""

from __future__ import annotations

import socket
import subprocess
from typing import Any

#: A run counts only if these passed; the others are reported for information.
REQUIRED = ("c1_to_c0_tcp", "port_via_bridge_ip")
CONTAINER_PORT = 80


def container_ip(netns: str, ifname: str = "eth0") -> str:
    out = subprocess.run(
        ["ip", "-n", netns, "-4", "-o", "addr", "show", "dev", ifname],
        capture_output=True,
        text=True,
    ).stdout.split()
    return out[3].split("/")[0] if len(out) > 3 else ""


def default_gateway(netns: str) -> str:
    out = subprocess.run(
        ["ip", "-n", netns, "-4", "route", "show", "default"], capture_output=True, text=True
    ).stdout.split()
    return out[2] if len(out) > 2 and out[1] == "via" else ""


def probe_here(host: str, port: int) -> str | None:
    """A TCP echo from this process's own namespace (the sandbox's 'host')."""
    try:
        with socket.create_connection((host, port), timeout=2) as sock:
            sock.sendall(b"ping")
            return sock.recv(1024).decode()
    except OSError:
        return None


def connectivity(names: list[str], host_port0: int) -> dict[str, dict[str, Any]]:
    """Echo servers in the first two containers; probes as in the peers' scripts."""
    from plugnet.testing.echo import EchoServer, tcp_echo

    ips = [container_ip(n) for n in names[:2]]
    gateway = default_gateway(names[0])
    res: dict[str, str | None] = {"addresses": f"{ips} gw={gateway}" if gateway else None}
    servers = [EchoServer(n, CONTAINER_PORT, name=n).start() for n in names[:2]]
    try:
        if len(names) >= 2:
            res["c1_to_c0_tcp"] = tcp_echo(names[1], ips[0], CONTAINER_PORT)
            res["c0_to_c1_tcp"] = tcp_echo(names[0], ips[1], CONTAINER_PORT)
        res["host_to_c0_direct_tcp"] = probe_here(ips[0], CONTAINER_PORT)
        res["port_via_bridge_ip"] = probe_here(gateway, host_port0)
        res["port_via_127.0.0.1"] = probe_here("127.0.0.1", host_port0)
        if len(names) >= 2:
            res["c1_to_c0_port_via_gw"] = tcp_echo(names[1], gateway, host_port0)
            res["hairpin_c0_own_port_via_gw"] = tcp_echo(names[0], gateway, host_port0)
    finally:
        for server in servers:
            server.stop()
    return {k: {"ok": v is not None, "reply": v or "FAIL"} for k, v in res.items()}


def passed(checks: dict[str, dict[str, Any]], required: tuple[str, ...]) -> bool:
    """True when every required check that applies to this run passed."""
    present = [k for k in required if k in checks]
    return bool(present) and all(checks[k]["ok"] for k in present)
