"""The state store under concurrent processes: no lost update, no half-written record."""

import subprocess
import sys

INCREMENT = """
import sys
from pathlib import Path
from plugnet.core.state import StateStore

store = StateStore(Path(sys.argv[1]))
for _ in range(int(sys.argv[2])):
    with store.transaction():
        value = store.get_json("counter") or 0
        store.set_json("counter", value + 1)
"""


def test_concurrent_increments_lose_nothing(tmp_path):
    from plugnet.core.state import StateStore

    state_dir = tmp_path / "state"
    processes, rounds = 6, 40
    workers = [
        subprocess.Popen([sys.executable, "-c", INCREMENT, str(state_dir), str(rounds)])
        for _ in range(processes)
    ]
    assert [w.wait() for w in workers] == [0] * processes
    assert StateStore(state_dir).get_json("counter") == processes * rounds
    assert (state_dir.stat().st_mode & 0o777) == 0o700


def test_a_killed_writer_leaves_nothing_half_written(tmp_path):
    from plugnet.core.state import StateStore

    state_dir = tmp_path / "state"
    store = StateStore(state_dir)
    store.set_json("daemon", {"mode": "none"})
    store.close()
    dies_mid_transaction = """
import os, sys
from pathlib import Path
from plugnet.core.state import StateStore

store = StateStore(Path(sys.argv[1]))
with store.transaction():
    store.set_json("daemon", {"mode": "bridge"})
    store.set_json("other", 1)
    os._exit(9)
"""
    result = subprocess.run([sys.executable, "-c", dies_mid_transaction, str(state_dir)])
    assert result.returncode == 9
    again = StateStore(state_dir)
    assert again.get_json("daemon") == {"mode": "none"}
    assert again.get_json("other") is None
