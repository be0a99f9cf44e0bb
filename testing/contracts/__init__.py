"""Contract suites: one per plugin kind, to subclass in a plugin's own tests.

::

    from plugnet.testing.contracts import FirewallBackendContract

    class TestMyBackend(FirewallBackendContract):
        backend_name = "mybackend"

Each suite is a plain class (pytest collects only its ``Test*`` subclasses).
A failure reads ``contract rule: <the rule>; found <what broke it>``.
"""

from __future__ import annotations

from plugnet.testing.contracts.driver import NetworkDriverContract
from plugnet.testing.contracts.firewall import FirewallBackendContract
from plugnet.testing.contracts.ipam import IpamContract, SubnetAllocatorContract
from plugnet.testing.snapshot import ContractViolation
from plugnet.testing.stack import Plugin, PluginStack

__all__ = [
    "ContractViolation",
    "FirewallBackendContract",
    "IpamContract",
    "NetworkDriverContract",
    "Plugin",
    "PluginStack",
    "SubnetAllocatorContract",
]
