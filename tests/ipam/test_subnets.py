"""Subnet choice: Docker's candidates in order, overlaps, pools, and the error text."""

from ipaddress import IPv4Address, IPv4Interface, IPv4Network

import pytest
from hypothesis import given
from hypothesis import strategies as st
from plugnet.core.errors import Exhausted, InvalidConfig
from plugnet.core.intents import Route
from plugnet.ipam.subnets import (
    DOCKER_CANDIDATES,
    DOCKER_POOL,
    CarvedPool,
    ListPool,
    choose,
    collisions,
    parse_pools,
)

NO_FREE = (
    "Could not find a free IP address range for interface 'docker0'. "
    "Please configure its address manually and run 'docker -b docker0'"
)


def route(cidr, dev="eth0"):
    return Route(IPv4Network(cidr), dev)


def test_docker_candidates_in_order():
    assert [str(c) for c in DOCKER_CANDIDATES][:4] == [
        "172.17.42.1/16",
        "10.0.42.1/16",
        "10.1.42.1/16",
        "10.42.42.1/16",
    ]
    assert len(DOCKER_CANDIDATES) == 12
    assert str(DOCKER_CANDIDATES[-1]) == "192.168.44.1/24"


def test_first_candidate_on_a_clean_host():
    choice = choose("docker0", [DOCKER_POOL], [], [])
    assert choice.address == IPv4Interface("172.17.42.1/16")
    assert choice.skipped == ()


def test_default_route_never_counts():
    choice = choose("docker0", [DOCKER_POOL], [route("0.0.0.0/0")], [])
    assert choice.address == IPv4Interface("172.17.42.1/16")


def test_route_and_nameserver_skip_candidates():
    choice = choose(
        "docker0", [DOCKER_POOL], [route("172.17.0.0/16", "eth1")], [IPv4Address("10.0.3.4")]
    )
    assert choice.address == IPv4Interface("10.1.42.1/16")
    assert choice.skipped == (
        "172.17.42.1/16 overlaps route 172.17.0.0/16 dev eth1",
        "10.0.42.1/16 overlaps nameserver 10.0.3.4",
    )


def test_host_route_and_wide_route_overlap():
    wide = choose("docker0", [DOCKER_POOL], [route("172.16.0.0/12")], [])
    assert wide.address == IPv4Interface("10.0.42.1/16")
    host = choose("docker0", [DOCKER_POOL], [route("10.0.42.7/32")], [])
    assert host.address == IPv4Interface("172.17.42.1/16")


def test_nothing_fits_names_each_collision():
    routes = [route("172.16.0.0/12"), route("10.0.0.0/8", "tun0"), route("192.168.44.0/22")]
    with pytest.raises(Exhausted) as err:
        choose(
            "docker0",
            [DOCKER_POOL],
            routes,
            [IPv4Address("192.168.43.53"), IPv4Address("192.168.42.1")],
        )
    text = str(err.value)
    assert text.startswith(NO_FREE + ". Tried: ")
    assert "172.17.42.1/16 overlaps route 172.16.0.0/12 dev eth0" in text
    assert "10.42.42.1/16 overlaps route 10.0.0.0/8 dev tun0" in text
    assert "192.168.43.1/24 overlaps nameserver 192.168.43.53" in text
    assert "192.168.44.1/24 overlaps route 192.168.44.0/22 dev eth0" in text
    assert text.count(" overlaps ") == 12  # one line per candidate


def test_nothing_fits_in_a_large_carved_pool_is_summarised():
    pool = CarvedPool(IPv4Network("10.0.0.0/16"), 24)
    with pytest.raises(Exhausted) as err:
        choose("br9", [pool], [route("10.0.0.0/8")], [])
    assert "interface 'br9'" in str(err.value)
    assert "... and 240 more candidates, each overlapping" in str(err.value)


def test_pools_setting():
    assert parse_pools("") == (DOCKER_POOL,)
    pools = parse_pools("172.30.0.0/16,192.168.100.1/24; base=10.200.0.0/16,size=24")
    assert pools[0] == ListPool((IPv4Interface("172.30.0.1/16"), IPv4Interface("192.168.100.1/24")))
    assert pools[1] == CarvedPool(IPv4Network("10.200.0.0/16"), 24)
    carved = list(pools[1].candidates())
    assert (len(carved), str(carved[0]), str(carved[-1])) == (
        256,
        "10.200.0.1/24",
        "10.200.255.1/24",
    )


def test_pools_skip_collisions_across_pools():
    pools = parse_pools("base=10.200.0.0/23,size=24 172.30.0.0/16")
    choice = choose("docker0", pools, [route("10.200.0.0/23")], [])
    assert choice.address == IPv4Interface("172.30.0.1/16")


@pytest.mark.parametrize(
    "bad", ["10.0.0.0/33", "base=10.0.0.0/16,size=8", "base=10.0.0.1/16,size=24", "base=x", "foo"]
)
def test_bad_pools_setting(bad):
    with pytest.raises(InvalidConfig, match=r"pool"):
        parse_pools(bad)


nets = st.builds(
    lambda raw, prefix: IPv4Network((raw, prefix), strict=False),
    st.integers(0, 2**32 - 1),
    st.integers(0, 32),
)


@given(st.builds(lambda n: IPv4Interface((n.network_address, n.prefixlen)), nets), nets)
def test_route_collision_is_exactly_an_overlap(candidate, destination):
    hits = collisions(candidate, [Route(destination, "eth0")], [])
    expected = destination.prefixlen > 0 and destination.overlaps(candidate.network)
    assert bool(hits) == expected


@given(nets, st.integers(0, 2**32 - 1))
def test_nameserver_collision_is_membership(network, raw):
    candidate = IPv4Interface((network.network_address, network.prefixlen))
    ns = IPv4Address(raw)
    assert bool(collisions(candidate, [], [ns])) == (ns in network)
