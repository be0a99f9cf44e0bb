"""The test sandbox and the echo helper work on the real kernel."""

import os

from plugnet.testing.echo import EchoServer, tcp_echo
from plugnet.testing.netns import pool


def test_runs_inside_the_sandbox():
    assert os.environ.get("PLUGNET_SANDBOX") == "1"
    assert sorted(os.listdir("/sys/class/net")) == ["lo"] or "eth0" not in os.listdir(
        "/sys/class/net"
    )


def test_tcp_echo_between_two_namespaces_over_a_veth():
    with pool() as p:
        a, b = p.create("a"), p.create("b")
        a.run("ip", "link", "add", "va", "type", "veth", "peer", "name", "vb", "netns", b.name)
        a.run("ip", "addr", "add", "192.0.2.1/24", "dev", "va")
        a.run("ip", "link", "set", "va", "up")
        b.run("ip", "addr", "add", "192.0.2.2/24", "dev", "vb")
        b.run("ip", "link", "set", "vb", "up")
        with EchoServer(b.name, 7000, name="b"):
            assert tcp_echo(a.name, "192.0.2.2", 7000) == "b|peer=192.0.2.1|ping"
        assert tcp_echo(a.name, "192.0.2.2", 7000, timeout=0.5) is None
