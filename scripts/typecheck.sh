#!/usr/bin/env bash
# mypy must see the repo root as the package `plugnet` (pyproject maps it so).
# Build that view from symlinks to the package's own folders only, so build/,
# tests/ and examples/ stay out of it.
set -euo pipefail
cd "$(dirname "$0")/.."
view=build/typecheck/plugnet
rm -rf build/typecheck
mkdir -p "$view"
for entry in *; do
    if [ -f "$entry/__init__.py" ] || [ "$entry" = "__init__.py" ] || [ "$entry" = "__main__.py" ] || [ "$entry" = "py.typed" ]; then
        ln -s "../../../$entry" "$view/$entry"
    fi
done
cd build/typecheck
../../.venv/bin/mypy --config-file ../../pyproject.toml -p plugnet
