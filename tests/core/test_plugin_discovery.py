"""Third-party plugins found by entry points, with no change to plugnet or the venv.

A distribution is "installed" by writing its ``.dist-info`` (METADATA and
entry_points.txt) and its module into a directory put on PYTHONPATH, which is
exactly what pip leaves in site-packages.
"""

import json
import textwrap

import pytest
from cli_helpers import assert_one_line_error, cli, in_sandbox

DIST = "thirdparty-plugnet"

HOOKS = """
    @hookimpl
    def plugnet_choose_subnet(self, request):
        return None

    @hookimpl
    def plugnet_request_ip(self, request):
        return None

    @hookimpl
    def plugnet_release_ip(self, network, owner):
        pass

    @hookimpl
    def plugnet_release_owner(self, owner):
        pass

    @hookimpl
    def plugnet_release_port(self, owner, host_ip, proto, port):
        pass
"""

MODULE = f"""
from plugnet.core.hookspecs import hookimpl


class GoodIpam:
    plugnet_contract = "1.0"
{HOOKS}
    @hookimpl
    def plugnet_request_port(self, request):
        return None


class FutureIpam(GoodIpam):
    plugnet_contract = "2.0"


class LackingIpam:
    plugnet_contract = "1.0"
{HOOKS}
"""


@pytest.fixture
def site(tmp_path):
    root = tmp_path / "site"
    info = root / "thirdparty_plugnet-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {DIST}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        textwrap.dedent(
            """\
            [plugnet.ipam]
            tp-good = thirdparty_plugnet:GoodIpam
            tp-broken = thirdparty_broken:Plugin
            tp-future = thirdparty_plugnet:FutureIpam
            tp-lacking = thirdparty_plugnet:LackingIpam
            """
        )
    )
    (root / "thirdparty_plugnet.py").write_text(MODULE)
    (root / "thirdparty_broken.py").write_text("import plugnet_does_not_exist_xyz\n")
    return {"PYTHONPATH": str(root)}


def _plugins(env):
    result = cli("plugins", "--json", env=env)
    assert result.returncode == 0, result.stderr
    return {(r["namespace"], r["name"]): r for r in json.loads(result.stdout)}


def test_builtins_are_listed_as_entry_points_of_plugnet():
    records = _plugins({})
    for key in [
        ("plugnet.drivers", "bridge"),
        ("plugnet.drivers", "none"),
        ("plugnet.firewall", "nftables"),
        ("plugnet.firewall", "iptables"),
        ("plugnet.firewall", "none"),
        ("plugnet.ipam", "default"),
    ]:
        assert records[key]["distribution"] == "plugnet", key
    assert records[("plugnet.drivers", "none")]["status"] == "loaded"


def test_third_party_plugins_appear_with_their_distribution_and_status(site):
    records = _plugins(site)
    good = records[("plugnet.ipam", "tp-good")]
    assert (good["distribution"], good["version"], good["status"]) == (DIST, "1.0", "loaded")
    assert good["target"] == "thirdparty_plugnet:GoodIpam"

    broken = records[("plugnet.ipam", "tp-broken")]
    assert broken["status"] == "failed"
    assert broken["reason"] == (
        "failed to import: ModuleNotFoundError: No module named 'plugnet_does_not_exist_xyz'"
    )

    future = records[("plugnet.ipam", "tp-future")]
    assert future["status"] == "failed"
    assert future["reason"] == "built for plugin contract 2.0, but this plugnet speaks 1.0"

    lacking = records[("plugnet.ipam", "tp-lacking")]
    assert lacking["status"] == "failed"
    assert lacking["reason"] == "lacks required hook(s): plugnet_request_port"


def test_plugins_table_names_every_plugin(site):
    result = cli("plugins", env=site)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["NAMESPACE", "NAME", "DISTRIBUTION", "VERSION", "STATUS", "REASON"]
    assert any(
        line.split()[:5] == ["plugnet.ipam", "tp-good", DIST, "1.0", "loaded"] for line in lines
    )


@pytest.mark.kernel
@in_sandbox
@pytest.mark.parametrize(
    ("name", "reason", "code"),
    [
        (
            "tp-broken",
            "failed to import: ModuleNotFoundError: No module named 'plugnet_does_not_exist_xyz'",
            8,
        ),
        ("tp-future", "built for plugin contract 2.0, but this plugnet speaks 1.0", 8),
        ("tp-lacking", "lacks required hook(s): plugnet_request_port", 8),
    ],
)
def test_selecting_a_bad_plugin_is_one_line_naming_plugin_distribution_reason(
    site, tmp_path, name, reason, code
):
    from plugnet.testing.netns import pool, snapshot

    state_dir = tmp_path / "state"
    with pool("tp") as p:
        ns = p.create("host")
        before = snapshot(ns)
        result = cli(
            "--state-dir", str(state_dir), "init", f"--ipam={name}", netns=ns.name, env=site
        )
        assert_one_line_error(result, code, f"plugin {name!r} from {DIST} 1.0: {reason}")
        assert not state_dir.exists()
        assert snapshot(ns) == before
