"""Pure pieces of the bridge driver: MACs, names, port selection, the state tables."""

from __future__ import annotations

import subprocess
import sys
from ipaddress import IPv4Address, IPv4Interface

from hypothesis import given
from hypothesis import strategies as st
from plugnet.core.intents import (
    Attachment,
    LinkIntent,
    NetworkIntent,
    PortForward,
    PortProto,
    PortSpec,
)
from plugnet.core.state import StateStore
from plugnet.drivers.bridge.containers import _host_ifname, container_mac
from plugnet.drivers.bridge.decide import random_bridge_mac
from plugnet.drivers.bridge.publish import _matches
from plugnet.drivers.bridge.store import BridgeStore, NetworkRecord


@given(st.integers(min_value=0, max_value=2**32 - 1))
def test_container_mac_is_02_42_and_the_ipv4_bytes(value):
    ip = IPv4Address(value)
    mac = container_mac(ip)
    octets = mac.split(":")
    assert octets[:2] == ["02", "42"]
    assert bytes(int(o, 16) for o in octets[2:]) == ip.packed


def test_container_mac_matches_docker_1_3():
    assert container_mac(IPv4Address("172.17.0.2")) == "02:42:ac:11:00:02"


def test_bridge_mac_is_random_unicast_and_locally_administered():
    macs = {random_bridge_mac() for _ in range(200)}
    assert len(macs) == 200
    for mac in macs:
        first = int(mac[:2], 16)
        assert first & 0x01 == 0 and first & 0x02 == 0x02


class _Taken:
    def __init__(self, names):
        self.names = set(names)

    def host_ifname_taken(self, name):
        return name in self.names


@given(st.text(min_size=1, max_size=64))
def test_host_ifname_is_short_stable_and_avoids_taken_names(container):
    name = _host_ifname(_Taken(()), container)
    assert name.startswith("veth") and len(name) == 11 and len(name) <= 15
    assert _host_ifname(_Taken(()), container) == name
    assert _host_ifname(_Taken({name}), container) != name


def _forward(host_ip="0.0.0.0", host_port=8080, port=80, proto="tcp"):
    return PortForward("c", proto, IPv4Address(host_ip), host_port, IPv4Address("172.17.0.2"), port)


def test_release_port_selection():
    fwd = _forward()
    assert _matches(fwd, PortSpec(80))
    assert _matches(fwd, PortSpec(80, host_port=8080))
    assert _matches(fwd, PortSpec(80, host_ip=IPv4Address("0.0.0.0"), host_port=8080))
    assert not _matches(fwd, PortSpec(80, host_port=8081))
    assert not _matches(fwd, PortSpec(81))
    assert not _matches(fwd, PortSpec(80, proto="udp"))
    assert not _matches(fwd, PortSpec(80, host_ip=IPv4Address("127.0.0.1")))


def test_store_round_trip_and_clear(tmp_path):
    store = BridgeStore(StateStore(tmp_path))
    assert store.network() is None
    intent = NetworkIntent("docker0", IPv4Interface("172.17.42.1/16"), icc=False)
    store.save_network(NetworkRecord(intent, True, "02:00:00:00:00:01", 1400, False, True))
    record = store.network()
    assert record == NetworkRecord(intent, True, "02:00:00:00:00:01", 1400, False, True)
    att = Attachment(
        container="c",
        ip=IPv4Address("172.17.0.2"),
        prefixlen=16,
        mac="02:42:ac:11:00:02",
        gateway=IPv4Address("172.17.42.1"),
        bridge="docker0",
        ifname="eth0",
        host_ifname="veth1234567",
        netns="/run/netns/x",
        mtu=1400,
    )
    store.add_attachment(att)
    assert store.attachment("c") == att
    store.add_forward(_forward())
    link = LinkIntent("p", "c", IPv4Address("172.17.0.3"), att.ip, (PortProto(5000),))
    store.save_link(link)
    assert store.forwards("c") == [_forward()]
    assert store.links("c") == [link]
    store.remember_sysctl("/proc/sys/net/ipv4/ip_forward", "0")
    store.remember_sysctl("/proc/sys/net/ipv4/ip_forward", "1")  # the first value stays
    assert store.sysctls() == [("/proc/sys/net/ipv4/ip_forward", "0")]
    store.clear()
    assert store.network() is None and store.attachments() == [] and store.forwards() == []


def test_status_imports_no_kernel_library(tmp_path):
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from plugnet.core.driver import DriverContext\n"
        "from plugnet.core.intents import DaemonConfig\n"
        "from plugnet.core.state import StateStore\n"
        "from plugnet.core.plugins import PluginHost\n"
        "from plugnet.drivers.bridge.plugin import BridgeDriverPlugin\n"
        f"state = StateStore(Path({str(tmp_path)!r}))\n"
        "ctx = DriverContext(DaemonConfig(), state, PluginHost().hooks, 'none', print)\n"
        "driver = BridgeDriverPlugin().plugnet_make_driver(mode='bridge', context=ctx)\n"
        "driver.resume()\n"
        "print(driver.status())\n"
        "assert 'pyroute2' not in sys.modules, 'pyroute2 imported'\n"
        "assert not state.exists(), 'status created a state file'\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "'initialised': False" in result.stdout
