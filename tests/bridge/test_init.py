"""Init on the real kernel: Docker 1.2's rows, overlap avoidance, rollback, plan, teardown."""

from __future__ import annotations

import json
from ipaddress import IPv4Interface

import pytest
from plugnet.core import messages
from plugnet.core.driver import DriverContext
from plugnet.core.errors import Conflict, KernelError, NotFound
from plugnet.core.hookspecs import hookimpl
from plugnet.core.plugins import PluginRecord
from plugnet.drivers.bridge.plugin import BridgeDriverPlugin
from plugnet.testing.netns import snapshot

from .conftest import assert_back_to, bridge_tables_empty


def _link(host, name):
    out = host.run("ip", "-j", "-d", "link", "show", name).stdout
    return json.loads(out)[0]


def _ipv4(host, name):
    out = json.loads(host.run("ip", "-j", "-4", "addr", "show", name).stdout)
    return [f"{a['local']}/{a['prefixlen']}" for entry in out for a in entry["addr_info"]]


def test_docker_d_creates_docker0_and_a_second_init_changes_nothing(stacks, firewall):
    stack = stacks(firewall)
    before = snapshot(stack.host)
    report = stack.init()
    assert report.facts["bridge"] == "docker0"
    assert report.facts["address"] == "172.17.42.1/16"
    assert report.facts["subnet"] == "172.17.0.0/16"
    assert report.facts["gateway"] == "172.17.42.1"
    assert report.facts["mtu"] == 1500
    assert report.facts["network"]["icc"] is True
    assert "create bridge docker0" in report.changes[0]
    assert "creating new bridge for docker0" in stack.logs
    link = _link(stack.host, "docker0")
    assert link["linkinfo"]["info_kind"] == "bridge"
    assert "UP" in link["flags"]
    first_octet = int(link["address"].split(":")[0], 16)
    assert first_octet & 0x02 and not first_octet & 0x01  # locally administered unicast
    assert link["address"] == report.facts["mac"]
    assert _ipv4(stack.host, "docker0") == ["172.17.42.1/16"]
    assert stack.host.read_sysctl("net.ipv4.ip_forward") == "1"
    assert stack.host.read_sysctl("net.ipv4.conf.docker0.route_localnet") == "1"

    initialised = snapshot(stack.host)
    again = stack.init()
    assert again.changes == []
    assert again.facts == report.facts
    assert snapshot(stack.host) == initialised

    stack.call(stack.driver.teardown)
    assert_back_to(before, stack.host)
    assert bridge_tables_empty(stack.state)


def test_b_uses_an_existing_bridge_and_teardown_keeps_it(stacks):
    stack = stacks("nftables", bridge="br0")
    stack.host.run("ip", "link", "add", "br0", "type", "bridge")
    stack.host.run("ip", "addr", "add", "10.20.0.1/16", "dev", "br0")
    stack.host.run("ip", "link", "set", "br0", "up")
    before = snapshot(stack.host)
    report = stack.init()
    assert report.facts["address"] == "10.20.0.1/16"
    assert not any("create bridge" in line for line in report.changes)
    stack.call(stack.driver.teardown)
    assert_back_to(before, stack.host)
    assert _ipv4(stack.host, "br0") == ["10.20.0.1/16"]


def test_b_with_a_missing_bridge_fails_with_dockers_message_and_changes_nothing(stacks):
    stack = stacks("nftables", bridge="br9")
    before = snapshot(stack.host)
    with pytest.raises(NotFound) as err:
        stack.init()
    assert str(err.value) == messages.BRIDGE_NOT_FOUND.format(bridge="br9")
    assert str(err.value) == "bridge not found: br9"
    assert_back_to(before, stack.host)
    assert stack.driver.status()["initialised"] is False


def test_bip_gives_a_new_docker0_that_address(stacks):
    stack = stacks("nftables", bip=IPv4Interface("10.99.0.1/24"))
    report = stack.init()
    assert report.facts["address"] == "10.99.0.1/24"
    assert _ipv4(stack.host, "docker0") == ["10.99.0.1/24"]
    stack.call(stack.driver.teardown)


def test_existing_docker0_with_matching_bip_is_reused(stacks):
    stack = stacks("nftables", bip=IPv4Interface("172.18.0.1/16"))
    stack.host.run("ip", "link", "add", "docker0", "type", "bridge")
    stack.host.run("ip", "link", "set", "docker0", "up")
    stack.host.run("ip", "addr", "add", "172.18.0.1/16", "dev", "docker0")
    report = stack.init()
    assert report.facts["address"] == "172.18.0.1/16"
    assert stack.driver.status()["created_bridge"] is False
    stack.call(stack.driver.teardown)
    assert _ipv4(stack.host, "docker0") == ["172.18.0.1/16"]  # not ours: it stays


