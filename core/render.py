"""Output for people and for programs: aligned tables, key/value blocks, JSON.

Kept apart from the CLI so every command prints the same way, and free of any
import heavier than :mod:`json`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["dump_json", "key_values", "table"]


def dump_json(value: Any) -> str:
    """Stable, indented JSON; addresses and other objects become strings."""
    return json.dumps(value, indent=2, sort_keys=True, default=str)


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(_cell(v) for v in value) or "-"
    return str(value)


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """Columns padded to their widest cell; the last column is never padded."""
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in cells:
        for i, text in enumerate(row):
            widths[i] = max(widths[i], len(text))

    def line(values: Sequence[str]) -> str:
        padded = [v.ljust(widths[i]) for i, v in enumerate(values[:-1])]
        return "  ".join([*padded, values[-1]]).rstrip()

    return "\n".join([line(list(headers)), *(line(row) for row in cells)])


def key_values(pairs: Mapping[str, Any] | Sequence[tuple[str, Any]]) -> str:
    """``key:   value`` lines, keys aligned."""
    items = list(pairs.items()) if isinstance(pairs, Mapping) else list(pairs)
    if not items:
        return ""
    width = max(len(key) for key, _ in items) + 1
    return "\n".join(f"{(key + ':').ljust(width)}  {_cell(value)}" for key, value in items)
