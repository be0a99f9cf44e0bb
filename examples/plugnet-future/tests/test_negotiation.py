"""Contract version negotiation, end to end, through the installed entry points."""

import json
import subprocess
import sys
from ipaddress import IPv4Interface

import pytest
from plugnet.core.errors import ContractMismatch
from plugnet.core.hookspecs import CONTRACT_VERSION
from plugnet.core.intents import NetworkIntent
from plugnet.core.plugins import PluginHost
from plugnet.testing.contracts import FirewallBackendContract
from plugnet.testing.recorder import HookRecorder

NETWORK = NetworkIntent(bridge="br-test", address=IPv4Interface("192.0.2.1/24"))


def test_a_plugin_for_another_major_contract_is_refused_with_both_versions():
    with pytest.raises(ContractMismatch) as refused:
        PluginHost().load("plugnet.drivers", "future")
    message = str(refused.value)
    assert message.startswith("plugin 'future' from ")
    assert message.endswith(
        f": built for plugin contract 2.0, but this plugnet speaks {CONTRACT_VERSION}"
    )
    assert refused.value.plugin == "future"


def test_plugnet_plugins_lists_it_as_failed_and_why():
    out = subprocess.run(
        [sys.executable, "-m", "plugnet", "plugins", "--json"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    records = {(r["namespace"], r["name"]): r for r in json.loads(out)}
    future = records[("plugnet.drivers", "future")]
    assert (future["status"], future["distribution"]) == ("failed", "plugnet-future")
    assert "built for plugin contract 2.0" in future["reason"]
    assert records[("plugnet.firewall", "minimal")]["status"] == "loaded"


def test_a_plugin_without_optional_hooks_loads_and_plugnet_falls_back():
    host = PluginHost()
    loaded = host.load("plugnet.firewall", "minimal")
    assert not host.hooks.implemented("plugnet_firewall_reapply")
    with HookRecorder(host.manager) as recorder:
        host.hooks.firewall_reapply(NETWORK, [], [])
        assert host.hooks.firewall_plan(NETWORK) == []
    assert recorder.names()[:2] == [
        "plugnet_firewall_teardown_network",
        "plugnet_firewall_setup_network",
    ]
    recorder.assert_called("plugnet_firewall_setup_network", network=NETWORK)
    assert loaded.obj.calls == ["teardown br-test", "setup br-test"]


class TestMinimalBackend(FirewallBackendContract):
    backend_name = "minimal"
    filters_traffic = False  # it writes no rule: the suite checks it writes none
