"""Idempotence, reapply after a flush, stale rules removed, switching backends, plan."""

from __future__ import annotations

import dataclasses
from ipaddress import IPv4Address

import pytest
from firewall_kit import BACKENDS, NETWORK, InNetns, add_user_rules, dump, full_state
from plugnet.core.intents import LinkIntent, PortForward, PortProto

pytestmark = pytest.mark.kernel

FWD = PortForward("c1", "tcp", IPv4Address("0.0.0.0"), 8080, IPv4Address("172.17.0.2"), 80)
STALE = PortForward("gone", "tcp", IPv4Address("0.0.0.0"), 8081, IPv4Address("172.17.0.9"), 80)
LINK = LinkIntent(
    "c2", "c1", IPv4Address("172.17.0.3"), IPv4Address("172.17.0.2"), (PortProto(80),)
)
FLUSH = {"nftables": ("nft", "flush", "ruleset"), "iptables": ("iptables-legacy", "-F")}


def test_setup_and_add_twice_change_nothing(backend_name, firewall, host):
    firewall.setup_network(network=NETWORK)
    firewall.add_port(network=NETWORK, forward=FWD)
    firewall.add_link(network=NETWORK, link=LINK)
    once = dump(backend_name, host)
    firewall.setup_network(network=NETWORK)
    firewall.add_port(network=NETWORK, forward=FWD)
    firewall.add_link(network=NETWORK, link=LINK)
    assert dump(backend_name, host) == once


def test_icc_switch_replaces_the_verdict(backend_name, firewall, host):
    firewall.setup_network(network=NETWORK)
    firewall.add_link(network=NETWORK, link=LINK)
    firewall.setup_network(network=dataclasses.replace(NETWORK, icc=False))
    text = dump(backend_name, host)
    verdicts = [line for line in text.splitlines() if "icc" in line or "-i br0 -o br0 -m" in line]
    assert len(verdicts) == 1 and ("drop" in verdicts[0] or "DROP" in verdicts[0])
    # the ICC verdict stays below the link accepts
    lines = text.splitlines()
    assert max(i for i, line in enumerate(lines) if "c2" in line) < lines.index(verdicts[0])


def test_reapply_restores_after_flush_and_drops_stale(backend_name, firewall, host):
    firewall.setup_network(network=NETWORK)
    firewall.add_port(network=NETWORK, forward=FWD)
    firewall.add_link(network=NETWORK, link=LINK)
    wanted = dump(backend_name, host)
    firewall.add_port(network=NETWORK, forward=STALE)
    host.run(*FLUSH[backend_name])
    firewall.reapply(network=NETWORK, forwards=[FWD], links=[LINK])
    assert dump(backend_name, host) == wanted
    firewall.add_port(network=NETWORK, forward=STALE)
    assert "172.17.0.9" in dump(backend_name, host)
    firewall.reapply(network=NETWORK, forwards=[FWD], links=[LINK])
    assert dump(backend_name, host) == wanted


def test_delete_after_teardown_and_teardown_twice_succeed(backend_name, firewall, host):
    add_user_rules(host)
    before = full_state(host)
    firewall.teardown_network(network=NETWORK)
    firewall.del_port(network=NETWORK, forward=FWD)
    firewall.del_link(network=NETWORK, link=LINK)
    firewall.setup_network(network=NETWORK)
    firewall.add_port(network=NETWORK, forward=FWD)
    firewall.del_port(network=NETWORK, forward=FWD)
    firewall.del_port(network=NETWORK, forward=FWD)
    firewall.teardown_network(network=NETWORK)
    firewall.teardown_network(network=NETWORK)
    assert full_state(host) == before


def test_two_host_ports_to_one_container_port_are_independent(backend_name, firewall, host):
    other = dataclasses.replace(FWD, host_port=8090)
    firewall.setup_network(network=NETWORK)
    firewall.add_port(network=NETWORK, forward=FWD)
    only_first = dump(backend_name, host)
    firewall.add_port(network=NETWORK, forward=other)
    firewall.del_port(network=NETWORK, forward=other)
    assert dump(backend_name, host) == only_first


def test_switching_backends_leaves_no_trace(host):
    add_user_rules(host)
    before = full_state(host)
    iptables = InNetns("iptables", BACKENDS["iptables"](), host)
    nftables = InNetns("nftables", BACKENDS["nftables"](), host)
    iptables.setup_network(network=NETWORK)
    iptables.add_port(network=NETWORK, forward=FWD)
    iptables.teardown_network(network=NETWORK)
    nftables.setup_network(network=NETWORK)
    nftables.add_port(network=NETWORK, forward=FWD)
    assert dump("iptables", host) == before[0]
    nftables.teardown_network(network=NETWORK)
    assert full_state(host) == before


def test_nft_plan_is_a_script_nft_accepts_and_matches(host, tmp_path):
    plugin = BACKENDS["nftables"]()
    lines = plugin.plugnet_firewall_plan(network=NETWORK, forwards=[FWD], links=[LINK])
    script = tmp_path / "plan.nft"
    script.write_text("\n".join(lines) + "\n")
    host.run("nft", "-f", str(script))
    applied = dump("nftables", host)
    host.run("nft", "delete", "table", "ip", "plugnet")
    firewall = InNetns("nftables", plugin, host)
    firewall.setup_network(network=NETWORK)
    firewall.add_port(network=NETWORK, forward=FWD)
    firewall.add_link(network=NETWORK, link=LINK)
    assert dump("nftables", host) == applied


def test_iptables_plan_lists_the_rules_it_writes(host):
    plugin = BACKENDS["iptables"]()
    lines = plugin.plugnet_firewall_plan(network=NETWORK, forwards=[FWD], links=[LINK])
    firewall = InNetns("iptables", plugin, host)
    firewall.reapply(network=NETWORK, forwards=[FWD], links=[LINK])
    rules = {line for line in dump("iptables", host).splitlines() if line.startswith("-A")}
    assert rules == {line for line in lines if line.startswith("-A")}


def test_plan_writes_nothing(backend_name, host):
    before = full_state(host)
    plugin = BACKENDS[backend_name]()
    assert plugin.plugnet_firewall_plan(network=NETWORK, forwards=[FWD], links=[LINK])
    assert full_state(host) == before
