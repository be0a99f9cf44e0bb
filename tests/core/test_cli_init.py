"""``plugnet init`` through the real command inside fresh network namespaces.

Bad flags exit 2 with one line and change nothing (no state dir, the netns as it
was); ``-b none`` succeeds and leaves the netns unchanged.
"""

import json

import pytest
from cli_helpers import assert_one_line_error, cli, in_sandbox
from plugnet.core import messages
from plugnet.testing.netns import pool, snapshot

pytestmark = [pytest.mark.kernel, in_sandbox]


@pytest.fixture(scope="module")
def host():
    with pool("core") as p:
        yield p.create("host")


BAD_FLAGS = [
    (["-b", "br0", "--bip", "10.0.42.1/16"], messages.BRIDGE_AND_BIP),
    (["--bridge=xxx", "--bip=10.0.42.1"], messages.BRIDGE_AND_BIP),
    (["-b", "none", "--bip=10.0.42.1/16"], messages.BRIDGE_AND_BIP),
    (["--iptables=false", "--icc=false"], messages.IPTABLES_AND_ICC),
    (["-iptables=false", "-icc=false"], messages.IPTABLES_AND_ICC),
    (["--firewall-backend", "none", "--icc", "false"], messages.IPTABLES_AND_ICC),
    (
        ["--bip=172.17.42.1"],
        "invalid value '172.17.42.1' for --bip: no prefix length; give CIDR notation such as "
        "172.17.42.1/16",
    ),
    (
        ["--bip=10.0.0.0/16"],
        "invalid value '10.0.0.0/16' for --bip: 10.0.0.0 is the network address of "
        "10.0.0.0/16; give a host address such as 10.0.0.1/16",
    ),
    (
        ["--bip=10.0.255.255/16"],
        "invalid value '10.0.255.255/16' for --bip: 10.0.255.255 is the broadcast address of "
        "10.0.0.0/16",
    ),
    (
        ["--bip=10.0.0.1/32"],
        "invalid value '10.0.0.1/32' for --bip: a /32 leaves no address for containers "
        "(use /30 or shorter)",
    ),
    (["--ip=1.2.3"], "invalid value '1.2.3' for --ip: not an IPv4 address"),
    (
        ["--mtu=10"],
        "invalid value '10' for --mtu: must be 0 (automatic) or between 68 and 65535",
    ),
    (["-b", "averyveryverylong0"], "Interface name averyveryverylong0 too long"),
    (["-b", "br/0"], "invalid value 'br/0' for -b/--bridge: interface names cannot contain '/'"),
    (["-b="], "invalid value '' for -b/--bridge: empty interface name"),
    (
        ["--firewall-backend=pf"],
        "invalid value 'pf' for --firewall-backend: no such plugin "
        "(known: auto, iptables, nftables, none)",
    ),
    (
        ["--firewall-backend=no good"],
        "invalid value 'no good' for --firewall-backend: not a plugin name "
        "(letters, digits, '.', '_' and '-')",
    ),
    (["--ipam=fancy"], "invalid value 'fancy' for --ipam: no such plugin (known: default)"),
    (
        ["--icc=maybe"],
        "invalid boolean value 'maybe' for --icc: use true or false (or 1, 0, t, f)",
    ),
    (["--nope"], "flag provided but not defined: --nope"),
]


@pytest.mark.parametrize(("argv", "message"), BAD_FLAGS)
def test_bad_flags_exit_2_with_one_line_and_change_nothing(host, tmp_path, argv, message):
    state_dir = tmp_path / "state"
    before = snapshot(host)
    result = cli("--state-dir", str(state_dir), "init", *argv, netns=host.name)
    assert_one_line_error(result, 2, message)
    assert not state_dir.exists()
    assert snapshot(host) == before


def test_dry_run_of_none_changes_nothing(host, tmp_path):
    state_dir = tmp_path / "state"
    before = snapshot(host)
    result = cli("--state-dir", str(state_dir), "init", "-b", "none", "--dry-run", netns=host.name)
    assert result.returncode == 0, result.stderr
    assert "mode none: networking is disabled" in result.stdout
    assert not state_dir.exists()
    assert snapshot(host) == before


def test_none_mode_in_a_fresh_netns(tmp_path):
    state = ["--state-dir", str(tmp_path / "state")]
    with pool("none") as p:
        ns = p.create("host")
        before = snapshot(ns)
        result = cli(*state, "init", "-b", "none", netns=ns.name)
        assert result.returncode == 0, result.stderr
        assert snapshot(ns) == before

        status = cli(*state, "status", "--json", netns=ns.name)
        assert status.returncode == 0, status.stderr
        data = json.loads(status.stdout)
        assert data["mode"] == "none" and data["handlers"] == []
        assert data["driver"]["name"] == "none" and data["driver"]["distribution"] == "plugnet"

        human = cli(*state, "status", netns=ns.name)
        assert "none (networking is disabled)" in human.stdout

        disabled = "networking is disabled (-b none): no {} handler is registered"
        attach = cli(*state, "attach", "c1", "--netns", ns.name, netns=ns.name)
        assert_one_line_error(attach, 6, disabled.format("allocate_interface"))
        publish = cli(*state, "publish", "c1", "8080:80", netns=ns.name)
        assert_one_line_error(publish, 6, disabled.format("allocate_port"))
        link = cli(*state, "link", "a", "b", "--port", "5000/tcp", netns=ns.name)
        assert_one_line_error(link, 6, disabled.format("link"))

        # init again is idempotent; teardown changes nothing on the host either.
        assert cli(*state, "init", "-b", "none", netns=ns.name).returncode == 0
        down = cli(*state, "teardown", netns=ns.name)
        assert down.returncode == 0, down.stderr
        assert snapshot(ns) == before
        gone = cli(*state, "status", netns=ns.name)
        assert_one_line_error(gone, 3, "plugnet is not initialised: run 'plugnet init'")


def test_deprecated_alias_prints_mflags_warning(tmp_path):
    state_dir = tmp_path / "state"
    result = cli("--state-dir", str(state_dir), "init", "-b", "none", "-icc=true", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert result.stderr == (
        "Warning: '-icc' is deprecated, it will be replaced by '--icc' soon. See usage.\n"
    )
