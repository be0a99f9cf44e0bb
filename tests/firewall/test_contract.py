"""The built-in backends through the shipped firewall contract suite (plugnet.testing)."""

from __future__ import annotations

import pytest
from plugnet.testing.contracts import FirewallBackendContract

pytestmark = pytest.mark.kernel


class TestIptablesContract(FirewallBackendContract):
    backend_name = "iptables"


class TestNftablesContract(FirewallBackendContract):
    backend_name = "nftables"


class TestNoneContract(FirewallBackendContract):
    backend_name = "none"
    filters_traffic = False
