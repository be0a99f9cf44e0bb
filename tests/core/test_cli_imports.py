"""``plugnet status`` and ``plugnet --help`` stay cheap: no plugin library is imported."""

import json
import subprocess
import sys
import tempfile

import pytest

HEAVY = ("pluggy", "stevedore", "pyroute2", "iptc", "nftables")


RUN_AND_LIST = """
import json, sys
from plugnet.core.cli import main
main(sys.argv[2:])
with open(sys.argv[1], "w") as out:
    json.dump(sorted(sys.modules), out)
"""


def imported_modules(*args: str) -> set[str]:
    """Every module a fresh ``plugnet ARGS`` process had imported when it finished.

    (sys.modules, not ``-X importtime``: importtime misses modules loaded
    through importlib, which is how entry points are loaded.)
    """
    with tempfile.NamedTemporaryFile("r", suffix=".json") as listing:
        subprocess.run(
            [sys.executable, "-c", RUN_AND_LIST, listing.name, *args],
            capture_output=True,
            check=False,
        )
        return set(json.load(listing))


def heavy_in(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if m.split(".")[0] in HEAVY)


@pytest.fixture
def none_state(tmp_path):
    """A state written by a real none-mode init (which touches no kernel object)."""
    from plugnet.core.engine import Engine
    from plugnet.core.flags import parse_daemon_flags

    state_dir = tmp_path / "state"
    Engine(state_dir, log=lambda _line: None).init(parse_daemon_flags(["-b", "none"]).config)
    return state_dir


def test_help_imports_no_plugin_library():
    modules = imported_modules("--help")
    assert "plugnet.core.cli" in modules
    assert heavy_in(modules) == []


def test_status_imports_no_plugin_library(none_state):
    modules = imported_modules("--state-dir", str(none_state), "status")
    assert "plugnet.core.engine" in modules
    assert heavy_in(modules) == []
    assert not [m for m in modules if m.startswith(("plugnet.drivers.", "plugnet.firewall."))]


def test_status_json_imports_no_plugin_library(none_state):
    assert heavy_in(imported_modules("--state-dir", str(none_state), "status", "--json")) == []


def test_init_imports_only_the_selected_plugins(tmp_path):
    modules = imported_modules(
        "--state-dir", str(tmp_path / "s"), "init", "-b", "none", "--dry-run"
    )
    assert "plugnet.drivers.none.plugin" in modules
    assert not [m for m in modules if m.startswith(("plugnet.firewall.", "plugnet.ipam."))]
    assert not [m for m in modules if m.startswith("plugnet.drivers.bridge")]
    assert "pluggy" in modules
    assert not [m for m in modules if m.split(".")[0] in ("pyroute2", "iptc", "nftables")]
