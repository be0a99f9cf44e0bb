"""Real TCP through each backend: ICC, links, published ports, hairpin, masquerade."""

from __future__ import annotations

import dataclasses
import json
import socket
import struct
from ipaddress import IPv4Address

import pytest
from firewall_kit import NETWORK
from plugnet.core.intents import LinkIntent, PortForward, PortProto
from plugnet.linux.netns import entered
from plugnet.testing.echo import EchoServer, tcp_echo

pytestmark = pytest.mark.kernel

ICC_OFF = dataclasses.replace(NETWORK, icc=False)


def forward(host_ip: str = "0.0.0.0", host_port: int = 8080) -> PortForward:
    return PortForward("c1", "tcp", IPv4Address(host_ip), host_port, IPv4Address("172.17.0.2"), 80)


def test_icc_on_containers_talk(wired, topology):
    wired.setup_network(network=NETWORK)
    with EchoServer(topology.c1.name, 80, name="c1"):
        assert tcp_echo(topology.c2.name, topology.c1_ip, 80) == "c1|peer=172.17.0.3|ping"


def test_icc_off_blocks_then_link_opens_one_port(wired, topology):
    wired.setup_network(network=ICC_OFF)
    link = LinkIntent(
        "c2", "c1", IPv4Address(topology.c2_ip), IPv4Address(topology.c1_ip), (PortProto(80),)
    )
    with EchoServer(topology.c1.name, 80, name="c1"), EchoServer(topology.c1.name, 81):
        assert tcp_echo(topology.c2.name, topology.c1_ip, 80, timeout=0.5) is None
        wired.add_link(network=ICC_OFF, link=link)
        assert tcp_echo(topology.c2.name, topology.c1_ip, 80) == "c1|peer=172.17.0.3|ping"
        assert tcp_echo(topology.c2.name, topology.c1_ip, 81, timeout=0.5) is None
        wired.del_link(network=ICC_OFF, link=link)
        assert tcp_echo(topology.c2.name, topology.c1_ip, 80, timeout=0.5) is None


def test_icc_switch_in_place(wired, topology):
    wired.setup_network(network=ICC_OFF)
    wired.setup_network(network=NETWORK)
    with EchoServer(topology.c1.name, 80, name="c1"):
        assert tcp_echo(topology.c2.name, topology.c1_ip, 80) is not None
        wired.setup_network(network=ICC_OFF)
        assert tcp_echo(topology.c2.name, topology.c1_ip, 80, timeout=0.5) is None


def test_published_port_from_everywhere(wired, topology):
    wired.setup_network(network=NETWORK)
    wired.add_port(network=NETWORK, forward=forward())
    with EchoServer(topology.c1.name, 80, name="c1"):
        from_outside = tcp_echo(topology.outside.name, topology.host_ip, 8080)
        assert from_outside == "c1|peer=10.0.0.2|ping"
        assert tcp_echo(topology.host.name, topology.host_ip, 8080) is not None
        assert tcp_echo(topology.host.name, "127.0.0.1", 8080) is not None
        # hairpin: a container through the host's address, to itself and to another
        assert tcp_echo(topology.c1.name, topology.host_ip, 8080) is not None
        assert tcp_echo(topology.c2.name, topology.host_ip, 8080) is not None
        assert tcp_echo(topology.c2.name, "172.17.42.1", 8080) is not None
        wired.del_port(network=NETWORK, forward=forward())
        assert tcp_echo(topology.outside.name, topology.host_ip, 8080, timeout=0.5) is None


def test_port_on_one_host_address_only(wired, topology):
    wired.setup_network(network=NETWORK)
    wired.add_port(network=NETWORK, forward=forward("10.0.0.1", 9090))
    with EchoServer(topology.c1.name, 80, name="c1"):
        assert tcp_echo(topology.outside.name, topology.host_ip, 9090) is not None
        assert tcp_echo(topology.host.name, "172.17.42.1", 9090, timeout=0.5) is None


