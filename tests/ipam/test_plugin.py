"""The plugin through the PluginHost, as the core and the drivers call it."""

from ipaddress import IPv4Address, IPv4Interface, IPv4Network

import pytest
from plugnet.core.errors import Conflict, Exhausted, InvalidConfig, PluginError
from plugnet.core.intents import DaemonConfig, IPRequest, PortRequest, Route, SubnetRequest
from plugnet.core.plugins import PluginHost
from plugnet.ipam.plugin import DefaultIpamPlugin
from plugnet.ipam.store import MemoryStore

NET = IPv4Interface("172.17.42.1/16")
ANY = IPv4Address("0.0.0.0")


@pytest.fixture
def host(state, monkeypatch):
    monkeypatch.delenv("PLUGNET_SUBNET_POOLS", raising=False)
    monkeypatch.delenv("PLUGNET_PORT_RANGE", raising=False)
    made = PluginHost()
    made.load("plugnet.ipam", "default")
    made.hooks.configure(DaemonConfig(), state)
    return made


def test_loads_through_the_entry_point(host):
    loaded = host.loaded["plugnet.ipam"]
    assert loaded.record.target == "plugnet.ipam.plugin:DefaultIpamPlugin"
    assert isinstance(loaded.obj, DefaultIpamPlugin)


def test_addresses_through_the_hooks(host):
    assert host.hooks.request_ip(IPRequest(NET, "a")) == IPv4Address("172.17.0.2")
    assert host.hooks.request_ip(IPRequest(NET, "b", IPv4Address("172.17.9.9"))) == IPv4Address(
        "172.17.9.9"
    )
    with pytest.raises(Conflict, match=r"^ip already allocated"):
        host.hooks.request_ip(IPRequest(NET, "c", IPv4Address("172.17.9.9")))
    with pytest.raises(InvalidConfig, match=r"out of range"):
        host.hooks.request_ip(IPRequest(NET, "c", IPv4Address("172.17.42.1")))
    host.hooks.release_ip(NET, "a")
    host.hooks.release_ip(NET, "a")
    assert host.hooks.request_ip(IPRequest(NET, "c")) == IPv4Address("172.17.0.3")


def test_ports_through_the_hooks(host):
    assert host.hooks.request_port(PortRequest("a", ANY, "tcp")) == 49153
    assert host.hooks.request_port(PortRequest("a", ANY, "tcp", 8080)) == 8080
    with pytest.raises(Conflict, match=r"^Bind for 127.0.0.1:8080 failed: port is already"):
        host.hooks.request_port(PortRequest("b", IPv4Address("127.0.0.1"), "tcp", 8080))
    host.hooks.release_port("a", ANY, "tcp", 8080)
    host.hooks.release_port("a", ANY, "tcp", 8080)
    assert host.hooks.request_port(PortRequest("b", IPv4Address("127.0.0.1"), "tcp", 8080)) == 8080


def test_release_owner_frees_everything_of_one_owner(host, state):
    host.hooks.request_ip(IPRequest(NET, "a"))
    host.hooks.request_ip(IPRequest(NET, "b"))
    host.hooks.request_port(PortRequest("a", ANY, "tcp", 80))
    host.hooks.request_port(PortRequest("a", ANY, "udp"))
    host.hooks.release_owner("a")
    host.hooks.release_owner("a")
    assert host.hooks.request_port(PortRequest("c", ANY, "tcp", 80)) == 80
    with pytest.raises(Conflict, match=r"b already holds 172.17.0.3"):
        host.hooks.request_ip(IPRequest(NET, "b"))


def test_reset_allocations(host):
    host.hooks.request_ip(IPRequest(NET, "a"))
    host.hooks.reset_allocations()
    assert host.hooks.request_ip(IPRequest(NET, "b")) == IPv4Address("172.17.0.2")


def test_choose_subnet_skips_route_and_nameserver(host):
    request = SubnetRequest(
        bridge="docker0",
        routes=(Route(IPv4Network("172.17.0.0/16"), "eth1"), Route(IPv4Network("0.0.0.0/0"))),
        resolv_conf="nameserver 10.0.0.53\nnameserver 300.1.1.1\n",
    )
    choice = host.hooks.choose_subnet(request)
    assert choice.address == IPv4Interface("10.1.42.1/16")
    assert any("300.1.1.1" in line for line in choice.skipped)


def test_pools_from_the_environment(state, monkeypatch):
    monkeypatch.setenv("PLUGNET_SUBNET_POOLS", "base=10.200.0.0/16,size=24")
    monkeypatch.setenv("PLUGNET_PORT_RANGE", "30000-30001")
    host = PluginHost()
    host.load("plugnet.ipam", "default")
    host.hooks.configure(DaemonConfig(), state)
    request = SubnetRequest("docker0", (Route(IPv4Network("10.200.0.0/24")),), "")
    assert host.hooks.choose_subnet(request).address == IPv4Interface("10.200.1.1/24")
    assert host.hooks.request_port(PortRequest("a", ANY, "tcp")) == 30000
    assert host.hooks.request_port(PortRequest("a", ANY, "tcp")) == 30001
    with pytest.raises(Exhausted, match=r"^all ports are allocated"):
        host.hooks.request_port(PortRequest("a", ANY, "tcp"))


def test_bad_pools_setting_fails_at_configure(state, monkeypatch):
    monkeypatch.setenv("PLUGNET_SUBNET_POOLS", "base=10.0.0.0/16,size=99")
    host = PluginHost()
    host.load("plugnet.ipam", "default")
    with pytest.raises(InvalidConfig, match=r"size must be between"):
        host.hooks.configure(DaemonConfig(), state)


def test_constructor_settings_and_memory_store(state):
    plugin = DefaultIpamPlugin(
        pools="192.168.77.1/24", port_range="kernel", store=lambda _: MemoryStore()
    )
    with pytest.raises(PluginError, match=r"before plugnet_configure"):
        plugin.plugnet_request_ip(IPRequest(NET, "a"))
    plugin.plugnet_configure(DaemonConfig(), state)
    choice = plugin.plugnet_choose_subnet(SubnetRequest("docker0", (), ""))
    assert choice.address == IPv4Interface("192.168.77.1/24")
    port = plugin.plugnet_request_port(PortRequest("a", ANY, "tcp"))
    with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
        first, _last = (int(x) for x in f.read().split())
    assert port == first
    assert not state.exists()  # the memory store wrote nothing


def test_config_fields_win_over_the_environment(state, monkeypatch):
    """--subnet-pool and --port-range (DaemonConfig fields) beat the environment."""
    monkeypatch.setenv("PLUGNET_SUBNET_POOLS", "10.88.0.0/16")
    plugin = DefaultIpamPlugin()
    config = DaemonConfig(subnet_pools="10.77.0.0/16", port_range="40000-40010")
    plugin.plugnet_configure(config, state)
    choice = plugin.plugnet_choose_subnet(SubnetRequest("docker0", (), ""))
    assert choice.address == IPv4Interface("10.77.0.1/16")
    assert plugin.plugnet_request_port(PortRequest("a", ANY, "tcp")) == 40000
