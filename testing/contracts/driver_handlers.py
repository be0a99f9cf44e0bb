"""The network-driver suite, part two: the container handlers' rules."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from ipaddress import IPv4Address
from typing import Any

from plugnet.core.intents import AttachRequest, DaemonConfig, PortProto, PortSpec
from plugnet.testing.contracts._driver_base import HOST, MISSING_NETNS, DriverSuiteBase
from plugnet.testing.contracts._rules import expect_plugnet_error, only_plugnet_errors, require
from plugnet.testing.echo import EchoServer, tcp_echo
from plugnet.testing.netns import Netns, NetnsPool, snapshot
from plugnet.testing.snapshot import assert_same_state
from plugnet.testing.stack import PluginStack

__all__ = ["DriverHandlerRules"]

CONCURRENT = 4


def _attach_in_another_process(job: tuple[dict[str, Any], str, str]) -> str:
    """One short-lived plugnet process: resume, attach one container, report its address."""
    arguments, container, netns = job
    config = DaemonConfig.from_json(arguments.pop("config"))
    try:
        with PluginStack(config=config, **arguments) as stack:
            stack.resume()
            return str(stack.allocate_interface(AttachRequest(container, netns=netns)).ip)
    except Exception as exc:  # exceptions do not all survive pickling: report them as text
        return f"error: {container}: {type(exc).__name__}: {exc}"


class DriverHandlerRules(DriverSuiteBase):
    """allocate/release_interface, ports and links: each completes or changes nothing."""

    # -- container handlers -------------------------------------------------------------------

    def test_release_interface_undoes_allocate(
        self,
        driver_stack: PluginStack,
        host_netns: Netns,
        container_netns: Callable[[str], Netns],
    ) -> None:
        self._init(driver_stack)
        self._need(driver_stack, "allocate_interface")
        after_init = snapshot(host_netns)
        ns = container_netns("c1")
        container_before = snapshot(ns)
        self._attach(driver_stack, ns, "c1")
        require(
            self._release(driver_stack, "c1"),
            "release_interface returns True when it released something",
            "False after a successful allocate_interface",
        )
        assert_same_state(
            after_init,
            snapshot(host_netns),
            "release_interface must delete the host veth and undo every change "
            "allocate_interface made in the host netns",
            HOST,
        )
        assert_same_state(
            container_before,
            snapshot(ns),
            "release_interface must remove the container's interface",
            "container netns",
        )

    def test_release_after_failed_allocate_is_safe(
        self,
        driver_stack: PluginStack,
        host_netns: Netns,
        container_netns: Callable[[str], Netns],
    ) -> None:
        self._init(driver_stack)
        self._need(driver_stack, "allocate_interface")
        before = snapshot(host_netns)
        expect_plugnet_error(
            "allocate_interface into a missing netns is refused with a PlugnetError",
            "allocate_interface(netns=<missing>)",
            driver_stack.allocate_interface,
            AttachRequest(container="c1", netns=MISSING_NETNS),
        )
        rule = "a failed allocate_interface leaves the host as it was"
        assert_same_state(before, snapshot(host_netns), rule, HOST)
        with only_plugnet_errors("release_interface after a failed allocate"):
            driver_stack.release_interface("c1")
        rule = "release_interface after a failed allocate_interface is safe and changes nothing"
        assert_same_state(before, snapshot(host_netns), rule, HOST)
        self._attach(driver_stack, container_netns("c1"), "c1")

    def test_release_of_an_unknown_container_frees_nothing_else(
        self,
        driver_stack: PluginStack,
        host_netns: Netns,
        container_netns: Callable[[str], Netns],
    ) -> None:
        self._init(driver_stack)
        self._need(driver_stack, "allocate_interface")
        ns1 = container_netns("c1")
        first = self._attach(driver_stack, ns1, "c1")
        before = snapshot(host_netns)
        for attempt in ("never-attached", "never-attached"):
            released = self._release(driver_stack, attempt)
            require(
                not released,
                "release_interface of an unknown container succeeds and returns False",
                "it returned True",
            )
        rule = "release_interface of an unknown container frees nothing else"
        assert_same_state(before, snapshot(host_netns), rule, HOST)
        second = self._attach(driver_stack, container_netns("c2"), "c2")
        require(first.ip != second.ip, rule, f"c1's address {first.ip} was handed out again")

    def test_release_twice_is_safe(
        self,
        driver_stack: PluginStack,
        host_netns: Netns,
        container_netns: Callable[[str], Netns],
    ) -> None:
        self._init(driver_stack)
        self._need(driver_stack, "allocate_interface")
        self._attach(driver_stack, container_netns("c1"), "c1")
        other = self._attach(driver_stack, container_netns("c2"), "c2")
        self._release(driver_stack, "c1")
        before = snapshot(host_netns)
        rule = "a second release_interface succeeds, returns False and frees nothing else"
        require(not self._release(driver_stack, "c1"), rule, "it returned True")
        assert_same_state(before, snapshot(host_netns), rule, HOST)
        third = self._attach(driver_stack, container_netns("c3"), "c3")
        require(third.ip != other.ip, rule, f"c2's address {other.ip} was handed out again")

    def test_second_allocate_for_the_same_container_is_refused(
        self,
        driver_stack: PluginStack,
        host_netns: Netns,
        container_netns: Callable[[str], Netns],
    ) -> None:
        self._init(driver_stack)
        self._need(driver_stack, "allocate_interface")
        first = self._attach(driver_stack, container_netns("c1"), "c1")
        before = snapshot(host_netns)
        ns2 = container_netns("c1-again")
        ns2_before = snapshot(ns2)
        rule = "a second allocate_interface for an attached container is refused"
        expect_plugnet_error(
            rule,
            "a second allocate_interface(c1)",
            driver_stack.allocate_interface,
            AttachRequest(container="c1", netns=ns2.path),
        )
        assert_same_state(before, snapshot(host_netns), rule + " and changes nothing", HOST)
        assert_same_state(ns2_before, snapshot(ns2), rule + " and changes nothing", "its netns")
        require(
            self._release(driver_stack, "c1"),
            rule + ", keeping the first",
            f"the first attachment ({first.ip}) was gone after the refusal",
        )
        # Once released, the id may be attached again.
        self._attach(driver_stack, container_netns("c1-third"), "c1")

    def test_two_containers_get_distinct_addresses_and_talk(
        self, driver_stack: PluginStack, container_netns: Callable[[str], Netns]
    ) -> None:
        self._init(driver_stack)
        self._need(driver_stack, "allocate_interface")
        (ns1, one), (ns2, two) = self._attach_two(driver_stack, container_netns)
        require(
            one.ip != two.ip,
            "two attached containers get distinct addresses",
            f"both got {one.ip}",
        )
        if not self.connectivity:
            return
        with EchoServer(ns2.name, self.echo_port, name="c2"):
            reply = tcp_echo(ns1.name, str(two.ip), self.echo_port)
        require(
            reply is not None and reply.startswith("c2|"),
            "two containers on the driver's network can talk (the driver claims connectivity)",
            f"no TCP echo from c1 to c2 at {two.ip}:{self.echo_port} (reply {reply!r})",
        )

    def test_errors_are_plugnet_errors_with_a_message(
        self,
        driver_stack: PluginStack,
        host_netns: Netns,
        container_netns: Callable[[str], Netns],
    ) -> None:
        self._init(driver_stack)
        self._need(driver_stack, "allocate_interface")
        ns = container_netns("c1")
        before = snapshot(host_netns)
        bad_requests = {
            "a missing netns": AttachRequest("c1", netns=MISSING_NETNS),
            "an interface name the kernel refuses": AttachRequest("c1", ns.path, ifname="x" * 20),
            "an address outside the network": AttachRequest(
                "c1", ns.path, requested_ip=IPv4Address("203.0.113.254")
            ),
        }
        for what, request in bad_requests.items():
            expect_plugnet_error(
                f"allocate_interface with {what} is refused with a PlugnetError",
                f"allocate_interface with {what}",
                driver_stack.allocate_interface,
                request,
            )
            rule = f"a refused allocate_interface ({what}) changes nothing"
            assert_same_state(before, snapshot(host_netns), rule, HOST)
        if driver_stack.serves("allocate_port"):
            expect_plugnet_error(
                "allocate_port for an unknown container is refused with a PlugnetError",
                "allocate_port(unknown)",
                driver_stack.allocate_port,
                "never-attached",
                PortSpec(container_port=80),
            )
        if driver_stack.serves("link"):
            expect_plugnet_error(
                "link of unknown containers is refused with a PlugnetError",
                "link(unknown, unknown)",
                driver_stack.link,
                "never-a",
                "never-b",
                (PortProto(80),),
            )

    def test_port_publish_round_trip(
        self,
        driver_stack: PluginStack,
        host_netns: Netns,
        container_netns: Callable[[str], Netns],
    ) -> None:
        self._init(driver_stack)
        self._need(driver_stack, "allocate_interface", "allocate_port")
        self._attach(driver_stack, container_netns("c1"), "c1")
        before = snapshot(host_netns)
        spec = PortSpec(container_port=80, host_port=18080)
        with only_plugnet_errors("allocate_port"):
            binding = driver_stack.allocate_port("c1", spec)
        require(
            binding.container == "c1" and binding.host_port == 18080,
            "allocate_port returns the binding it made",
            repr(binding),
        )
        rule = "release_port undoes allocate_port, once"
        require(driver_stack.release_port("c1", spec), rule, "the first release returned False")
        require(not driver_stack.release_port("c1", spec), rule, "the second returned True")
        assert_same_state(before, snapshot(host_netns), rule, HOST)

    def test_link_round_trip(
        self,
        driver_stack: PluginStack,
        host_netns: Netns,
        container_netns: Callable[[str], Netns],
    ) -> None:
        self._init(driver_stack)
        self._need(driver_stack, "allocate_interface", "link")
        (_, one), (_, two) = self._attach_two(driver_stack, container_netns)
        before = snapshot(host_netns)
        with only_plugnet_errors("link"):
            link = driver_stack.link("c1", "c2", (PortProto(5000),))
        require(
            (link.parent_ip, link.child_ip) == (one.ip, two.ip),
            "link returns the LinkIntent between the two containers' addresses",
            repr(link),
        )
        rule = "unlink undoes link, once"
        require(driver_stack.unlink("c1", "c2"), rule, "the first unlink returned False")
        require(not driver_stack.unlink("c1", "c2"), rule, "the second returned True")
        assert_same_state(before, snapshot(host_netns), rule, HOST)

    def test_release_after_the_container_netns_is_gone(
        self, driver_stack: PluginStack, host_netns: Netns, netns_pool: NetnsPool
    ) -> None:
        self._init(driver_stack)
        self._need(driver_stack, "allocate_interface")
        after_init = snapshot(host_netns)
        ns = netns_pool.create("gone")
        self._attach(driver_stack, ns, "c1")
        netns_pool.delete(ns)
        rule = "release_interface succeeds after the container's netns is gone"
        require(self._release(driver_stack, "c1"), rule, "it returned False")
        assert_same_state(after_init, snapshot(host_netns), rule + " and cleans up", HOST)

    def test_concurrent_attaches_from_several_processes(
        self,
        driver_stack: PluginStack,
        host_netns: Netns,
        container_netns: Callable[[str], Netns],
    ) -> None:
        self._init(driver_stack)
        self._need(driver_stack, "allocate_interface")
        after_init = snapshot(host_netns)
        names = [f"c{n}" for n in range(CONCURRENT)]
        arguments = driver_stack.arguments()
        arguments["config"] = driver_stack.config.to_json()
        jobs = [(dict(arguments), name, container_netns(name).path) for name in names]
        with multiprocessing.get_context("fork").Pool(CONCURRENT) as workers:
            got = workers.map(_attach_in_another_process, jobs)
        errors = [line for line in got if line.startswith("error:")]
        rule = "allocate_interface is safe when several processes call it at once"
        require(not errors, rule, "; ".join(errors))
        require(len(set(got)) == len(got), rule + ": distinct addresses", ", ".join(got))
        with driver_stack.reopened() as later:
            later.resume()
            for name in names:
                self._release(later, name)
        rule = "releasing every container attached concurrently leaves the host as after init"
        assert_same_state(after_init, snapshot(host_netns), rule, HOST)
