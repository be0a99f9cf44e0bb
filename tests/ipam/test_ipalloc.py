"""Container address strategy on both stores: Docker 1.2's own cases and invariants."""

from ipaddress import IPv4Address, IPv4Interface

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from plugnet.core.errors import Conflict, Exhausted, InvalidConfig
from plugnet.ipam.ipalloc import IPAllocator
from plugnet.ipam.store import MemoryStore

BRIDGE = IPv4Interface("172.17.42.1/16")
NET24 = IPv4Interface("192.168.0.1/24")
NET29 = IPv4Interface("192.168.0.1/29")


def ip(text):
    return IPv4Address(text)


def test_first_container_gets_network_plus_two(store):
    alloc = IPAllocator(store)
    assert alloc.request(BRIDGE, "c1") == ip("172.17.0.2")
    assert alloc.request(BRIDGE, "c2") == ip("172.17.0.3")


def test_network_plus_one_is_skipped_even_when_the_gateway_is_elsewhere(store):
    alloc = IPAllocator(store)
    net = IPv4Interface("10.9.0.5/24")
    got = [alloc.request(net, f"c{i}") for i in range(5)]
    assert got == [ip(f"10.9.0.{n}") for n in (2, 3, 4, 6, 7)]  # .1 never, .5 is the gateway


def test_docker_get_released_ip(store):
    """Docker's TestGetReleasedIp: a released address returns only after the wrap."""
    alloc = IPAllocator(store)
    first = alloc.request(NET24, "first")
    alloc.release(NET24, "first")
    for n in range(252):
        alloc.request(NET24, f"c{n}")
    assert alloc.request(NET24, "again") == first == ip("192.168.0.2")


def test_docker_ip_allocator_slash_29(store):
    """Docker's TestIPAllocator: .2-.6, exhaustion, then release .5 .4 .6 -> .4 .5 .6."""
    alloc = IPAllocator(store)
    got = [alloc.request(NET29, f"c{n}") for n in range(2, 7)]
    assert got == [ip(f"192.168.0.{n}") for n in range(2, 7)]
    with pytest.raises(Exhausted, match=r"^no available ip addresses on network"):
        alloc.request(NET29, "extra")
    for n in (5, 4, 6):
        alloc.release(NET29, f"c{n}")
    again = [alloc.request(NET29, f"d{n}") for n in range(3)]
    assert again == [ip("192.168.0.4"), ip("192.168.0.5"), ip("192.168.0.6")]


def test_exhausted_request_changes_nothing(store):
    alloc = IPAllocator(store)
    for n in range(5):
        alloc.request(NET29, f"c{n}")
    cursor = store.cursor("ip:192.168.0.0/29")
    with pytest.raises(Exhausted):
        alloc.request(NET29, "extra")
    assert store.count_ips("192.168.0.0/29") == 5
    assert store.cursor("ip:192.168.0.0/29") == cursor


def test_tiny_networks_have_no_dynamic_addresses(store):
    alloc = IPAllocator(store)
    for net in ("10.0.0.1/31", "10.0.0.1/32"):
        with pytest.raises(Exhausted):
            alloc.request(IPv4Interface(net), "c")
    # A /30 has one: network+2 (network+1 is the gateway, +3 the broadcast).
    assert alloc.request(IPv4Interface("10.0.0.1/30"), "c") == ip("10.0.0.2")


def test_requested_address(store):
    alloc = IPAllocator(store)
    assert alloc.request(NET24, "pinned", ip("192.168.0.100")) == ip("192.168.0.100")
    # A requested address does not move the cursor: the dynamic order goes on.
    assert alloc.request(NET24, "c1") == ip("192.168.0.2")
    with pytest.raises(Conflict, match=r"^ip already allocated: 192.168.0.100 on 192.168.0.0/24$"):
        alloc.request(NET24, "other", ip("192.168.0.100"))
    assert store.ip_of("192.168.0.0/24", "other") is None


@pytest.mark.parametrize("bad", ["192.168.1.5", "192.168.0.0", "192.168.0.255", "192.168.0.1"])
def test_requested_address_out_of_range_changes_nothing(store, bad):
    alloc = IPAllocator(store)
    alloc.request(NET24, "c1")
    with pytest.raises(InvalidConfig, match=f"^requested ip {bad} is out of range"):
        alloc.request(NET24, "c2", ip(bad))
    assert store.count_ips("192.168.0.0/24") == 1
    assert store.cursor("ip:192.168.0.0/24") == 2


