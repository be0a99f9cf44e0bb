"""Fixtures for the allocator tests: each store, and a fresh state directory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from plugnet.core.state import StateStore
from plugnet.ipam.sqlite_store import SqliteStore
from plugnet.ipam.store import MemoryStore, Store


@pytest.fixture
def state(tmp_path: Path) -> Iterator[StateStore]:
    made = StateStore(tmp_path / "state")
    try:
        yield made
    finally:
        made.close()


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest, state: StateStore) -> Store:
    """Every strategy test runs against both stores: they must agree."""
    if request.param == "memory":
        return MemoryStore()
    return SqliteStore(state)
