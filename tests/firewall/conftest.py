"""Fixtures for firewall tests (helpers live in firewall_kit)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from firewall_kit import BACKENDS, InNetns, Topology, make_topology
from plugnet.testing.netns import Netns, NetnsPool, pool


@pytest.fixture
def netns_pool() -> Iterator[NetnsPool]:
    with pool("fw") as p:
        yield p


@pytest.fixture(params=sorted(BACKENDS))
def backend_name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def host(netns_pool: NetnsPool) -> Netns:
    return netns_pool.create("host")


@pytest.fixture
def firewall(backend_name: str, host: Netns) -> InNetns:
    return InNetns(backend_name, BACKENDS[backend_name](), host)


@pytest.fixture
def topology(netns_pool: NetnsPool) -> Iterator[Topology]:
    with make_topology(netns_pool) as topo:
        yield topo


@pytest.fixture
def wired(backend_name: str, topology: Topology) -> InNetns:
    return InNetns(backend_name, BACKENDS[backend_name](), topology.host)