def test_existing_docker0_with_another_bip_is_refused_and_nothing_changes(stacks):
    stack = stacks("nftables", bip=IPv4Interface("10.0.0.1/16"))
    stack.host.run("ip", "link", "add", "docker0", "type", "bridge")
    stack.host.run("ip", "link", "set", "docker0", "up")
    stack.host.run("ip", "addr", "add", "172.18.0.1/16", "dev", "docker0")
    before = snapshot(stack.host)
    with pytest.raises(Conflict) as err:
        stack.init()
    assert str(err.value) == (
        "bridge ip (172.18.0.1) does not match existing bridge configuration 10.0.0.1"
    )
    assert_back_to(before, stack.host)


def test_existing_docker0_without_ipv4_gets_an_address(stacks):
    """Docker 1.2 died with 'file exists' here (#8444); plugnet addresses it."""
    stack = stacks("nftables")
    stack.host.run("ip", "link", "add", "docker0", "type", "bridge")
    stack.host.run("ip", "link", "set", "docker0", "up")
    report = stack.init()
    assert report.facts["address"] == "172.17.42.1/16"
    assert "address 172.17.42.1/16 on docker0" in report.changes
    stack.call(stack.driver.teardown)
    assert _ipv4(stack.host, "docker0") == []  # our address went, the bridge stays


def test_more_than_one_ipv4_address_uses_the_first_and_says_so(stacks):
    stack = stacks("nftables", bridge="br0")
    stack.host.run("ip", "link", "add", "br0", "type", "bridge")
    stack.host.run("ip", "link", "set", "br0", "up")
    stack.host.run("ip", "addr", "add", "10.30.0.1/16", "dev", "br0")
    stack.host.run("ip", "addr", "add", "10.31.0.1/16", "dev", "br0")
    report = stack.init()
    assert report.facts["address"] == "10.30.0.1/16"
    assert messages.MORE_THAN_ONE_IPV4.format(name="br0", address="10.30.0.1/16") in stack.logs
    stack.call(stack.driver.teardown)


def test_subnet_overlapping_a_route_or_a_nameserver_is_skipped(stacks):
    stack = stacks("nftables", resolv_conf_text="search example\nnameserver 10.0.0.53\n")
    stack.host.run("ip", "link", "add", "uplink", "type", "veth", "peer", "name", "uplink1")
    stack.host.run("ip", "link", "set", "uplink", "up")
    stack.host.run("ip", "route", "add", "172.17.0.0/16", "dev", "uplink")
    report = stack.init()
    assert report.facts["address"] == "10.1.42.1/16"
    stack.call(stack.driver.teardown)


def test_none_mode_is_not_served_by_the_bridge_plugin(stacks):
    stack = stacks("nftables")
    context = DriverContext(stack.config, stack.state, stack.plugins.hooks, "none", print)
    assert BridgeDriverPlugin().plugnet_make_driver(mode="none", context=context) is None


def test_plan_names_the_changes_and_touches_nothing(stacks, firewall):
    stack = stacks(firewall)
    before = snapshot(stack.host)
    report = stack.call(stack.driver.plan)
    assert any(line.startswith("create bridge docker0") for line in report.changes)
    assert "address 172.17.42.1/16 on docker0" in report.changes
    assert "set net.ipv4.ip_forward=1" in report.changes
    assert len(report.changes) > 5  # the firewall's own lines follow
    assert report.facts["address"] == "172.17.42.1/16"
    assert_back_to(before, stack.host)
    assert stack.driver.status()["initialised"] is False


class _BrokenFirewall:
    plugnet_contract = "1.0"

    @hookimpl(tryfirst=True)
    def plugnet_firewall_setup_network(self, network):
        raise KernelError("injected failure")


def test_failed_init_undoes_what_it_did(stacks):
    stack = stacks("nftables")
    record = PluginRecord("plugnet.firewall", "broken", "x:y", "tests", "0")
    stack.plugins.register("plugnet.tests", record, _BrokenFirewall)
    before = snapshot(stack.host)
    with pytest.raises(KernelError, match="injected failure"):
        stack.init()
    assert_back_to(before, stack.host)
    assert stack.driver.status()["initialised"] is False


def test_icc_change_on_reinit_switches_the_verdict(stacks, firewall):
    stack = stacks(firewall)
    stack.init()
    again = stacks(firewall, host=stack.host, state=stack.state, icc=False)
    report = again.init()
    assert report.facts["network"]["icc"] is False
    assert f"firewall ({firewall}): icc off" in report.changes
    again.call(again.driver.teardown)
