"""Attach, detach, bad inputs, restart and crash reconciliation, with real TCP traffic."""

from __future__ import annotations

import json
from ipaddress import IPv4Address

import pytest
from plugnet.core import messages
from plugnet.core.errors import Conflict, InvalidConfig, KernelError, NotFound
from plugnet.core.intents import PortProto, PortSpec
from plugnet.testing.echo import EchoServer, tcp_echo
from plugnet.testing.netns import snapshot

from .conftest import assert_back_to, bridge_tables_empty


def _inside(ns, *argv):
    return json.loads(ns.run("ip", "-j", *argv).stdout)


def test_attach_many_containers_and_talk_over_tcp(stacks, pool, firewall):
    stack = stacks(firewall)
    before = snapshot(stack.host)
    stack.init()
    containers = [pool.create(f"c{i}") for i in range(6)]
    atts = [stack.attach(f"ctr{i}", ns) for i, ns in enumerate(containers)]
    assert [str(a.ip) for a in atts] == [f"172.17.0.{i}" for i in range(2, 8)]
    first = atts[0]
    assert first.mac == "02:42:ac:11:00:02"
    assert (first.prefixlen, str(first.gateway), first.bridge) == (16, "172.17.42.1", "docker0")
    assert first.host_ifname.startswith("veth") and len(first.host_ifname) == 11
    eth0 = _inside(containers[0], "-d", "link", "show", "eth0")[0]
    assert eth0["address"] == "02:42:ac:11:00:02" and eth0["mtu"] == 1500
    route = _inside(containers[0], "route", "show", "default")[0]
    assert route["gateway"] == "172.17.42.1" and route["dev"] == "eth0"
    port = _inside(stack.host, "-d", "link", "show", first.host_ifname)[0]
    assert port["master"] == "docker0"
    assert port["linkinfo"]["info_slave_data"]["hairpin"] is True

    with EchoServer(containers[0].name, 7000, name="c0"):
        for ns in containers[1:]:
            reply = tcp_echo(ns.name, "172.17.0.2", 7000)
            assert reply is not None and reply.startswith("c0|peer=172.17.0.")
    for i in (1, 3, 5):
        assert stack.call(stack.driver.release_interface, f"ctr{i}") is True
    assert stack.call(stack.driver.status)["attachments"] == 3
    with EchoServer(containers[2].name, 7000, name="c2"):
        assert tcp_echo(containers[4].name, "172.17.0.4", 7000) == "c2|peer=172.17.0.6|ping"
    gone = containers[1].run("ip", "link", "show", "eth0", check=False)
    assert gone.returncode != 0  # its veth went with the detach

    stack.call(stack.driver.teardown)
    assert_back_to(before, stack.host)
    assert bridge_tables_empty(stack.state)


def test_bad_inputs_are_refused_and_change_nothing(stacks, pool):
    stack = stacks("nftables")
    stack.init()
    c0, c1 = pool.create("c0"), pool.create("c1")
    stack.attach("ctr0", c0)
    host_before, status_before = snapshot(stack.host), stack.driver.status()
    c1_before = snapshot(c1)

    cases = [
        (NotFound, "not found", lambda: stack.attach("ctr1", type(c1)("no-such-netns"))),
        (Conflict, "already attached", lambda: stack.attach("ctr0", c1)),
        (
            Conflict,
            messages.IP_ALREADY_ALLOCATED,
            lambda: stack.attach("ctr1", c1, requested_ip=IPv4Address("172.17.0.2")),
        ),
        (InvalidConfig, "", lambda: stack.attach("ctr1", c1, requested_ip=IPv4Address("10.9.9.9"))),
        (
            InvalidConfig,
            "",
            lambda: stack.attach("ctr1", c1, requested_ip=IPv4Address("172.17.42.1")),
        ),
        (InvalidConfig, "too long", lambda: stack.attach("ctr1", c1, ifname="a" * 16)),
        (
            NotFound,
            "not attached",
            lambda: stack.call(stack.driver.allocate_port, "ghost", PortSpec(80)),
        ),
        (
            NotFound,
            "not attached",
            lambda: stack.call(stack.driver.link, "ghost", "ctr0", (PortProto(5000),)),
        ),
    ]
    for error, text, call in cases:
        with pytest.raises(error) as err:
            call()
        assert text in str(err.value)
        assert snapshot(stack.host) == host_before
        assert snapshot(c1) == c1_before
        assert stack.driver.status() == status_before

    stack.call(stack.driver.allocate_port, "ctr0", PortSpec(80, host_port=8080))
    status_before = stack.driver.status()
    rules_before = snapshot(stack.host)["nft"]
    with pytest.raises(Conflict) as err:
        stack.call(stack.driver.allocate_port, "ctr0", PortSpec(81, host_port=8080))
    assert str(err.value).startswith("Bind for 0.0.0.0:8080 failed: port is already allocated")
    assert stack.driver.status() == status_before
    assert snapshot(stack.host)["nft"] == rules_before
    # the refused attach left the next address free: ctr1 gets it
    assert str(stack.attach("ctr1", c1).ip) == "172.17.0.3"
    stack.call(stack.driver.teardown)


