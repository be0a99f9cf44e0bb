"""The contract suites catch broken plugins, and the failure names the broken rule.

Each test writes a small broken plugin and a three-line suite subclass into a
temporary directory and runs pytest on it in a child process, as an author
would (inside the sandbox, like the rest).
"""

import re
import subprocess
import sys

import pytest


def run_suite(directory, files, *args):
    """Write ``files`` into ``directory``, run pytest there; (outcome counts, output)."""
    for name, text in files.items():
        (directory / f"{name}.py").write_text(text)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
        cwd=directory,
        capture_output=True,
        text=True,
    )
    last = done.stdout.strip().splitlines()[-1]
    found = re.findall(r"(\d+) (\w+)", last)
    counts = {kind: int(n) for n, kind in found if not kind.startswith("warning")}
    return counts, done.stdout


LEAKY_DRIVER = """
import subprocess
from plugnet.core.driver import InitReport
from plugnet.core.errors import Conflict, NotFound
from plugnet.core.hookspecs import hookimpl
from plugnet.core.intents import Attachment, IPRequest
from plugnet.linux.netns import resolve_netns
from ipaddress import IPv4Interface

NET = IPv4Interface("10.77.0.1/24")


def ip(*args):
    subprocess.run(["ip", *args], check=True, capture_output=True)


class LeakyDriver:
    name = "leaky"

    def __init__(self, context):
        self.hooks, self.attached = context.hooks, {}

    def plan(self):
        return InitReport()

    def init(self):
        return InitReport()

    def resume(self):
        pass

    def register_handlers(self, registry):
        registry.register("allocate_interface", self.allocate)
        registry.register("release_interface", self.release)

    def status(self):
        return {}

    def teardown(self):
        for host_end in self.attached.values():
            ip("link", "del", host_end)
        self.attached.clear()
        return InitReport()

    def allocate(self, request):
        netns = resolve_netns(request.netns)
        if request.container in self.attached:
            raise Conflict("already attached")
        if len(request.ifname) > 15:
            raise NotFound("bad name")
        address = self.hooks.request_ip(IPRequest(NET, request.container, request.requested_ip))
        host_end = f"lk{len(self.attached)}"
        ip("link", "add", host_end, "type", "veth", "peer", "name", "lkpeer")
        ip("link", "set", "lkpeer", "netns", str(netns))
        ip("-n", netns.name, "link", "set", "lkpeer", "name", request.ifname)
        ip("-n", netns.name, "addr", "add", f"{address}/24", "dev", request.ifname)
        self.attached[request.container] = host_end
        return Attachment(request.container, address, 24, "", NET.ip, "", request.ifname,
                          host_end, str(netns), 1500)

    def release(self, container):
        if container not in self.attached:
            return False
        self.hooks.release_owner(container)
        del self.attached[container]  # the bug: the host veth stays
        return True


class LeakyPlugin:
    plugnet_contract = "1.0"

    @hookimpl
    def plugnet_make_driver(self, mode, context):
        return LeakyDriver(context)
"""

LEAKY_SUITE = """
import pytest
from plugnet.testing.contracts import NetworkDriverContract, Plugin
from leaky import LeakyPlugin


class TestLeaky(NetworkDriverContract):
    connectivity = False

    @pytest.fixture
    def driver_plugin(self):
        return Plugin("leaky", LeakyPlugin)
"""

STACKING_BACKEND = '''
import pytest, subprocess
from plugnet.core.hookspecs import hookimpl
from plugnet.testing.contracts import FirewallBackendContract, Plugin


def nft(*args):
    subprocess.run(["nft", *args], check=True)


class StackingBackend:
    """Adds its rule again on every setup and never removes it."""

    plugnet_contract = "1.0"

    @hookimpl
    def plugnet_firewall_setup_network(self, network):
        nft("add", "table", "ip", "stacking")
        nft("add", "chain", "ip", "stacking", "c")
        nft("add", "rule", "ip", "stacking", "c", "iifname", network.bridge, "accept")

    @hookimpl
    def plugnet_firewall_teardown_network(self, network):
        pass

    @hookimpl
    def plugnet_firewall_add_port(self, network, forward):
        pass

    @hookimpl
    def plugnet_firewall_del_port(self, network, forward):
        pass

    @hookimpl
    def plugnet_firewall_add_link(self, network, link):
        pass

    @hookimpl
    def plugnet_firewall_del_link(self, network, link):
        pass


class TestStacking(FirewallBackendContract):
    @pytest.fixture
    def firewall_plugin(self):
        return Plugin("stacking", StackingBackend)
'''

