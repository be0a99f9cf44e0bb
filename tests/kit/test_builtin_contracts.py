"""plugnet's own plugins are held to the same contract suites as a third party's."""

from __future__ import annotations

from plugnet.core.intents import DaemonConfig
from plugnet.testing.contracts import (
    FirewallBackendContract,
    NetworkDriverContract,
    SubnetAllocatorContract,
)


class TestBridgeDriver(NetworkDriverContract):
    driver_name = "bridge"


class TestBridgeDriverWithIptables(NetworkDriverContract):
    driver_name = "bridge"
    firewall_name = "iptables"


class TestBridgeDriverWithNftables(NetworkDriverContract):
    driver_name = "bridge"
    firewall_name = "nftables"


class TestNoneDriver(NetworkDriverContract):
    driver_name = "none"
    firewall_name = ""
    ipam_name = ""
    daemon_config = DaemonConfig(bridge="none")


class TestIptablesBackend(FirewallBackendContract):
    backend_name = "iptables"


class TestNftablesBackend(FirewallBackendContract):
    backend_name = "nftables"


class TestNoneBackend(FirewallBackendContract):
    backend_name = "none"
    filters_traffic = False


class TestDefaultAllocator(SubnetAllocatorContract):
    ipam_name = "default"