def test_detach_is_idempotent_and_frees_only_its_own(stacks, pool):
    stack = stacks("nftables")
    stack.init()
    c0, c1 = pool.create("c0"), pool.create("c1")
    stack.attach("ctr0", c0)
    stack.attach("ctr1", c1)
    assert stack.call(stack.driver.release_interface, "ctr0") is True
    assert stack.call(stack.driver.release_interface, "ctr0") is False
    assert stack.call(stack.driver.release_interface, "never-attached") is False
    # ctr1's address is still held: asking for it is refused
    c2 = pool.create("c2")
    with pytest.raises(Conflict):
        stack.attach("ctr2", c2, requested_ip=IPv4Address("172.17.0.3"))
    # a detach after the namespace went away still releases
    pool.made.remove(c1)
    c1.run("true")
    import subprocess

    subprocess.run(["ip", "netns", "del", c1.name], check=True)
    assert stack.call(stack.driver.release_interface, "ctr1") is True
    assert str(stack.attach("ctr2", c2, requested_ip=IPv4Address("172.17.0.3")).ip) == "172.17.0.3"
    stack.call(stack.driver.teardown)


def test_restart_keeps_earlier_containers_and_their_addresses(stacks, pool, firewall):
    first = stacks(firewall)
    first.init()
    c0, c1, c2 = pool.create("c0"), pool.create("c1"), pool.create("c2")
    first.attach("ctr0", c0)
    first.attach("ctr1", c1)
    first.call(first.driver.allocate_port, "ctr0", PortSpec(7000, host_port=8080))
    rules = snapshot(first.host)

    again = stacks(firewall, host=first.host, state=first.state)  # a new process
    report = again.init()
    assert report.changes == []
    assert snapshot(again.host) == rules
    assert str(again.attach("ctr2", c2).ip) == "172.17.0.4"
    with EchoServer(c0.name, 7000, name="c0"):
        assert tcp_echo(c2.name, "172.17.0.2", 7000) == "c0|peer=172.17.0.4|ping"
        assert tcp_echo(again.host.name, "172.17.42.1", 8080) is not None
    again.call(again.driver.teardown)


def _rules(stack):
    snap = snapshot(stack.host)
    return snap["nft"] + snap["iptables_legacy"] + snap["iptables_nft"]


def test_crash_reconcile_releases_containers_whose_netns_is_gone(stacks, pool, firewall):
    stack = stacks(firewall)
    stack.init()
    c0, c1 = pool.create("c0"), pool.create("c1")
    a0 = stack.attach("ctr0", c0)
    stack.attach("ctr1", c1)
    stack.call(stack.driver.allocate_port, "ctr0", PortSpec(7000, host_port=8080))
    stack.call(stack.driver.allocate_port, "ctr1", PortSpec(7000, host_port=8081))
    assert "8080" in _rules(stack)

    import subprocess

    pool.made.remove(c0)
    subprocess.run(["ip", "netns", "del", c0.name], check=True)  # behind plugnet's back

    again = stacks(firewall, host=stack.host, state=stack.state)
    report = again.init()
    assert any("released ctr0 (172.17.0.2)" in line for line in report.changes)
    assert any("released ctr0" in line for line in again.logs)
    status = again.driver.status()
    assert [c["container"] for c in status["containers"]] == ["ctr1"]
    assert [p["host_port"] for p in status["ports"]] == [8081]
    rules = _rules(again)
    assert "8080" not in rules and "8081" in rules
    assert again.call(again.driver.release_interface, "ctr0") is False
    # its address and port are free again
    c2 = pool.create("c2")
    assert again.attach("ctr2", c2, requested_ip=a0.ip).ip == a0.ip
    again.call(again.driver.allocate_port, "ctr2", PortSpec(7000, host_port=8080))
    again.call(again.driver.teardown)


def test_a_kernel_refusal_rolls_the_attach_back(stacks, pool):
    """The container already has an eth0: the veth cannot be made; nothing stays behind."""
    stack = stacks("nftables")
    stack.init()
    c0 = pool.create("c0")
    c0.run("ip", "link", "add", "eth0", "type", "veth", "peer", "name", "eth0p")
    host_before, c0_before = snapshot(stack.host), snapshot(c0)
    status_before = stack.driver.status()
    with pytest.raises(KernelError, match="create veth"):
        stack.attach("ctr0", c0)
    assert snapshot(stack.host) == host_before
    assert snapshot(c0) == c0_before
    assert stack.driver.status() == status_before
    # the address went back to the pool: it can be asked for again
    again = stack.attach("ctr0", c0, ifname="eth1", requested_ip=IPv4Address("172.17.0.2"))
    assert str(again.ip) == "172.17.0.2"
