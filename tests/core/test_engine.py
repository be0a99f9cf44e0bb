"""The engine's orchestration with fake plugins (no kernel): load, init, record, resume."""

import sqlite3

import pytest
from core_fakes import CALLS, FakeBridgeDriver, FakeHost, selector
from plugnet.core.driver import HandlerRegistry
from plugnet.core.engine import DAEMON_KEY, Engine
from plugnet.core.errors import Conflict, KernelError, NetworkingDisabled, NotFound
from plugnet.core.flags import parse_daemon_flags
from plugnet.core.state import StateStore


@pytest.fixture(autouse=True)
def _reset():
    CALLS.clear()
    FakeBridgeDriver.fail = False
    FakeBridgeDriver.duplicate_handler = False
    yield
    CALLS.clear()


def make_engine(state_dir, backend="fw-a", warnings=(), logs=None):
    return Engine(
        state_dir,
        log=(logs.append if logs is not None else lambda _line: None),
        host_factory=FakeHost,
        select_backend=selector(backend, warnings),
    )


def config(*argv):
    return parse_daemon_flags(list(argv)).config


def test_bridge_init_loads_selected_plugins_and_records(tmp_path):
    logs = []
    engine = make_engine(tmp_path / "st", warnings=("be careful",), logs=logs)
    result = engine.init(config("--icc=false"))
    assert logs == ["WARNING: be careful"]
    assert ("driver", "init") in CALLS and ("fw-a", "setup", "fk0") in CALLS
    record = StateStore(tmp_path / "st").get_json(DAEMON_KEY)
    assert record["mode"] == "bridge" and record["driver"] == "bridge"
    assert record["config"]["icc"] is False
    assert record["firewall"] == {"name": "fw-a", "reason": "picked fw-a"}
    assert [(p["namespace"], p["name"]) for p in record["plugins"]] == [
        ("plugnet.ipam", "default"),
        ("plugnet.firewall", "fw-a"),
        ("plugnet.drivers", "bridge"),
    ]
    assert record["handlers"] == ["allocate_interface", "release_interface"]
    assert result.report.changes == ["create bridge fk0"]


def test_status_reads_the_record(tmp_path):
    engine = make_engine(tmp_path / "st")
    engine.init(config())
    status = make_engine(tmp_path / "st").status()
    assert status["mode"] == "bridge"
    assert status["bridge"] == "fk0"
    assert status["subnet"] == "10.9.0.0/24" and status["gateway"] == "10.9.0.1"
    assert status["mtu"] == 1500
    assert status["firewall"]["name"] == "fw-a"
    assert status["driver"] == {"name": "bridge", "distribution": "fake-dist", "version": "9.9"}


def test_dry_run_changes_nothing_not_even_the_state_dir(tmp_path):
    engine = make_engine(tmp_path / "st")
    result = engine.init(config(), dry_run=True)
    assert result.dry_run and result.report.changes == ["create bridge fk0"]
    assert ("driver", "plan") in CALLS and ("driver", "init") not in CALLS
    assert not (tmp_path / "st").exists()


def _content(state_dir):
    # Logical content: SQLite may checkpoint its WAL into the file when the last
    # connection closes, which changes bytes but no row.
    conn = sqlite3.connect(state_dir / "state.db")
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


def test_dry_run_against_an_initialised_state_leaves_it_as_it_was(tmp_path):
    make_engine(tmp_path / "st").init(config())
    before = _content(tmp_path / "st")
    result = make_engine(tmp_path / "st", backend="fw-b").init(config(), dry_run=True)
    assert result.report.changes[0] == (
        "remove the rules of the previous firewall backend 'fw-a' for fk0"
    )
    assert _content(tmp_path / "st") == before


def test_failed_first_init_records_nothing(tmp_path):
    FakeBridgeDriver.fail = True
    with pytest.raises(KernelError):
        make_engine(tmp_path / "st").init(config())
    assert not (tmp_path / "st").exists()


def test_failed_reinit_keeps_the_previous_record(tmp_path):
    make_engine(tmp_path / "st").init(config())
    FakeBridgeDriver.fail = True
    with pytest.raises(KernelError):
        make_engine(tmp_path / "st").init(config("--icc=false"))
    record = StateStore(tmp_path / "st").get_json(DAEMON_KEY)
    assert record["config"]["icc"] is True


