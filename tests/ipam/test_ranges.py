"""Pure range and value types: unit and hypothesis property tests."""

from ipaddress import IPv4Address, IPv4Interface

import pytest
from hypothesis import given
from hypothesis import strategies as st
from plugnet.core.errors import InvalidConfig
from plugnet.ipam.ranges import (
    ANY_HOST,
    AddressRange,
    PortRange,
    check_port,
    check_proto,
    first_free,
    parse_port_range,
    port_clashes,
)


@given(st.sets(st.integers(0, 60)), st.integers(0, 60), st.integers(0, 60))
def test_first_free_is_the_lowest_untaken_in_range(taken, start, end):
    found = first_free(sorted(taken), start, end)
    expected = next((n for n in range(start, end + 1) if n not in taken), None)
    assert found == expected


def test_first_free_consumes_only_up_to_the_first_gap():
    seen = []

    def taken():
        for n in (5, 6, 7, 9, 10, 11):
            seen.append(n)
            yield n

    assert first_free(taken(), 5, 100) == 8
    assert seen == [5, 6, 7, 9]


def test_docker_bridge_range():
    span = AddressRange(IPv4Interface("172.17.42.1/16"))
    assert span.key == "172.17.0.0/16"
    assert (span.first_dynamic, span.last_dynamic) == (2, 65534)
    assert span.address(span.first_dynamic) == IPv4Address("172.17.0.2")
    assert span.gateway_position == 42 * 256 + 1


@pytest.mark.parametrize(
    ("ip", "why"),
    [
        ("10.0.0.1", "not in 172.17.0.0/16"),
        ("172.17.0.0", "the network address"),
        ("172.17.255.255", "the broadcast address"),
        ("172.17.42.1", "the gateway"),
    ],
)
def test_requested_address_range_check(ip, why):
    span = AddressRange(IPv4Interface("172.17.42.1/16"))
    with pytest.raises(InvalidConfig, match=r"requested ip .* is out of range") as err:
        span.check_requested(IPv4Address(ip))
    assert why in str(err.value)


def test_requested_network_plus_one_is_allowed_when_not_the_gateway():
    span = AddressRange(IPv4Interface("172.17.42.1/16"))
    assert span.check_requested(IPv4Address("172.17.0.1")) == 1


@given(st.integers(0, 32), st.integers(0, 2**32 - 1))
def test_requested_positions_are_never_outside_the_host_range(prefix, raw):
    span = AddressRange(IPv4Interface(f"{IPv4Address(raw)}/{prefix}"))
    for ip in (span.subnet.network_address, span.subnet.broadcast_address, span.network.ip):
        with pytest.raises(InvalidConfig):
            span.check_requested(ip)


def test_port_ranges():
    assert parse_port_range("49153-65535") == PortRange(49153, 65535)
    assert parse_port_range("32768\t60999") == PortRange(32768, 60999)
    for bad in ("", "1", "a-b", "0-10", "10-5", "1-65536"):
        with pytest.raises(InvalidConfig, match=r"port range"):
            parse_port_range(bad)


def test_explicit_ports_and_protocols_are_checked():
    assert check_port(1) == 1 and check_port(65535) == 65535
    for bad in (0, -1, 65536, 100000):
        with pytest.raises(InvalidConfig, match=r"must be between 1 and 65535"):
            check_port(bad)
    assert check_proto("udp") == "udp"
    with pytest.raises(InvalidConfig, match=r"^unknown protocol: 'sctp'"):
        check_proto("sctp")


@given(st.integers(0, 2**32 - 1), st.integers(0, 2**32 - 1))
def test_wildcard_clashes_with_everything(a, b):
    ip_a, ip_b = IPv4Address(a), IPv4Address(b)
    assert port_clashes(ip_a, ANY_HOST) and port_clashes(ANY_HOST, ip_b)
    assert port_clashes(ip_a, ip_b) == (a == b or ANY_HOST in (ip_a, ip_b))
