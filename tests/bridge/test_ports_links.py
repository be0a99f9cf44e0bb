"""Published ports on every path, ICC off with and without links, on both firewall backends."""

from __future__ import annotations

from ipaddress import IPv4Address

from plugnet.core.intents import PortProto, PortSpec
from plugnet.testing.echo import EchoServer, tcp_echo
from plugnet.testing.netns import snapshot

from .conftest import assert_back_to

BLOCKED = 0.5  # seconds to wait for a reply that must not come


def _wire_outside(host, pool):
    """Another machine on the host's uplink: 192.0.2.2 reaches the host at 192.0.2.1."""
    outside = pool.create("outside")
    host.run(
        "ip", "link", "add", "uplink", "type", "veth", "peer", "name", "eth9", "netns", outside.name
    )
    host.run("ip", "addr", "add", "192.0.2.1/24", "dev", "uplink")
    host.run("ip", "link", "set", "uplink", "up")
    outside.run("ip", "addr", "add", "192.0.2.2/24", "dev", "eth9")
    outside.run("ip", "link", "set", "eth9", "up")
    return outside


def test_published_port_is_reachable_on_every_path(stacks, pool, firewall):
    stack = stacks(firewall)
    outside = _wire_outside(stack.host, pool)
    before = snapshot(stack.host)
    stack.init()
    c0, c1 = pool.create("c0"), pool.create("c1")
    stack.attach("ctr0", c0)
    stack.attach("ctr1", c1)
    binding = stack.call(stack.driver.allocate_port, "ctr0", PortSpec(7000, host_port=8080))
    assert (str(binding.host_ip), binding.host_port, binding.container_port) == (
        "0.0.0.0",
        8080,
        7000,
    )
    dynamic = stack.call(stack.driver.allocate_port, "ctr0", PortSpec(7000))
    assert dynamic.host_port == 49153
    local = stack.call(
        stack.driver.allocate_port,
        "ctr0",
        PortSpec(7000, host_ip=IPv4Address("127.0.0.1"), host_port=9090),
    )
    assert str(local.host_ip) == "127.0.0.1"

    with EchoServer(c0.name, 7000, name="c0"):
        paths = {
            "another host": (outside.name, "192.0.2.1", 8080),
            "host, its uplink address": (stack.host.name, "192.0.2.1", 8080),
            "host, its bridge address": (stack.host.name, "172.17.42.1", 8080),
            "host, 127.0.0.1": (stack.host.name, "127.0.0.1", 8080),
            "host, dynamic port": (stack.host.name, "192.0.2.1", 49153),
            "host, 127.0.0.1-only port": (stack.host.name, "127.0.0.1", 9090),
            "other container via host (hairpin)": (c1.name, "192.0.2.1", 8080),
            "same container via host (hairpin)": (c0.name, "192.0.2.1", 8080),
            "other container via gateway": (c1.name, "172.17.42.1", 8080),
        }
        seen = {name: tcp_echo(*where) for name, where in paths.items()}
        assert all(reply and reply.startswith("c0|") for reply in seen.values()), seen
        assert seen["another host"] == "c0|peer=192.0.2.2|ping"  # no SNAT from outside
        # a port published on 127.0.0.1 only is not reachable from elsewhere
        assert tcp_echo(outside.name, "192.0.2.1", 9090, timeout=BLOCKED) is None

        assert stack.call(stack.driver.release_port, "ctr0", PortSpec(7000, host_port=8080))
        assert not stack.call(stack.driver.release_port, "ctr0", PortSpec(7000, host_port=8080))
        assert tcp_echo(outside.name, "192.0.2.1", 8080, timeout=BLOCKED) is None
        assert tcp_echo(stack.host.name, "127.0.0.1", 8080, timeout=BLOCKED) is None
        assert tcp_echo(stack.host.name, "192.0.2.1", 49153) is not None

    stack.call(stack.driver.teardown)
    assert_back_to(before, stack.host)


def test_icc_off_blocks_containers_except_along_a_link(stacks, pool, firewall):
    stack = stacks(firewall, icc=False)
    before = snapshot(stack.host)
    stack.init()
    c0, c1, c2 = pool.create("c0"), pool.create("c1"), pool.create("c2")
    for name, ns in (("ctr0", c0), ("ctr1", c1), ("ctr2", c2)):
        stack.attach(name, ns)
    with EchoServer(c0.name, 5000, name="c0"), EchoServer(c0.name, 6000, name="c0b"):
        assert tcp_echo(c1.name, "172.17.0.2", 5000, timeout=BLOCKED) is None

        link = stack.call(stack.driver.link, "ctr1", "ctr0", (PortProto(5000, "tcp"),))
        assert (str(link.parent_ip), str(link.child_ip)) == ("172.17.0.3", "172.17.0.2")
        assert tcp_echo(c1.name, "172.17.0.2", 5000) == "c0|peer=172.17.0.3|ping"
        assert tcp_echo(c1.name, "172.17.0.2", 6000, timeout=BLOCKED) is None
        assert tcp_echo(c2.name, "172.17.0.2", 5000, timeout=BLOCKED) is None

        assert stack.call(stack.driver.unlink, "ctr1", "ctr0") is True
        assert stack.call(stack.driver.unlink, "ctr1", "ctr0") is False
        assert tcp_echo(c1.name, "172.17.0.2", 5000, timeout=BLOCKED) is None

        stack.call(stack.driver.link, "ctr1", "ctr0", (PortProto(5000, "tcp"),))
        assert tcp_echo(c1.name, "172.17.0.2", 5000) is not None
    linked = snapshot(stack.host)
    assert stack.call(stack.driver.release_interface, "ctr0") is True
    assert stack.driver.status()["links"] == []
    assert snapshot(stack.host)["nft"] != linked["nft"] or firewall != "nftables"

    stack.call(stack.driver.teardown)
    assert_back_to(before, stack.host)


def test_icc_on_with_the_none_backend_lets_containers_talk(stacks, pool):
    stack = stacks("none")
    before = snapshot(stack.host)
    stack.init()
    c0, c1 = pool.create("c0"), pool.create("c1")
    stack.attach("ctr0", c0)
    stack.attach("ctr1", c1)
    with EchoServer(c0.name, 5000, name="c0"):
        assert tcp_echo(c1.name, "172.17.0.2", 5000) == "c0|peer=172.17.0.3|ping"
    stack.call(stack.driver.teardown)
    assert_back_to(before, stack.host)


def test_firewall_reapply_restores_flushed_rules(stacks, pool, firewall):
    stack = stacks(firewall)
    stack.init()
    c0 = pool.create("c0")
    stack.attach("ctr0", c0)
    stack.call(stack.driver.allocate_port, "ctr0", PortSpec(7000, host_port=8080))
    if firewall == "nftables":
        stack.host.run("nft", "flush", "ruleset")
    else:
        for table in ("nat", "filter"):
            stack.host.run("iptables-legacy", "-t", table, "-F")
    with EchoServer(c0.name, 7000, name="c0"):
        assert tcp_echo(stack.host.name, "127.0.0.1", 8080, timeout=BLOCKED) is None
        stack.call(stack.driver.firewall_reapply)
        assert tcp_echo(stack.host.name, "127.0.0.1", 8080) is not None
    stack.call(stack.driver.teardown)
