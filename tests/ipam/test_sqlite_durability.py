"""The SQLite store: persistence across processes, concurrency, and crash safety."""

import multiprocessing
import os
import signal
from ipaddress import IPv4Address, IPv4Interface
from pathlib import Path

from plugnet.core.state import StateStore
from plugnet.ipam.ipalloc import IPAllocator
from plugnet.ipam.portalloc import PortAllocator
from plugnet.ipam.sqlite_store import SqliteStore

NET = IPv4Interface("172.17.42.1/16")
ANY = IPv4Address("0.0.0.0")


def test_leases_and_cursors_survive_a_new_state_store(tmp_path):
    first = StateStore(tmp_path)
    ips, ports = IPAllocator(SqliteStore(first)), PortAllocator(SqliteStore(first))
    assert [str(ips.request(NET, f"c{n}")) for n in range(3)] == [
        "172.17.0.2",
        "172.17.0.3",
        "172.17.0.4",
    ]
    ips.release(NET, "c0")
    assert ports.request("c1", ANY, "tcp") == 49153
    first.close()

    second = StateStore(tmp_path)  # as a restarted process would
    ips, ports = IPAllocator(SqliteStore(second)), PortAllocator(SqliteStore(second))
    # Docker 1.2 forgot everything here and handed out .2 again.
    assert str(ips.request(NET, "c3")) == "172.17.0.5"
    assert ports.request("c3", ANY, "tcp") == 49154
    assert SqliteStore(second).ip_of("172.17.0.0/16", "c1") == 3
    second.close()


def _worker(state_dir: str, worker: int, count: int, queue) -> None:
    state = StateStore(Path(state_dir))
    store = SqliteStore(state)
    ips, ports = IPAllocator(store), PortAllocator(store)
    got = []
    for n in range(count):
        owner = f"w{worker}-{n}"
        got.append((owner, str(ips.request(NET, owner)), ports.request(owner, ANY, "tcp")))
    state.close()
    queue.put(got)


def _open_state(state_dir: Path) -> None:
    """What `plugnet init` does before any attach: the database exists.

    (Eight processes creating a fresh database at once can fail in
    StateStore's first `PRAGMA journal_mode=WAL`, outside the flock; reported
    to the core's owner. The allocator's own tables are created under the
    flock, which the race test below checks.)"""
    state = StateStore(state_dir)
    state.set_json("initialised", True)
    state.close()


def test_eight_processes_never_hand_out_the_same_address_or_port(tmp_path):
    _open_state(tmp_path)
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    workers = [ctx.Process(target=_worker, args=(str(tmp_path), w, 100, queue)) for w in range(8)]
    for proc in workers:
        proc.start()
    results = [row for _ in workers for row in queue.get(timeout=300)]
    for proc in workers:
        proc.join()
        assert proc.exitcode == 0
    assert len(results) == 800
    assert len({ip for _, ip, _ in results}) == 800  # no duplicates
    assert len({port for _, _, port in results}) == 800
    # No losses: what the processes were told is exactly what is recorded.
    db = StateStore(tmp_path).read()
    recorded = {(o, p) for o, p in db.execute("SELECT owner, position FROM ipam_ips")}
    told = {(o, int(IPv4Address(ip)) - int(NET.network.network_address)) for o, ip, _ in results}
    assert recorded == told
    assert db.execute("SELECT COUNT(*) FROM ipam_ports").fetchone()[0] == 800
    # Together they walked the range in order: .0.2 up to .3.33 (802 positions - the skipped .1).
    positions = sorted(p for _, p in recorded)
    assert positions == list(range(2, 802))


def _die_mid_allocation(state_dir: str) -> None:
    state = StateStore(Path(state_dir))
    store = SqliteStore(state)
    with store.transaction():
        store.reserve_ip("172.17.0.0/16", 2, "doomed")
        store.set_cursor("ip:172.17.0.0/16", 2)
        os.kill(os.getpid(), signal.SIGKILL)


def test_a_process_killed_mid_allocation_leaves_nothing(tmp_path):
    _open_state(tmp_path)
    proc = multiprocessing.get_context("fork").Process(
        target=_die_mid_allocation, args=(str(tmp_path),)
    )
    proc.start()
    proc.join()
    assert proc.exitcode == -signal.SIGKILL
    state = StateStore(tmp_path)
    store = SqliteStore(state)
    assert store.count_ips("172.17.0.0/16") == 0
    assert store.cursor("ip:172.17.0.0/16") == 0
    # The lock died with the process: the next allocation proceeds, from the start.
    assert str(IPAllocator(store).request(NET, "next")) == "172.17.0.2"
    state.close()


def test_reset_forgets_every_lease_and_cursor(state):
    store = SqliteStore(state)
    IPAllocator(store).request(NET, "a")
    PortAllocator(store).request("a", ANY, "udp")
    store.reset()
    assert store.count_ips("172.17.0.0/16") == 0
    assert store.ports_of("a") == []
    assert str(IPAllocator(store).request(NET, "b")) == "172.17.0.2"


def test_configure_creates_no_file_and_a_callers_transaction_is_kept(state):
    from plugnet.core.intents import DaemonConfig, IPRequest
    from plugnet.ipam.plugin import DefaultIpamPlugin

    plugin = DefaultIpamPlugin()
    plugin.plugnet_configure(DaemonConfig(), state)
    assert not state.exists()  # `plugnet status` configures plugins too
    # A driver may call the allocator inside its own transaction: the schema is
    # created inside it, and a failure of the driver rolls the lease back.
    try:
        with state.transaction():
            state.set_json("driver-step", 1)
            plugin.plugnet_request_ip(IPRequest(NET, "a"))
            raise RuntimeError("driver failed after allocating")
    except RuntimeError:
        pass
    assert state.get_json("driver-step") is None
    # The same plugin goes on working although the rollback took its new tables.
    assert str(plugin.plugnet_request_ip(IPRequest(NET, "b"))) == "172.17.0.2"
    assert SqliteStore(state).ip_of("172.17.0.0/16", "a") is None
