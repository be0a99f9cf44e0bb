"""What is particular to the static allocator: the list, its order, its refusals."""

from ipaddress import IPv4Address, IPv4Interface

import pytest
from plugnet.core.errors import Exhausted, InvalidConfig
from plugnet.core.intents import IPRequest
from plugnet.testing.stack import PluginStack

NET = IPv4Interface("10.9.0.1/24")


@pytest.fixture
def stack(state_dir, monkeypatch):
    monkeypatch.setenv("PLUGNET_STATIC_ADDRESSES", "10.9.0.50, 10.9.0.7-10.9.0.8, 10.8.0.1")
    with PluginStack(state_dir, ipam="static") as made:
        yield made


def test_hands_out_the_list_in_order_then_is_exhausted(stack):
    got = [stack.hooks.request_ip(IPRequest(NET, f"c{n}")) for n in range(3)]
    assert got == [IPv4Address("10.9.0.50"), IPv4Address("10.9.0.7"), IPv4Address("10.9.0.8")]
    with pytest.raises(Exhausted, match="no available ip addresses on network"):
        stack.hooks.request_ip(IPRequest(NET, "c4"))


def test_an_address_off_the_list_is_refused(stack):
    with pytest.raises(InvalidConfig, match="not in the static list"):
        stack.hooks.request_ip(IPRequest(NET, "c1", requested=IPv4Address("10.9.0.9")))
