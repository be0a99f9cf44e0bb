"""The firewall-backend contract suite: subclass it to hold a backend to the contract.

::

    from plugnet.testing.contracts import FirewallBackendContract

    class TestMyBackend(FirewallBackendContract):
        backend_name = "mybackend"        # its entry point in plugnet.firewall

Or override the ``firewall_plugin`` fixture to return
``Plugin("mybackend", MyBackend)``. The backend runs inside a fresh host netns
holding a hand-built bridge, two containers and an "outside" namespace
(:mod:`plugnet.testing.topology`); the rules are compared through
``iptables-legacy-save``, ``iptables-nft-save`` and ``nft list ruleset``, and
the behaviour is checked with real TCP traffic. A backend that filters nothing
(``filters_traffic = False``) must write nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from ipaddress import IPv4Address
from pathlib import Path
from typing import Any, ClassVar

import pytest
from plugnet.core.intents import LinkIntent, NetworkIntent, PortForward, PortProto
from plugnet.testing.contracts._rules import only_plugnet_errors, require
from plugnet.testing.echo import EchoServer, tcp_echo
from plugnet.testing.netns import Netns, NetnsPool, snapshot
from plugnet.testing.snapshot import assert_same_state
from plugnet.testing.stack import PluginSpec, PluginStack
from plugnet.testing.topology import BridgeLab, build_bridge_lab

__all__ = ["FirewallBackendContract"]

HOST = "host netns"
CONTAINER_PORT, HOST_PORT, LINKED_PORT, UNLINKED_PORT = 8000, 8080, 5000, 6000
BLOCKED_TIMEOUT = 1.0


def _ruleset(ns: Netns) -> dict[str, str]:
    return snapshot(ns)


def _install_user_rules(host: Netns) -> None:
    """Rules a user wrote before plugnet ran: a backend must never touch them."""
    host.run(
        "iptables-legacy", "-A", "FORWARD", "-s", "203.0.113.7/32",
        "-m", "comment", "--comment", "user-rule", "-j", "ACCEPT",
    )  # fmt: skip
    host.run("nft", "add", "table", "inet", "user_rules")
    host.run(
        "nft", "add", "chain", "inet", "user_rules", "userfwd",
        "{ type filter hook forward priority 10 ; policy accept ; }",
    )  # fmt: skip
    host.run(
        "nft",
        "add",
        "rule",
        "inet",
        "user_rules",
        "userfwd",
        "ip",
        "saddr",
        "203.0.113.7",
        "accept",
    )


class FirewallBackendContract:
    """The rules every firewall backend follows; see the module docstring."""

    #: The backend's entry-point name in ``plugnet.firewall``.
    backend_name: ClassVar[str] = ""
    #: False for a backend that writes no rule at all (like ``none``).
    filters_traffic: ClassVar[bool] = True

    @pytest.fixture
    def firewall_plugin(self) -> PluginSpec:
        """The backend under test: an entry-point name or a :class:`Plugin`."""
        if not self.backend_name:
            pytest.fail("set backend_name or override the firewall_plugin fixture")
        return self.backend_name

    @pytest.fixture
    def lab(self, netns_pool: NetnsPool, host_netns: Netns) -> BridgeLab:
        return build_bridge_lab(netns_pool, host_netns)

    @pytest.fixture
    def firewall_stack(
        self, state_dir: Path, lab: BridgeLab, firewall_plugin: PluginSpec
    ) -> Iterator[PluginStack]:
        with PluginStack(state_dir, firewall=firewall_plugin, host=lab.host) as stack:
            yield stack

    # -- helpers ---------------------------------------------------------------------------

    @staticmethod
    def _network(lab: BridgeLab, icc: bool = True) -> NetworkIntent:
        return NetworkIntent(bridge=lab.bridge, address=lab.address, icc=icc)

    @staticmethod
    def _forward(lab: BridgeLab) -> PortForward:
        return PortForward(
            container="c1",
            proto="tcp",
            host_ip=IPv4Address("0.0.0.0"),
            host_port=HOST_PORT,
            container_ip=lab.container_ips[0],
            container_port=CONTAINER_PORT,
        )

    @staticmethod
    def _link(lab: BridgeLab) -> LinkIntent:
        return LinkIntent(
            parent="c1",
            child="c2",
            parent_ip=lab.container_ips[0],
            child_ip=lab.container_ips[1],
            ports=(PortProto(LINKED_PORT),),
        )

    @staticmethod
    def _hook(stack: PluginStack, name: str, *args: Any) -> None:
        with only_plugnet_errors(name):
            stack.run(getattr(stack.hooks, name), *args)

    def _needs_filtering(self) -> None:
        if not self.filters_traffic:
            pytest.skip("the backend filters no traffic (filters_traffic = False)")

    @staticmethod
    def _flows(src: Netns, host: str, port: int) -> bool:
        reply = tcp_echo(src.name, host, port, timeout=BLOCKED_TIMEOUT)
        return reply is not None

    # -- the ruleset -------------------------------------------------------------------------

    def test_setup_is_idempotent(self, firewall_stack: PluginStack, lab: BridgeLab) -> None:
        network = self._network(lab)
        self._hook(firewall_stack, "firewall_setup_network", network)
        once = _ruleset(lab.host)
        self._hook(firewall_stack, "firewall_setup_network", network)
        rule = "plugnet_firewall_setup_network is idempotent: a second call duplicates nothing"
        assert_same_state(once, _ruleset(lab.host), rule, HOST)

    def test_teardown_removes_ours_and_keeps_the_users(
        self, firewall_stack: PluginStack, lab: BridgeLab
    ) -> None:
        _install_user_rules(lab.host)
        before = _ruleset(lab.host)
        network = self._network(lab, icc=False)
        self._hook(firewall_stack, "firewall_setup_network", network)
        self._hook(firewall_stack, "firewall_add_port", network, self._forward(lab))
        self._hook(firewall_stack, "firewall_add_link", network, self._link(lab))
        self._hook(firewall_stack, "firewall_teardown_network", network)
        rule = (
            "plugnet_firewall_teardown_network removes every rule of ours (ports and links "
            "too) and leaves a user's rules untouched"
        )
        assert_same_state(before, _ruleset(lab.host), rule, HOST)

    def test_teardown_without_setup_succeeds(
        self, firewall_stack: PluginStack, lab: BridgeLab
    ) -> None:
        before = _ruleset(lab.host)
        self._hook(firewall_stack, "firewall_teardown_network", self._network(lab))
        rule = "plugnet_firewall_teardown_network succeeds when nothing is there"
        assert_same_state(before, _ruleset(lab.host), rule, HOST)

    def test_add_del_port_round_trip(self, firewall_stack: PluginStack, lab: BridgeLab) -> None:
        network, forward = self._network(lab), self._forward(lab)
        self._hook(firewall_stack, "firewall_setup_network", network)
        before = _ruleset(lab.host)
        self._hook(firewall_stack, "firewall_add_port", network, forward)
        once = _ruleset(lab.host)
        self._hook(firewall_stack, "firewall_add_port", network, forward)
        rule = "plugnet_firewall_add_port twice is the same as once"
        assert_same_state(once, _ruleset(lab.host), rule, HOST)
        self._hook(firewall_stack, "firewall_del_port", network, forward)
        rule = "plugnet_firewall_del_port restores the ruleset from before add_port"
        assert_same_state(before, _ruleset(lab.host), rule, HOST)

    def test_add_del_link_round_trip(self, firewall_stack: PluginStack, lab: BridgeLab) -> None:
        network, link = self._network(lab, icc=False), self._link(lab)
        self._hook(firewall_stack, "firewall_setup_network", network)
        before = _ruleset(lab.host)
        self._hook(firewall_stack, "firewall_add_link", network, link)
        once = _ruleset(lab.host)
        self._hook(firewall_stack, "firewall_add_link", network, link)
        rule = "plugnet_firewall_add_link twice is the same as once"
        assert_same_state(once, _ruleset(lab.host), rule, HOST)
        self._hook(firewall_stack, "firewall_del_link", network, link)
        rule = "plugnet_firewall_del_link restores the ruleset from before add_link"
        assert_same_state(before, _ruleset(lab.host), rule, HOST)

    def test_deleting_what_is_missing_succeeds(
        self, firewall_stack: PluginStack, lab: BridgeLab
    ) -> None:
        network = self._network(lab)
        self._hook(firewall_stack, "firewall_setup_network", network)
        before = _ruleset(lab.host)
        self._hook(firewall_stack, "firewall_del_port", network, self._forward(lab))
        self._hook(firewall_stack, "firewall_del_link", network, self._link(lab))
        rule = "deleting a port or link that is not there succeeds and changes nothing"
        assert_same_state(before, _ruleset(lab.host), rule, HOST)

    def test_reapply_makes_the_rules_exactly_the_intent(
        self, firewall_stack: PluginStack, lab: BridgeLab
    ) -> None:
        network, forward = self._network(lab), self._forward(lab)
        self._hook(firewall_stack, "firewall_setup_network", network)
        base = _ruleset(lab.host)
        self._hook(firewall_stack, "firewall_add_port", network, forward)
        with_port = _ruleset(lab.host)
        self._hook(firewall_stack, "firewall_reapply", network, [], [])
        rule = "plugnet_firewall_reapply removes our rules that are not in the intent"
        assert_same_state(base, _ruleset(lab.host), rule, HOST)
        self._hook(firewall_stack, "firewall_reapply", network, [forward], [])
        rule = "plugnet_firewall_reapply brings back the rules of the intent, once"
        assert_same_state(with_port, _ruleset(lab.host), rule, HOST)

    def test_plan_writes_nothing(self, firewall_stack: PluginStack, lab: BridgeLab) -> None:
        before = _ruleset(lab.host)
        with only_plugnet_errors("firewall_plan"):
            lines = firewall_stack.run(
                firewall_stack.hooks.firewall_plan,
                self._network(lab),
                [self._forward(lab)],
                [self._link(lab)],
            )
        require(
            all(isinstance(line, str) for line in lines),
            "plugnet_firewall_plan returns lines of text",
            repr(lines),
        )
        assert_same_state(before, _ruleset(lab.host), "plugnet_firewall_plan writes nothing", HOST)

    def test_a_backend_that_filters_nothing_writes_nothing(
        self, firewall_stack: PluginStack, lab: BridgeLab
    ) -> None:
        if self.filters_traffic:
            pytest.skip("the backend filters traffic")
        before = _ruleset(lab.host)
        network = self._network(lab, icc=False)
        self._hook(firewall_stack, "firewall_setup_network", network)
        self._hook(firewall_stack, "firewall_add_port", network, self._forward(lab))
        self._hook(firewall_stack, "firewall_add_link", network, self._link(lab))
        rule = "a backend with filters_traffic = False writes no rule"
        assert_same_state(before, _ruleset(lab.host), rule, HOST)

    # -- behaviour, with real traffic --------------------------------------------------------------

    def test_icc_switches_between_setups(self, firewall_stack: PluginStack, lab: BridgeLab) -> None:
        self._needs_filtering()
        c1, c2 = lab.containers
        target = str(lab.container_ips[1])
        with EchoServer(c2.name, UNLINKED_PORT, name="c2"):
            for icc in (True, False, True):
                self._hook(firewall_stack, "firewall_setup_network", self._network(lab, icc))
                flows = self._flows(c1, target, UNLINKED_PORT)
                require(
                    flows == icc,
                    "setup_network switches the ICC verdict when network.icc changed",
                    f"traffic between containers {'blocked' if icc else 'flows'} with icc={icc}",
                )

    def test_published_port_is_reachable_on_every_path(
        self, firewall_stack: PluginStack, lab: BridgeLab
    ) -> None:
        self._needs_filtering()
        network, forward = self._network(lab), self._forward(lab)
        host_ip = str(lab.host_uplink_ip)
        c1, c2 = lab.containers
        paths = {
            "from another host": (lab.outside, host_ip),
            "from the host on its address": (lab.host, host_ip),
            "from the host on 127.0.0.1": (lab.host, "127.0.0.1"),
            "from another container through the host address (hairpin)": (c2, host_ip),
        }
        self._hook(firewall_stack, "firewall_setup_network", network)
        with EchoServer(c1.name, CONTAINER_PORT, name="c1"):
            self._hook(firewall_stack, "firewall_add_port", network, forward)
            for what, (src, dst) in paths.items():
                reply = tcp_echo(src.name, dst, HOST_PORT, timeout=BLOCKED_TIMEOUT)
                require(
                    reply is not None and reply.startswith("c1|"),
                    f"a published port is reachable {what}",
                    f"no echo from {src.name} to {dst}:{HOST_PORT} (reply {reply!r})",
                )
            self._hook(firewall_stack, "firewall_del_port", network, forward)
            require(
                not self._flows(lab.outside, host_ip, HOST_PORT),
                "after plugnet_firewall_del_port the port is no longer published",
                f"{host_ip}:{HOST_PORT} still answers from another host",
            )

    def test_link_opens_exactly_the_linked_ports(
        self, firewall_stack: PluginStack, lab: BridgeLab
    ) -> None:
        self._needs_filtering()
        network, link = self._network(lab, icc=False), self._link(lab)
        c1, c2 = lab.containers
        child = str(lab.container_ips[1])
        self._hook(firewall_stack, "firewall_setup_network", network)
        with EchoServer(c2.name, LINKED_PORT, name="c2"), EchoServer(c2.name, UNLINKED_PORT):
            self._hook(firewall_stack, "firewall_add_link", network, link)
            require(
                self._flows(c1, child, LINKED_PORT),
                "with ICC off, a link lets the parent reach the child on the linked ports",
                f"c1 -> {child}:{LINKED_PORT} blocked",
            )
            require(
                not self._flows(c1, child, UNLINKED_PORT),
                "a link opens exactly the linked ports",
                f"c1 -> {child}:{UNLINKED_PORT} flows",
            )
            self._hook(firewall_stack, "firewall_del_link", network, link)
            require(
                not self._flows(c1, child, LINKED_PORT),
                "after plugnet_firewall_del_link the parent no longer reaches the child",
                f"c1 -> {child}:{LINKED_PORT} still flows",
            )
