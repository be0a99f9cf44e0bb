"""CLI usage errors: exit 2, one line, nothing touched (these fail before any state is read)."""

import pytest
from cli_helpers import PLUGNET, assert_one_line_error, cli


def test_no_command_prints_help_and_exits_2():
    result = cli()
    assert result.returncode == 2
    assert "commands:" in result.stderr and "Traceback" not in result.stderr


def test_unknown_command_exits_2():
    result = cli("frobnicate")
    assert result.returncode == 2
    assert "unknown command 'frobnicate'" in result.stderr


def test_version_and_help():
    assert cli("--version").stdout.startswith("plugnet ")
    helped = cli("--help")
    assert helped.returncode == 0
    for command in ("init", "status", "plugins", "teardown", "attach", "publish", "link"):
        assert f"  {command}" in helped.stdout
    init_help = cli("init", "--help")
    assert init_help.returncode == 0
    for flag in ("--bridge", "--bip", "--iptables", "--icc", "--firewall-backend", "--dry-run"):
        assert flag in init_help.stdout


def test_relative_state_dir_is_refused(tmp_path):
    result = cli("--state-dir", "relative/dir", "status")
    assert_one_line_error(
        result, 2, "invalid value 'relative/dir' for --state-dir: must be an absolute path"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["publish", "c1", "99999:80"],
            "invalid host port '99999': must be between 1 and 65535",
        ),
        (
            ["publish", "c1", "80/sctp"],
            "invalid port spec '80/sctp': unsupported protocol 'sctp' (tcp or udp)",
        ),
        (
            ["attach", "c1", "--netns", "x", "--ip", "10.0.0.300"],
            "invalid value '10.0.0.300' for --ip: not an IPv4 address",
        ),
        (
            ["attach", "c1", "--netns", "x", "--ifname", "eth0-is-far-too-long"],
            "Interface name eth0-is-far-too-long too long",
        ),
        (
            ["link", "a", "b", "--port", "http"],
            "invalid port 'http': not a port number",
        ),
        (["detach", " "], "invalid container id ' ': empty or contains whitespace"),
    ],
)
def test_bad_handler_arguments(tmp_path, args, message):
    state_dir = tmp_path / "state"
    result = cli("--state-dir", str(state_dir), *args)
    assert_one_line_error(result, 2, message)
    assert not state_dir.exists()


def test_argparse_errors_exit_2(tmp_path):
    result = cli("--state-dir", str(tmp_path), "attach", "c1")
    assert result.returncode == 2
    assert "the following arguments are required: --netns" in result.stderr
    assert "Traceback" not in result.stderr


def test_handler_command_before_init(tmp_path):
    result = cli("--state-dir", str(tmp_path / "state"), "detach", "c1")
    assert_one_line_error(result, 3, "plugnet is not initialised: run 'plugnet init'")
    assert PLUGNET.endswith("plugnet")