def test_masquerade_to_outside(wired, topology):
    wired.setup_network(network=NETWORK)
    with EchoServer(topology.outside.name, 7000, name="out"):
        reply = tcp_echo(topology.c1.name, topology.outside_ip, 7000)
    assert reply == "out|peer=10.0.0.1|ping"


def test_no_masquerade_keeps_container_address(wired, topology):
    network = dataclasses.replace(NETWORK, masquerade=False)
    wired.setup_network(network=network)
    topology.outside.run("ip", "route", "add", "172.17.0.0/16", "via", topology.host_ip)
    with EchoServer(topology.outside.name, 7000, name="out"):
        reply = tcp_echo(topology.c1.name, topology.outside_ip, 7000)
    assert reply == "out|peer=172.17.0.2|ping"


def test_docker12_layout_without_local_forwarding(wired, topology):
    """local_forwarding off: Docker 1.2's rules exactly; 127.0.0.1 and hairpin were
    its proxy's job, so only other hosts reach the port."""
    network = dataclasses.replace(NETWORK, local_forwarding=False)
    wired.setup_network(network=network)
    wired.add_port(network=network, forward=forward())
    with EchoServer(topology.c1.name, 80, name="c1"):
        assert tcp_echo(topology.outside.name, topology.host_ip, 8080) is not None
        assert tcp_echo(topology.host.name, "127.0.0.1", 8080, timeout=0.5) is None
        assert tcp_echo(topology.c2.name, topology.host_ip, 8080, timeout=0.5) is None


def _crafted_udp_to_loopback(container: str, gateway_mac: str, src_ip: str, port: int) -> None:
    """What a container with CAP_NET_RAW can do: a frame to the bridge's MAC whose
    IPv4 destination is 127.0.0.1 (the attack class of CVE-2020-8558)."""
    payload = b"from-container"
    udp = struct.pack("!HHHH", 40000, port, 8 + len(payload), 0) + payload
    header = struct.pack(
        "!BBHHHBBH4s4s",
        0x45, 0, 20 + len(udp), 1, 0, 64, socket.IPPROTO_UDP, 0,
        socket.inet_aton(src_ip), socket.inet_aton("127.0.0.1"),
    )  # fmt: skip
    words = struct.unpack("!10H", header)
    total = sum(words)
    while total > 0xFFFF:
        total = (total & 0xFFFF) + (total >> 16)
    header = header[:10] + struct.pack("!H", ~total & 0xFFFF) + header[12:]
    with entered(container):
        raw = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    with raw:
        raw.bind(("eth0", 0))
        own_mac = raw.getsockname()[4]
        raw.send(bytes.fromhex(gateway_mac.replace(":", "")) + own_mac + b"\x08\x00" + header + udp)


def test_containers_cannot_reach_the_hosts_loopback_services(wired, topology):
    """route_localnet is on for published ports on 127.0.0.1; the backend must
    still keep new traffic from the bridge away from the host's 127.0.0.0/8."""
    wired.setup_network(network=NETWORK)
    with entered(topology.host.name):
        listener = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    with listener:
        listener.bind(("127.0.0.1", 9999))
        listener.settimeout(0.5)
        link = json.loads(topology.host.run("ip", "-j", "link", "show", NETWORK.bridge).stdout)
        _crafted_udp_to_loopback(topology.c1.name, link[0]["address"], topology.c1_ip, 9999)
        with pytest.raises(TimeoutError):
            listener.recvfrom(100)
        # The guard is what stops it: without plugnet's rules the packet gets through,
        # so this test would notice a backend that lost the rule.
        wired.teardown_network(network=NETWORK)
        _crafted_udp_to_loopback(topology.c1.name, link[0]["address"], topology.c1_ip, 9999)
        assert listener.recvfrom(100)[0] == b"from-container"
