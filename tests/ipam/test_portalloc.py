"""Host port strategy on both stores: Docker 1.2's cases, its bugs fixed, invariants."""

from ipaddress import IPv4Address

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from plugnet.core.errors import Conflict, Exhausted, InvalidConfig
from plugnet.ipam.portalloc import PortAllocator
from plugnet.ipam.ranges import PortRange
from plugnet.ipam.store import MemoryStore, PortLease

ANY = IPv4Address("0.0.0.0")
IP1 = IPv4Address("192.168.0.1")
IP2 = IPv4Address("192.168.0.2")


def test_first_dynamic_port_is_49153_then_49154(store):
    ports = PortAllocator(store)
    assert ports.request("a", ANY, "tcp") == 49153
    assert ports.request("b", ANY, "tcp") == 49154
    assert ports.request("c", ANY, "udp") == 49153  # a cursor per protocol


def test_first_dynamic_port_is_checked(store):
    """Docker 1.2 handed out 49153 even when `-p 49153:x` held it (§14.7)."""
    ports = PortAllocator(store)
    assert ports.request("pinned", ANY, "tcp", 49153) == 49153
    assert ports.request("a", ANY, "tcp") == 49154


def test_specific_port_conflict_message_and_nothing_changes(store):
    ports = PortAllocator(store)
    assert ports.request("a", ANY, "tcp", 8080) == 8080
    with pytest.raises(Conflict) as err:
        ports.request("b", ANY, "tcp", 8080)
    assert str(err.value).startswith("Bind for 0.0.0.0:8080 failed: port is already allocated")
    assert "held by a" in str(err.value)
    assert store.ports_of("b") == []
    assert ports.request("b", ANY, "udp", 8080) == 8080  # another protocol is free


def test_per_ip_keys_and_wildcard_conflicts(store):
    ports = PortAllocator(store)
    # Docker's TestPortAllocation: two specific addresses are independent...
    assert ports.request("a", IP1, "tcp", 80) == 80
    assert ports.request("b", IP2, "tcp", 80) == 80
    # ...but 0.0.0.0 clashes with each of them, and they with it (Docker 1.2 missed it).
    with pytest.raises(Conflict, match=r"^Bind for 0.0.0.0:80 failed: port is already allocated"):
        ports.request("c", ANY, "tcp", 80)
    assert ports.request("c", ANY, "tcp", 81) == 81
    with pytest.raises(Conflict, match=r"^Bind for 192.168.0.1:81 failed.*0.0.0.0:81 is held by c"):
        ports.request("d", IP1, "tcp", 81)


def test_dynamic_ports_skip_wildcard_and_specific_leases(store):
    ports = PortAllocator(store, PortRange(1000, 1004))
    ports.request("w", ANY, "tcp", 1000)
    ports.request("s", IP2, "tcp", 1001)
    assert ports.request("a", IP1, "tcp") == 1001  # 1000 clashes with 0.0.0.0
    assert ports.request("b", ANY, "tcp") == 1002  # 1000, 1001 taken on some address


def test_release_and_reuse_after_wrap(store):
    ports = PortAllocator(store, PortRange(5000, 5003))
    got = [ports.request(f"c{n}", ANY, "tcp") for n in range(3)]
    assert got == [5000, 5001, 5002]
    ports.release("c0", ANY, "tcp", 5000)
    assert ports.request("d", ANY, "tcp") == 5003  # not 5000: round-robin
    assert ports.request("e", ANY, "tcp") == 5000  # after the wrap


def test_docker_allocate_all_ports_terminates(store):
    """Docker's TestAllocateAllPorts; 1.2 looped forever when last == 49153 (§14.7)."""
    ports = PortAllocator(store)
    for n in range(49153, 65536):
        assert ports.request("a", ANY, "tcp") == n
    with pytest.raises(Exhausted, match=r"^all ports are allocated"):
        ports.request("a", ANY, "tcp")
    ports.release("a", ANY, "tcp", 60000)
    assert ports.request("b", ANY, "tcp") == 60000
    with pytest.raises(Exhausted):
        ports.request("b", ANY, "tcp")
    ports.release("a", ANY, "tcp", 49153)
    store.set_cursor("port:0.0.0.0/tcp", 49153)  # the cursor of Docker's endless loop
    assert ports.request("c", ANY, "tcp") == 49153
    with pytest.raises(Exhausted):
        ports.request("c", ANY, "tcp")


