"""plugnet's pytest plugin (entry point ``pytest11``): fixtures for plugin authors.

pytest loads it wherever plugnet is installed, so it only defines fixtures:
importing it touches neither the kernel nor the environment, and the heavier
modules (the contract suites, pluggy, pyroute2) load only when a test asks.

Fixtures:

- ``netns_pool``: makes throwaway network namespaces, deletes them after the test;
- ``host_netns``: a fresh namespace acting as the host (lo up; set
  ``host_netns.write_sysctl("net.ipv4.ip_forward", "1")`` when a test needs it);
- ``container_netns``: a factory, ``container_netns("c1")`` -> a fresh namespace;
- ``state_dir``: an empty temporary state directory;
- ``assert_netns_unchanged``: ``with assert_netns_unchanged(ns): ...`` fails
  when the block leaves the namespace different from how it found it;
- ``hook_recorder``: ``hook_recorder(stack.plugin_host.manager)`` -> a
  :class:`~plugnet.testing.recorder.HookRecorder`, stopped after the test.

These need root and belong inside the test sandbox
(``python -m plugnet.testing.sandbox -- python -m pytest ...``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from plugnet.testing.netns import Netns, NetnsPool

if TYPE_CHECKING:
    from plugnet.testing.recorder import HookRecorder


@pytest.fixture
def netns_pool() -> Iterator[NetnsPool]:
    """Creates throwaway network namespaces and deletes them after the test."""
    made = NetnsPool()
    try:
        yield made
    finally:
        made.cleanup()


@pytest.fixture
def host_netns(netns_pool: NetnsPool) -> Netns:
    """A fresh network namespace acting as the host: only lo, up."""
    return netns_pool.create("host")


@pytest.fixture
def container_netns(netns_pool: NetnsPool) -> Callable[[str], Netns]:
    """A factory of fresh container namespaces: ``container_netns("c1")``."""

    def make(role: str = "ctr") -> Netns:
        return netns_pool.create(role)

    return make


@pytest.fixture
def state_dir(tmp_path: Path) -> Path:
    """An empty state directory for this test (created by the state store on first use)."""
    return tmp_path / "state"


@pytest.fixture
def assert_netns_unchanged() -> Callable[..., AbstractContextManager[dict[str, str]]]:
    """``with assert_netns_unchanged(ns, rule="..."):`` checks ns is as it was after the block."""
    from plugnet.testing.snapshot import netns_unchanged

    return netns_unchanged


@pytest.fixture
def hook_recorder() -> Iterator[Callable[[Any], HookRecorder]]:
    """``hook_recorder(manager)`` starts recording a pluggy manager's hook calls."""
    from plugnet.testing.recorder import HookRecorder

    made: list[HookRecorder] = []

    def start(manager: Any) -> HookRecorder:
        recorder = HookRecorder(manager)
        made.append(recorder)
        return recorder

    yield start
    for recorder in made:
        recorder.finish_recording()
