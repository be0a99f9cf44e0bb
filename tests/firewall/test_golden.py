"""Golden files: the exact rules each backend writes, and nothing of ours left after teardown.

Regenerate with ``PLUGNET_UPDATE_GOLDEN=1`` (then review the diff).
"""

from __future__ import annotations

import dataclasses
import os
from ipaddress import IPv4Address
from pathlib import Path

import pytest
from firewall_kit import NETWORK, add_user_rules, dump, full_state
from plugnet.core.intents import LinkIntent, PortForward, PortProto

pytestmark = pytest.mark.kernel

GOLDEN = Path(__file__).parent / "golden"
FORWARD = PortForward("c1", "tcp", IPv4Address("0.0.0.0"), 8080, IPv4Address("172.17.0.2"), 80)
FORWARD_ON_IP = PortForward(
    "c1", "udp", IPv4Address("10.0.0.1"), 5353, IPv4Address("172.17.0.2"), 53
)
LINK = LinkIntent(
    "c2", "c1", IPv4Address("172.17.0.3"), IPv4Address("172.17.0.2"), (PortProto(80),)
)

CASES = {
    "icc_on": (NETWORK, [], []),
    "icc_off": (dataclasses.replace(NETWORK, icc=False), [], []),
    "no_masquerade": (dataclasses.replace(NETWORK, masquerade=False), [], []),
    "port_forward": (NETWORK, [FORWARD, FORWARD_ON_IP], []),
    "link": (dataclasses.replace(NETWORK, icc=False), [], [LINK]),
    "docker12_no_local_forwarding": (
        dataclasses.replace(NETWORK, local_forwarding=False),
        [FORWARD],
        [],
    ),
}


def check_golden(path: Path, text: str) -> None:
    if os.environ.get("PLUGNET_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    assert path.exists(), f"missing golden file {path}; run with PLUGNET_UPDATE_GOLDEN=1"
    assert text == path.read_text(), f"ruleset differs from {path}"


@pytest.mark.parametrize("case", sorted(CASES))
def test_golden_ruleset_then_clean(case, backend_name, firewall, host):
    network, forwards, links = CASES[case]
    add_user_rules(host)
    before = full_state(host)
    firewall.setup_network(network=network)
    for forward in forwards:
        firewall.add_port(network=network, forward=forward)
    for link in links:
        firewall.add_link(network=network, link=link)
    check_golden(GOLDEN / backend_name / f"{case}.txt", dump(backend_name, host))
    firewall.teardown_network(network=network)
    assert full_state(host) == before


def test_clean_state_golden(backend_name, host):
    add_user_rules(host)
    check_golden(GOLDEN / backend_name / "clean.txt", dump(backend_name, host))


@pytest.mark.parametrize("case", ["port_forward", "link", "docker12_no_local_forwarding"])
def test_docs_show_the_golden_layout(case, backend_name):
    docs = (Path(__file__).parents[2] / "docs" / "firewall.md").read_text()
    golden = (GOLDEN / backend_name / f"{case}.txt").read_text().rstrip()
    assert golden in docs, f"docs/firewall.md is stale for {backend_name}/{case}"
