"""Failures are clear and change nothing; importing a backend touches no library."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from ipaddress import IPv4Address

import pytest
from firewall_kit import NETWORK, add_user_rules, dump, full_state
from plugnet.core.errors import InvalidConfig, KernelError, PlugnetError
from plugnet.core.intents import PortForward

FWD = PortForward("c1", "tcp", IPv4Address("0.0.0.0"), 8080, IPv4Address("172.17.0.2"), 80)


def test_importing_the_backends_and_selection_loads_neither_library():
    code = (
        "import sys\n"
        "import plugnet.firewall.iptables.plugin, plugnet.firewall.nftables.plugin\n"
        "import plugnet.firewall.none, plugnet.firewall.selection\n"
        "print(sorted(m for m in ('iptc', 'nftables', 'pyroute2') if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


@pytest.mark.kernel
def test_nft_conflicting_forward_is_refused_atomically(firewall, host):
    if firewall.name != "nftables":
        pytest.skip("iptables keeps duplicates; the allocator prevents them")
    firewall.setup_network(network=NETWORK)
    firewall.add_port(network=NETWORK, forward=FWD)
    before = dump("nftables", host)
    clash = dataclasses.replace(FWD, container="c2", container_ip=IPv4Address("172.17.0.3"))
    with pytest.raises(KernelError, match=r"adding port 0.0.0.0:8080/tcp .* File exists"):
        firewall.add_port(network=NETWORK, forward=clash)
    assert dump("nftables", host) == before


@pytest.mark.kernel
def test_bad_bridge_name_is_refused_and_changes_nothing(backend_name, firewall, host):
    add_user_rules(host)
    before = full_state(host)
    bad = dataclasses.replace(NETWORK, bridge="x" * 40)
    with pytest.raises(PlugnetError) as info:
        firewall.setup_network(network=bad)
    if backend_name == "iptables":
        assert isinstance(info.value, InvalidConfig)
    assert "x" * 40 in str(info.value) or "xxxx" in str(info.value)
    assert full_state(host) == before


EXIT_SCRIPT = """
import sys
from ipaddress import IPv4Interface
from plugnet.core.intents import NetworkIntent
from plugnet.firewall.iptables.plugin import IptablesFirewallPlugin
IptablesFirewallPlugin().plugnet_firewall_setup_network(
    network=NetworkIntent("br0", IPv4Interface("172.17.42.1/16")))
print("ready", flush=True)
sys.stdin.readline()
import gc, iptc
iptc.Table._cache.clear()  # free every cached table now, as interpreter exit may
gc.collect()
"""


@pytest.mark.kernel
def test_python_iptables_cache_does_not_write_stale_tables_at_exit(host):
    """python-iptables commits cached autocommit tables when they are freed; a
    rule the user adds while plugnet runs must survive plugnet freeing them."""
    host.run("iptables-legacy", "-t", "raw", "-L")  # the raw table exists before plugnet reads it
    proc = subprocess.Popen(
        ["ip", "netns", "exec", host.name, sys.executable, "-c", EXIT_SCRIPT],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdin is not None
    assert proc.stdout.readline().strip() == "ready"
    host.run(
        "iptables-legacy", "-t", "raw", "-A", "PREROUTING", "-s", "192.0.2.5/32", "-j", "ACCEPT"
    )
    proc.stdin.write("\n")
    proc.stdin.close()
    assert proc.wait() == 0
    assert "192.0.2.5" in host.run("iptables-legacy-save", "-t", "raw").stdout