def test_switching_backend_cleans_the_old_backend_once_the_new_one_is_in_place(tmp_path):
    make_engine(tmp_path / "st", backend="fw-a").init(config())
    CALLS.clear()
    report = make_engine(tmp_path / "st", backend="fw-b").init(config()).report
    assert report.changes[0] == "removed the rules of the previous firewall backend 'fw-a' for fk0"
    assert CALLS.index(("fw-b", "setup", "fk0")) < CALLS.index(("fw-a", "teardown", "fk0"))
    assert make_engine(tmp_path / "st").status()["firewall"]["name"] == "fw-b"


def test_a_failed_switch_keeps_the_old_backend_and_its_record(tmp_path):
    make_engine(tmp_path / "st", backend="fw-a").init(config())
    CALLS.clear()
    FakeBridgeDriver.fail = True
    with pytest.raises(KernelError):
        make_engine(tmp_path / "st", backend="fw-b").init(config())
    assert ("fw-a", "teardown", "fk0") not in CALLS
    assert make_engine(tmp_path / "st").status()["firewall"]["name"] == "fw-a"


def test_same_backend_is_not_cleaned(tmp_path):
    make_engine(tmp_path / "st").init(config())
    CALLS.clear()
    make_engine(tmp_path / "st").init(config())
    assert not [c for c in CALLS if c[1] == "teardown"]


def test_resume_and_handler(tmp_path):
    make_engine(tmp_path / "st").init(config())
    CALLS.clear()
    engine = make_engine(tmp_path / "st")
    assert engine.handler("release_interface")("c1") is False
    assert ("driver", "resume") in CALLS and ("driver", "init") not in CALLS
    with pytest.raises(NotFound, match=r"^link: command not found$"):
        engine.handler("link")


def test_none_mode_has_no_handlers(tmp_path):
    engine = make_engine(tmp_path / "st")
    engine.init(config("-b", "none"))
    with pytest.raises(NetworkingDisabled, match="networking is disabled"):
        make_engine(tmp_path / "st").handler("allocate_interface")
    status = make_engine(tmp_path / "st").status()
    assert status["mode"] == "none" and status["handlers"] == []


def test_handler_commands_before_init_say_not_initialised(tmp_path):
    with pytest.raises(NotFound, match=r"^plugnet is not initialised: run 'plugnet init'$"):
        make_engine(tmp_path / "st").handler("allocate_interface")
    with pytest.raises(NotFound):
        make_engine(tmp_path / "st").status()
    assert not (tmp_path / "st").exists()


def test_going_from_bridge_to_none_requires_teardown(tmp_path):
    make_engine(tmp_path / "st").init(config())
    with pytest.raises(Conflict, match="run 'plugnet teardown' before 'plugnet init' in none"):
        make_engine(tmp_path / "st").init(config("-b", "none"))


def test_none_to_bridge_is_allowed(tmp_path):
    make_engine(tmp_path / "st").init(config("-b", "none"))
    make_engine(tmp_path / "st").init(config())
    assert make_engine(tmp_path / "st").status()["mode"] == "bridge"


def test_teardown_removes_everything_and_forgets(tmp_path):
    make_engine(tmp_path / "st").init(config())
    CALLS.clear()
    report = make_engine(tmp_path / "st").teardown()
    assert report.changes == ["delete bridge fk0"]
    assert CALLS[-2:] == [("fw-a", "teardown", "fk0"), ("ipam", "reset")]
    assert not StateStore(tmp_path / "st").exists()
    # A second teardown has nothing to do.
    assert make_engine(tmp_path / "st").teardown().changes == []


def test_duplicate_handler_registration_fails_init(tmp_path):
    FakeBridgeDriver.duplicate_handler = True
    with pytest.raises(Conflict, match=r"^Can.t overwrite handler for command allocate_interface$"):
        make_engine(tmp_path / "st").init(config())
    assert not StateStore(tmp_path / "st").exists()


def test_handler_registry_refuses_a_second_registration():
    registry = HandlerRegistry()
    registry.register("link", print)
    with pytest.raises(Conflict) as info:
        registry.register("link", print)
    assert str(info.value) == "Can't overwrite handler for command link"
    assert registry.names() == ["link"]


def test_unknown_plugin_name_is_not_found(tmp_path):
    with pytest.raises(NotFound, match=r"no plugin .fancy. in plugnet\.ipam"):
        make_engine(tmp_path / "st").init(config("--ipam=fancy"))
    assert not (tmp_path / "st").exists()
