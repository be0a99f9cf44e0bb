"""Pure rule building, property-tested: add and delete describe the same things."""

from __future__ import annotations

from ipaddress import IPv4Address

from firewall_kit import NETWORK
from hypothesis import given
from hypothesis import strategies as st
from plugnet.core.intents import PortForward
from plugnet.firewall.iptables.ports import port_rules
from plugnet.firewall.nftables import network as nw
from plugnet.firewall.nftables.ports import port_elements

forwards = st.builds(
    PortForward,
    container=st.text("abcdef0123456789", min_size=1, max_size=12),
    proto=st.sampled_from(["tcp", "udp"]),
    host_ip=st.sampled_from([IPv4Address("0.0.0.0"), IPv4Address("10.0.0.1")]),
    host_port=st.integers(1, 65535),
    container_ip=st.integers(0xAC110002, 0xAC11FFFE).map(IPv4Address),
    container_port=st.integers(1, 65535),
)


@given(forwards)
def test_nft_add_and_delete_touch_the_same_keys(forward):
    elements = port_elements(NETWORK, forward)
    added = nw.element_commands("add", elements)
    deleted = nw.element_commands("delete", elements)
    assert len(added) == len(deleted) == 2
    for add, delete in zip(added, deleted, strict=True):
        add_elem = add["add"]["element"]["elem"][0]
        key = (
            add_elem[0]["elem"]["val"]
            if isinstance(add_elem[0], dict) and "elem" in add_elem[0]
            else add_elem[0]
        )
        assert delete["delete"]["element"]["elem"][0] == key


@given(forwards, forwards)
def test_distinct_host_ports_never_share_an_element_or_rule(a, b):
    same_host_side = (a.host_ip, a.proto, a.host_port) == (b.host_ip, b.proto, b.host_port)
    keys_a = {(e.set_name, e.key) for e in port_elements(NETWORK, a)}
    keys_b = {(e.set_name, e.key) for e in port_elements(NETWORK, b)}
    assert bool(keys_a & keys_b) == same_host_side
    rules_a, rules_b = set(port_rules(NETWORK, a)), set(port_rules(NETWORK, b))
    if (a.container, a.proto, a.host_port) != (b.container, b.proto, b.host_port):
        assert not rules_a & rules_b


@given(forwards)
def test_every_iptables_rule_of_a_port_is_tagged_with_its_owner(forward):
    for rule in port_rules(NETWORK, forward):
        assert rule.comment == f"plugnet:{forward.container}:{forward.proto}/{forward.host_port}"
        assert f'--comment "{rule.comment}"' in rule.save_line()
