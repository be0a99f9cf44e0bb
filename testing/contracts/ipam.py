"""The allocator contract suite (subnets, container addresses, host ports).

::

    from plugnet.testing.contracts import SubnetAllocatorContract

    class TestMyAllocator(SubnetAllocatorContract):
        ipam_name = "myipam"              # its entry point in plugnet.ipam

Or override the ``ipam_plugin`` fixture to return ``Plugin("myipam", MyIpam)``.
The allocator is pure (no kernel), so these tests need no namespace; the
concurrency test runs several processes against one state directory. An
allocator that does not follow Docker's order (a fixed list, say) sets
``docker_order = False`` and keeps every other rule.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from ipaddress import IPv4Address, IPv4Interface, IPv4Network
from pathlib import Path
from typing import Any, ClassVar

import pytest
from plugnet.core import messages
from plugnet.core.errors import Conflict, Exhausted, PlugnetError
from plugnet.core.intents import IPRequest, PortRequest, Route, SubnetRequest
from plugnet.testing.contracts._rules import expect_plugnet_error, only_plugnet_errors, require
from plugnet.testing.stack import PluginSpec, PluginStack

__all__ = ["IpamContract", "SubnetAllocatorContract"]

ANY = IPv4Address("0.0.0.0")
EVERYWHERE = (Route(IPv4Network("0.0.0.0/1")), Route(IPv4Network("128.0.0.0/1")))
WORKERS, PER_WORKER = 4, 5


def _worker(args: tuple[Path, Any, IPv4Interface, int]) -> list[str]:
    """One concurrent process: a stack of its own on the shared state dir."""
    state_dir, spec, network, index = args
    got: list[str] = []
    with PluginStack(state_dir, ipam=spec) as stack:
        for n in range(PER_WORKER):
            owner = f"w{index}-{n}"
            try:
                got.append(str(stack.hooks.request_ip(IPRequest(network=network, owner=owner))))
                port = stack.hooks.request_port(PortRequest(owner, host_ip=ANY, proto="tcp"))
            except Exhausted:  # a small pool may run out: the point is no duplicate
                break
            got.append(f"port {port}")
    return got


class SubnetAllocatorContract:
    """The rules every allocator follows; see the module docstring."""

    #: The allocator's entry-point name in ``plugnet.ipam``.
    ipam_name: ClassVar[str] = ""
    #: The allocator follows Docker 1.2's order (172.17.42.1/16 first, network+2 first,
    #: dynamic ports from 49153).
    docker_order: ClassVar[bool] = True
    #: The network container addresses are asked on, and a small one to exhaust.
    network: ClassVar[IPv4Interface] = IPv4Interface("172.17.42.1/16")
    small_network: ClassVar[IPv4Interface] = IPv4Interface("192.0.2.1/29")

    @pytest.fixture
    def ipam_plugin(self) -> PluginSpec:
        """The allocator under test: an entry-point name or a :class:`Plugin`."""
        if not self.ipam_name:
            pytest.fail("set ipam_name or override the ipam_plugin fixture")
        return self.ipam_name

    @pytest.fixture
    def ipam_stack(self, state_dir: Path, ipam_plugin: PluginSpec) -> Iterator[PluginStack]:
        with PluginStack(state_dir, ipam=ipam_plugin) as stack:
            yield stack

    # -- helpers -------------------------------------------------------------------------------

    def _ip(
        self,
        stack: PluginStack,
        owner: str,
        requested: IPv4Address | None = None,
        network: IPv4Interface | None = None,
    ) -> IPv4Address:
        request = IPRequest(network=network or self.network, owner=owner, requested=requested)
        with only_plugnet_errors(f"plugnet_request_ip({owner})"):
            ip: IPv4Address = stack.hooks.request_ip(request)
        return ip

    @staticmethod
    def _port(stack: PluginStack, owner: str, port: int = 0) -> int:
        request = PortRequest(owner=owner, host_ip=ANY, proto="tcp", port=port)
        with only_plugnet_errors(f"plugnet_request_port({owner}, {port})"):
            got: int = stack.hooks.request_port(request)
        return got

    def _refused_ip(self, stack: PluginStack, rule: str, requested: IPv4Address) -> PlugnetError:
        return expect_plugnet_error(
            rule,
            f"plugnet_request_ip(requested={requested})",
            stack.hooks.request_ip,
            IPRequest(network=self.network, owner="someone-else", requested=requested),
        )

    # -- subnets -------------------------------------------------------------------------------

    def test_choose_subnet_avoids_routes_and_nameservers(self, ipam_stack: PluginStack) -> None:
        with only_plugnet_errors("plugnet_choose_subnet"):
            first = ipam_stack.hooks.choose_subnet(SubnetRequest("br-test", (), "")).address
        if self.docker_order:
            require(
                first == IPv4Interface("172.17.42.1/16"),
                "with nothing in the way, Docker's first candidate 172.17.42.1/16 is chosen",
                str(first),
            )
        taken = SubnetRequest("br-test", (Route(first.network),), "")
        second = self._subnet_or_none(ipam_stack, taken)
        require(
            second is None or not second.network.overlaps(first.network),
            "plugnet_choose_subnet never returns a subnet that overlaps a route",
            f"{second} overlaps the route {first.network}",
        )
        nameserver = first.network.network_address + 5
        resolv = SubnetRequest("br-test", (), f"nameserver {nameserver}\n")
        third = self._subnet_or_none(ipam_stack, resolv)
        require(
            third is None or nameserver not in third.network,
            "plugnet_choose_subnet never returns a subnet holding a nameserver",
            f"{third} holds nameserver {nameserver}",
        )

    @staticmethod
    def _subnet_or_none(stack: PluginStack, request: SubnetRequest) -> IPv4Interface | None:
        """The chosen subnet, or None when the allocator ran out (also allowed)."""
        try:
            with only_plugnet_errors("plugnet_choose_subnet"):
                address: IPv4Interface = stack.hooks.choose_subnet(request).address
        except Exhausted:
            return None
        return address

    def test_no_free_subnet_raises_exhausted_with_dockers_message(
        self, ipam_stack: PluginStack
    ) -> None:
        error = expect_plugnet_error(
            "plugnet_choose_subnet raises Exhausted when every candidate is taken",
            "plugnet_choose_subnet(routes covering everything)",
            ipam_stack.hooks.choose_subnet,
            SubnetRequest("br-test", EVERYWHERE, ""),
            expected=Exhausted,
        )
        docker = messages.NO_FREE_RANGE.format(bridge="br-test")
        require(
            str(error).startswith(docker),
            "the no-free-subnet error starts with Docker's message naming the bridge",
            repr(str(error)),
        )

    # -- addresses -----------------------------------------------------------------------------

    def test_addresses_in_dockers_order(self, ipam_stack: PluginStack) -> None:
        if not self.docker_order:
            pytest.skip("the allocator does not follow Docker's order (docker_order = False)")
        base = self.network.network.network_address
        got = [self._ip(ipam_stack, f"c{n}") for n in range(3)]
        require(
            got == [base + 2, base + 3, base + 4],
            "the first containers get network+2, +3, +4 (Docker's order)",
            ", ".join(map(str, got)),
        )

    def test_addresses_are_inside_the_network_and_never_the_gateway(
        self, ipam_stack: PluginStack
    ) -> None:
        net = self.small_network
        got = []
        for n in range(8):
            try:
                got.append(self._ip(ipam_stack, f"c{n}", network=net))
            except Exhausted:
                break
        for ip in got:
            require(
                ip in net.network
                and ip not in (net.ip, net.network.network_address, net.network.broadcast_address),
                "handed-out addresses are inside the network and never its gateway, network "
                "or broadcast address",
                f"{ip} on {net}",
            )
        require(len(set(got)) == len(got), "an address is handed out once", str(got))

    def test_requested_addresses_are_checked(self, ipam_stack: PluginStack) -> None:
        taken = self._ip(ipam_stack, "c1")
        self._refused_ip(ipam_stack, "a requested address that is taken is refused", taken)
        for bad in (self.network.ip, IPv4Address("203.0.113.9")):
            self._refused_ip(ipam_stack, "the gateway or an address outside is refused", bad)

    def test_exhaustion_raises_exhausted(self, ipam_stack: PluginStack) -> None:
        net = self.small_network
        got: list[IPv4Address] = []
        for n in range(net.network.num_addresses + 1):
            request = IPRequest(network=net, owner=f"c{n}")
            try:
                with only_plugnet_errors("plugnet_request_ip"):
                    got.append(ipam_stack.hooks.request_ip(request))
            except Exhausted:
                break
            except PlugnetError as exc:
                require(False, "a full pool raises Exhausted", f"{type(exc).__name__}: {exc}")
        else:
            require(False, "a full pool raises Exhausted", f"{len(got)} addresses from {net}")
        if got:
            ipam_stack.hooks.release_ip(net, "c0")
            again = self._ip(ipam_stack, "again", network=net)
            require(
                again == got[0],
                "a released address is handed out again when it is the only free one",
                f"{again}, expected {got[0]}",
            )

    def test_release_is_idempotent_and_never_frees_another_owners_address(
        self, ipam_stack: PluginStack
    ) -> None:
        first = self._ip(ipam_stack, "a")
        with only_plugnet_errors("plugnet_release_ip"):
            ipam_stack.hooks.release_ip(self.network, "a")
        self._ip(ipam_stack, "b", requested=first)
        with only_plugnet_errors("a second plugnet_release_ip"):
            ipam_stack.hooks.release_ip(self.network, "a")
            ipam_stack.hooks.release_ip(self.network, "never-had-one")
            ipam_stack.hooks.release_owner("never-had-one")
        self._refused_ip(
            ipam_stack,
            "releasing twice never frees another owner's address (Docker 1.2's bug)",
            first,
        )

    def test_release_owner_frees_exactly_that_owner(self, ipam_stack: PluginStack) -> None:
        a_ip, b_ip = self._ip(ipam_stack, "a"), self._ip(ipam_stack, "b")
        a_port, b_port = self._port(ipam_stack, "a", 18081), self._port(ipam_stack, "b", 18082)
        with only_plugnet_errors("plugnet_release_owner"):
            ipam_stack.hooks.release_owner("a")
            ipam_stack.hooks.release_owner("a")
        rule = "plugnet_release_owner frees that owner's address and ports and nothing else"
        self._refused_ip(ipam_stack, rule, b_ip)
        expect_plugnet_error(
            rule, f"request port {b_port}", self._port, ipam_stack, "c", b_port, expected=Conflict
        )
        require(self._ip(ipam_stack, "c", requested=a_ip) == a_ip, rule, f"{a_ip} still taken")
        require(self._port(ipam_stack, "c", a_port) == a_port, rule, f"{a_port} still taken")

    # -- ports ---------------------------------------------------------------------------------

    def test_ports(self, ipam_stack: PluginStack) -> None:
        dynamic = {self._port(ipam_stack, f"c{n}") for n in range(3)}
        require(len(dynamic) == 3, "dynamic host ports are distinct", str(sorted(dynamic)))
        if self.docker_order:
            require(
                all(49153 <= port <= 65535 for port in dynamic),
                "dynamic host ports come from Docker's range 49153-65535",
                str(sorted(dynamic)),
            )
        self._port(ipam_stack, "a", 18080)
        error = expect_plugnet_error(
            "a taken host port is refused with Conflict",
            "request port 18080 again",
            self._port,
            ipam_stack,
            "b",
            18080,
            expected=Conflict,
        )
        require(
            str(error).startswith(messages.PORT_ALREADY_ALLOCATED.format(ip="0.0.0.0", port=18080)),
            "a taken host port is refused with Docker's message (details may follow)",
            repr(str(error)),
        )
        with only_plugnet_errors("plugnet_release_port"):
            for _ in range(2):
                ipam_stack.hooks.release_port("a", ANY, "tcp", 18080)
            ipam_stack.hooks.release_port("b", ANY, "tcp", 18080)
        require(self._port(ipam_stack, "b", 18080) == 18080, "release_port frees it", "taken")

    # -- durability and concurrency ------------------------------------------------------------

    def test_leases_persist_across_a_new_state_store(
        self, ipam_stack: PluginStack, ipam_plugin: PluginSpec, state_dir: Path
    ) -> None:
        held = self._ip(ipam_stack, "a")
        port = self._port(ipam_stack, "a", 18083)
        ipam_stack.close()
        with PluginStack(state_dir, ipam=ipam_plugin) as later:
            rule = "a lease is durable: a new process with a new StateStore still sees it"
            self._refused_ip(later, rule, held)
            expect_plugnet_error(
                rule, "request the held port", self._port, later, "b", port, expected=Conflict
            )
            require(self._ip(later, "b") != held, rule, f"{held} handed out twice")

    def test_no_duplicates_under_concurrent_processes(
        self, state_dir: Path, ipam_plugin: PluginSpec
    ) -> None:
        context = multiprocessing.get_context("fork")
        jobs = [(state_dir, ipam_plugin, self.network, index) for index in range(WORKERS)]
        with context.Pool(WORKERS) as workers:
            results = workers.map(_worker, jobs)
        handed = [item for result in results for item in result]
        duplicates = sorted({item for item in handed if handed.count(item) > 1})
        require(
            not duplicates,
            "an address or port is never handed out twice, even to concurrent processes",
            ", ".join(duplicates),
        )


#: The same suite under the name of the plugin kind's namespace.
IpamContract = SubnetAllocatorContract