FORGETFUL_ALLOCATOR = '''
import pytest
from ipaddress import IPv4Interface
from plugnet.core.errors import Conflict, Exhausted, InvalidConfig
from plugnet.core.hookspecs import hookimpl
from plugnet.core.intents import SubnetChoice
from plugnet.testing.contracts import Plugin, SubnetAllocatorContract


class ForgetfulAllocator:
    """Keeps its leases in memory: a new process forgets them."""

    plugnet_contract = "1.0"

    def __init__(self):
        self.ips, self.ports = {}, {}

    @hookimpl
    def plugnet_choose_subnet(self, request):
        for route in request.routes:
            if route.destination.overlaps(IPv4Interface("172.17.42.1/16").network):
                raise Exhausted("Could not find a free IP address range for interface "
                                f"'{request.bridge}'. Please configure its address manually "
                                f"and run 'docker -b {request.bridge}'")
        return SubnetChoice(IPv4Interface("172.17.42.1/16"))

    @hookimpl
    def plugnet_request_ip(self, request):
        net = request.network
        if request.requested is not None:
            if request.requested not in net.network or request.requested == net.ip:
                raise InvalidConfig("out of range")
            if request.requested in self.ips:
                raise Conflict("ip already allocated")
            self.ips[request.requested] = request.owner
            return request.requested
        for host in list(net.network.hosts())[1:]:
            if host != net.ip and host not in self.ips:
                self.ips[host] = request.owner
                return host
        raise Exhausted("no available ip addresses on network")

    @hookimpl
    def plugnet_release_ip(self, network, owner):
        self.ips = {ip: o for ip, o in self.ips.items() if o != owner}

    @hookimpl
    def plugnet_request_port(self, request):
        port = request.port or next(p for p in range(49153, 65536) if p not in self.ports)
        if port in self.ports:
            raise Conflict(f"Bind for {request.host_ip}:{port} failed: port is already allocated")
        self.ports[port] = request.owner
        return port

    @hookimpl
    def plugnet_release_port(self, owner, host_ip, proto, port):
        if self.ports.get(port) == owner:
            del self.ports[port]

    @hookimpl
    def plugnet_release_owner(self, owner):
        self.plugnet_release_ip(None, owner)
        self.ports = {p: o for p, o in self.ports.items() if o != owner}


class TestForgetful(SubnetAllocatorContract):
    @pytest.fixture
    def ipam_plugin(self):
        return Plugin("forgetful", ForgetfulAllocator)
'''


def test_a_driver_that_leaks_its_veth_fails_naming_the_rule(tmp_path):
    counts, out = run_suite(
        tmp_path,
        {"leaky": LEAKY_DRIVER, "test_leaky": LEAKY_SUITE},
        "-k",
        "release_interface_undoes_allocate",
    )
    assert (counts.get("failed"), counts.get("passed")) == (1, None), out
    assert (
        "contract rule: release_interface must delete the host veth and undo every change "
        "allocate_interface made in the host netns; found lk0 left in host netns"
    ) in out


def test_a_backend_whose_setup_stacks_rules_fails_naming_the_rule(tmp_path):
    counts, out = run_suite(
        tmp_path, {"test_stacking": STACKING_BACKEND}, "-k", "idempotent or teardown_removes"
    )
    assert (counts.get("failed"), counts.get("passed")) == (2, None), out
    assert re.search(
        "contract rule: plugnet_firewall_setup_network is idempotent: a second call "
        'duplicates nothing; found nft ruleset line added in host netns: iifname "pnlab0" accept',
        out,
    ), out
    assert "contract rule: plugnet_firewall_teardown_network removes every rule of ours" in out


@pytest.mark.parametrize(
    ("test", "rule"),
    [
        ("test_leases_persist_across_a_new_state_store", "a lease is durable"),
        ("test_no_duplicates_under_concurrent_processes", "never handed out twice"),
    ],
)
def test_an_allocator_without_durable_leases_fails_naming_the_rule(tmp_path, test, rule):
    counts, out = run_suite(tmp_path, {"test_forgetful": FORGETFUL_ALLOCATOR}, "-k", test)
    assert (counts.get("failed"), counts.get("passed")) == (1, None), out
    assert re.search(f"contract rule: [^;]*{rule}", out), out