@pytest.mark.parametrize("bad", [-1, 65536, 100000])
def test_explicit_port_range_check(store, bad):
    with pytest.raises(InvalidConfig, match=r"must be between 1 and 65535"):
        PortAllocator(store).request("a", ANY, "tcp", bad)
    assert store.ports_of("a") == []


def test_unknown_protocol(store):
    with pytest.raises(InvalidConfig, match=r"^unknown protocol"):
        PortAllocator(store).request("a", ANY, "sctp")  # type: ignore[arg-type]


def test_release_is_idempotent_and_owner_checked(store):
    ports = PortAllocator(store)
    ports.request("a", ANY, "tcp", 8080)
    ports.release("b", ANY, "tcp", 8080)  # not b's: a keeps it
    assert store.ports_of("a") == [PortLease("tcp", 8080, ANY, "a")]
    ports.release("a", ANY, "tcp", 8080)
    ports.release("a", ANY, "tcp", 8080)
    assert store.ports_of("a") == []


def test_kernel_range_is_read_lazily():
    calls = []

    def kernel():
        calls.append(1)
        return PortRange(32768, 32770)

    ports = PortAllocator(MemoryStore(), kernel)
    assert calls == []
    assert ports.request("a", ANY, "tcp") == 32768
    assert ports.request("b", ANY, "tcp") == 32769
    assert calls == [1]


addresses = st.sampled_from([ANY, IP1, IP2])
port_ops = st.lists(
    st.tuples(st.sampled_from(["dyn", "fix", "rel"]), addresses, st.integers(0, 5)), max_size=80
)


@given(port_ops)
def test_never_a_clash_never_outside_the_range(steps):
    span = PortRange(2000, 2005)
    ports = PortAllocator(MemoryStore(), span)
    held: dict[tuple[IPv4Address, int], str] = {}
    for n, (op, host, k) in enumerate(steps):
        owner = f"c{n}"
        port = span.first + k
        if op == "rel":
            for (h, p), o in list(held.items()):
                if p == port and h == host:
                    ports.release(o, h, "tcp", p)
                    del held[(h, p)]
            continue
        clash = any(p == port and (h == host or ANY in (h, host)) for h, p in held)
        try:
            got = ports.request(owner, host, "tcp", 0 if op == "dyn" else port)
        except Exhausted:
            assert all(
                any(q == p and (h == host or ANY in (h, host)) for h, q in held)
                for p in range(span.first, span.last + 1)
            )
            continue
        except Conflict:
            assert op == "fix" and clash
            continue
        assert op == "dyn" or not clash
        assert span.first <= got <= span.last
        assert not any(p == got and (h == host or ANY in (h, host)) for h, p in held)
        held[(host, got)] = owner


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(port_ops)
def test_sqlite_and_memory_stores_agree(state, steps):
    from plugnet.ipam.sqlite_store import SqliteStore

    sqlite = SqliteStore(state)
    sqlite.reset()
    pair = [
        PortAllocator(MemoryStore(), PortRange(2000, 2005)),
        PortAllocator(sqlite, PortRange(2000, 2005)),
    ]
    for n, (op, host, k) in enumerate(steps):
        outcomes = []
        for ports in pair:
            try:
                if op == "rel":
                    ports.release(f"c{k}", host, "tcp", 2000 + k)
                    outcomes.append(None)
                else:
                    owner = f"c{n % 6}"
                    outcomes.append(
                        ports.request(owner, host, "tcp", 0 if op == "dyn" else 2000 + k)
                    )
            except Conflict as exc:
                outcomes.append(str(exc))
        assert outcomes[0] == outcomes[1]
