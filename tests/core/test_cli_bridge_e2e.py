"""The whole CLI in bridge mode on the real kernel: init, attach, echo, publish, link,
detach, teardown, and the host namespace back exactly as it was."""

import json

import pytest
from cli_helpers import cli, in_sandbox
from plugnet.testing.echo import EchoServer, tcp_echo
from plugnet.testing.netns import pool, snapshot

pytestmark = [pytest.mark.kernel, in_sandbox]


def ok(result):
    assert result.returncode == 0, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    return result


@pytest.mark.parametrize("backend", ["nftables", "iptables"])
def test_bridge_lifecycle_through_the_cli(tmp_path, backend):
    with pool("e2e") as p:
        host, c1, c2 = p.create("host"), p.create("c1"), p.create("c2")
        state = ["--state-dir", str(tmp_path / "state")]

        def run(*args):
            return cli(*state, *args, netns=host.name)

        before = snapshot(host)
        init = run("init", f"--firewall-backend={backend}")
        if init.returncode == 5:  # Unavailable: this backend cannot work on this host
            pytest.skip(init.stderr.strip())
        ok(init)
        status = json.loads(ok(run("status", "--json")).stdout)
        assert status["mode"] == "bridge" and status["bridge"] == "docker0"
        assert status["subnet"] == "172.17.0.0/16" and status["gateway"] == "172.17.42.1"
        assert status["firewall"]["name"] == backend
        assert status["attachments"] == 0

        a1 = json.loads(ok(run("attach", "c1", "--netns", c1.path, "--json")).stdout)
        a2 = json.loads(ok(run("attach", "c2", "--netns", c2.name, "--json")).stdout)
        assert (a1["ip"], a2["ip"]) == ("172.17.0.2", "172.17.0.3")
        assert json.loads(ok(run("status", "--json")).stdout)["attachments"] == 2

        with EchoServer(c2.name, 5000, name="c2"):
            assert tcp_echo(c1.name, a2["ip"], 5000) == f"c2|peer={a1['ip']}|ping"
            binding = json.loads(ok(run("publish", "c2", "8080:5000", "--json")).stdout)
            assert (binding["host_ip"], binding["host_port"]) == ("0.0.0.0", 8080)
            # The published port through the host's bridge address, from a container.
            assert tcp_echo(c1.name, "172.17.42.1", 8080).startswith("c2|peer=")
            ok(run("unpublish", "c2", "8080:5000"))
            link = json.loads(ok(run("link", "c1", "c2", "--port", "5000/tcp", "--json")).stdout)
            assert link["ports"] == [[5000, "tcp"]]
            ok(run("unlink", "c1", "c2"))

        ok(run("detach", "c1"))
        again = ok(run("detach", "c1"))
        assert again.stderr == "No network information to release for c1\n"
        ok(run("detach", "c2"))
        ok(run("teardown"))
        assert snapshot(host) == before
        assert run("status").returncode == 3


def test_switching_firewall_backend_removes_the_old_backends_rules(tmp_path):
    with pool("sw") as p:
        host = p.create("host")
        state = ["--state-dir", str(tmp_path / "state")]

        def run(*args):
            return cli(*state, *args, netns=host.name)

        before = snapshot(host)
        ok(run("init", "--firewall-backend=nftables"))
        assert "table ip plugnet" in host.run("nft", "list", "ruleset").stdout
        switched = ok(run("init", "--firewall-backend=none"))
        assert "removed the rules of the previous firewall backend 'nftables' for docker0" in (
            switched.stdout
        )
        assert host.run("nft", "list", "ruleset").stdout == before["nft"]
        assert json.loads(ok(run("status", "--json")).stdout)["firewall"]["name"] == "none"
        # A network is set up: going to -b none needs a teardown first.
        refused = run("init", "-b", "none")
        assert refused.returncode == 4
        assert refused.stderr.endswith(
            "plugnet is initialised in bridge mode: run 'plugnet teardown' before "
            "'plugnet init' in none mode\n"
        )
        ok(run("teardown"))
        assert snapshot(host) == before
