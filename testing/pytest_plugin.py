"""plugnet's pytest plugin (entry point ``pytest11``): fixtures for plugin authors.

Filled in by the plugin-author kit; until then it only provides ``netns_pool``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from plugnet.testing.netns import NetnsPool


@pytest.fixture
def netns_pool() -> Iterator[NetnsPool]:
    """Creates throwaway network namespaces and deletes them after the test."""
    made = NetnsPool()
    try:
        yield made
    finally:
        made.cleanup()
