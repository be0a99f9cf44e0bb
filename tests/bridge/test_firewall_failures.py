"""A firewall that refuses to delete (Docker 1.2 bug §14.10 and its sequel).

Docker 1.2 leaked the port until the daemon restarted and kept the rule for
ever; Docker 1.3 released the port while the rule stayed, so the next container
given that port or address could receive traffic meant for the old one. plugnet
keeps the leases exactly as long as a rule still points at them, and the next
init removes the rule and frees them.

The refusal comes from a plugin registered ahead of the real backend
(``tryfirst``) that raises the way a backend does when the kernel says no; the
bridge, veths, allocator and the real backend's rules are all real.
"""

from __future__ import annotations

import pytest
from plugnet.core.errors import Conflict, KernelError
from plugnet.core.hookspecs import hookimpl
from plugnet.core.intents import PortSpec
from plugnet.core.plugins import PluginRecord


class RefuseDeletes:
    """Stands in front of the firewall backend and refuses every delete."""

    plugnet_contract = "1.0"

    @hookimpl(tryfirst=True)
    def plugnet_firewall_del_port(self, network, forward):
        raise KernelError(f"refused to delete the forward of {forward.container}")


def _refusing(stack):
    record = PluginRecord("plugnet.test", "refuse", "tests:RefuseDeletes", "tests", "0")
    return stack.plugins.register("plugnet.test", record, RefuseDeletes).obj


def _nat_rules(stack, firewall):
    argv = (
        ["nft", "list", "table", "ip", "plugnet"]
        if firewall == "nftables"
        else [
            "iptables-legacy-save",
            "-t",
            "nat",
        ]
    )
    return stack.host.run(*argv).stdout


def test_a_refused_rule_delete_keeps_the_leases_until_init_removes_the_rule(stacks, pool, firewall):
    stack = stacks(firewall)
    stack.init()
    web = stack.attach("web", pool.create("web"))
    stack.call(stack.driver.allocate_port, "web", PortSpec(80, host_port=8080))
    refuser = _refusing(stack)

    assert stack.call(stack.driver.release_interface, "web") is True
    assert any("refused to delete" in line for line in stack.logs)
    assert any("stay reserved" in line for line in stack.logs)
    assert "8080" in _nat_rules(stack, firewall)  # the backend never saw the delete
    stack.plugins.manager.unregister(refuser)

    # While the rule points at web's address and port, nobody else gets them.
    api = stack.attach("api", pool.create("api"))
    assert api.ip != web.ip
    with pytest.raises(Conflict, match=r"Bind for 0\.0\.0\.0:8080 failed"):
        stack.call(stack.driver.allocate_port, "api", PortSpec(80, host_port=8080))

    # A restart reconciles: web counts as dead (its veth is gone), its rule goes
    # and its leases are freed.
    restarted = stacks(firewall, host=stack.host, state=stack.state)
    restarted.init()
    assert "8080" not in _nat_rules(stack, firewall)
    binding = restarted.call(restarted.driver.allocate_port, "api", PortSpec(80, host_port=8080))
    assert binding.host_port == 8080
    late = restarted.attach("late", pool.create("late"), requested_ip=web.ip)
    assert late.ip == web.ip  # web's address is free again