def test_requested_address_is_skipped_by_the_dynamic_walk(store):
    alloc = IPAllocator(store)
    alloc.request(NET24, "pinned", ip("192.168.0.3"))
    assert [alloc.request(NET24, f"c{n}") for n in range(2)] == [
        ip("192.168.0.2"),
        ip("192.168.0.4"),
    ]


def test_one_address_per_owner_and_network(store):
    alloc = IPAllocator(store)
    alloc.request(NET24, "c1")
    with pytest.raises(Conflict, match=r"c1 already holds 192.168.0.2 on 192.168.0.0/24"):
        alloc.request(NET24, "c1")
    assert store.count_ips("192.168.0.0/24") == 1
    # Another network is another matter.
    assert alloc.request(IPv4Interface("10.0.0.1/24"), "c1") == ip("10.0.0.2")


def test_release_is_idempotent_and_never_frees_another_owner(store):
    """Docker 1.2's double release could free a neighbour's address (§14.6)."""
    alloc = IPAllocator(store)
    alloc.request(NET24, "a")
    alloc.release(NET24, "a")
    alloc.release(NET24, "a")
    alloc.release(NET24, "never-had-one")
    b = alloc.request(NET24, "b")
    alloc.release(NET24, "a")
    assert store.ip_of("192.168.0.0/24", "b") == int(b) - int(ip("192.168.0.0"))


def test_gateway_on_a_shared_subnet_key(store):
    """Two gateways on one subnet share the leases (the key is the subnet)."""
    alloc = IPAllocator(store)
    a = alloc.request(IPv4Interface("10.1.0.1/24"), "a")
    b = alloc.request(IPv4Interface("10.1.0.3/24"), "b")
    assert (a, b) == (ip("10.1.0.2"), ip("10.1.0.4"))


# -- model-based property test: the strategy equals Docker 1.2's literal loop --------


class DockerModel:
    """Spec §7's getNextIP, verbatim (requested addresses aside)."""

    def __init__(self, network):
        self.own = int(network.ip)
        self.base = int(network.network.network_address)
        self.maxp = network.network.num_addresses - 2
        self.p, self.last, self.owners = set(), 0, {}

    def next(self, owner):
        pos = self.last
        for _ in range(max(self.maxp, 0)):
            pos = pos % self.maxp + 1
            nxt = self.base + pos
            if nxt in (self.own, self.base + 1) or pos in self.p:
                continue
            self.p.add(pos)
            self.last = pos
            self.owners[owner] = pos
            return IPv4Address(nxt)
        return None

    def release(self, owner):
        pos = self.owners.pop(owner, None)
        if pos is not None:
            self.p.discard(pos)


ops = st.lists(st.tuples(st.sampled_from(["get", "rel"]), st.integers(0, 15)), max_size=120)
networks = st.sampled_from(["10.0.0.1/28", "10.0.0.5/28", "10.0.0.14/28", "10.0.0.1/29"])


def _check_against_model(alloc, net_text, steps):
    net = IPv4Interface(net_text)
    model = DockerModel(net)
    held = {}
    for op, n in steps:
        owner = f"c{n}"
        if op == "rel":
            alloc.release(net, owner)
            model.release(owner)
            held.pop(owner, None)
        elif owner not in held:
            expected = model.next(owner)
            if expected is None:
                with pytest.raises(Exhausted):
                    alloc.request(net, owner)
            else:
                held[owner] = alloc.request(net, owner)
                assert held[owner] == expected
        # Invariants: never a duplicate, never outside the dynamic range.
        assert len(set(held.values())) == len(held)
        for address in held.values():
            assert address in net.network and address != net.ip
            assert int(address) - int(net.network.network_address) >= 2
            assert address != net.network.broadcast_address


@given(networks, ops)
def test_same_order_as_docker_memory(net_text, steps):
    _check_against_model(IPAllocator(MemoryStore()), net_text, steps)


@settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(networks, ops)
def test_same_order_as_docker_sqlite(state, net_text, steps):
    from plugnet.ipam.sqlite_store import SqliteStore

    sqlite = SqliteStore(state)
    sqlite.reset()
    _check_against_model(IPAllocator(sqlite), net_text, steps)
