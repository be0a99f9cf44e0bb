"""plugnet's pytest plugin: loaded through its entry point, cheap to import, fixtures work."""

import subprocess
import sys

HEAVY = ("pyroute2", "iptc", "nftables", "stevedore", "plugnet.testing.contracts")


def test_importing_the_plugin_imports_nothing_heavy():
    code = (
        "import sys, plugnet.testing.pytest_plugin\n"
        f"print(sorted(m for m in sys.modules if m.startswith({HEAVY!r})))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_plugin_is_registered_through_its_entry_point(pytestconfig):
    plugin = pytestconfig.pluginmanager.get_plugin("plugnet")
    assert plugin is not None and plugin.__name__ == "plugnet.testing.pytest_plugin"


FIXTURE_USER = """
from plugnet.core.intents import DaemonConfig
from plugnet.testing.echo import EchoServer, tcp_echo
from plugnet.testing.stack import PluginStack


def test_fixtures(host_netns, container_netns, state_dir, assert_netns_unchanged, hook_recorder):
    c1 = container_netns("c1")
    assert c1.name != host_netns.name
    with assert_netns_unchanged(host_netns):
        host_netns.write_sysctl("net.ipv4.ip_forward", "1")
        assert host_netns.read_sysctl("net.ipv4.ip_forward") == "1"
        host_netns.write_sysctl("net.ipv4.ip_forward", "0")
    with EchoServer(host_netns.name, 7001, name="h"):
        assert tcp_echo(host_netns.name, "127.0.0.1", 7001) == "h|peer=127.0.0.1|ping"
    with PluginStack(state_dir, ipam="default", host=host_netns) as stack:
        recorder = hook_recorder(stack.load().manager)
        stack.hooks.release_owner("nobody")
        recorder.assert_called("plugnet_release_owner", owner="nobody")
"""


def test_the_fixtures_work_in_a_plugin_authors_test(tmp_path):
    (tmp_path / "test_user.py").write_text(FIXTURE_USER)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip().splitlines()[-1].startswith("1 passed")
