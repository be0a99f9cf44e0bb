#!/usr/bin/env bash
# The README's test command: set up, lint, type-check, then run the whole pytest
# suite inside a throwaway sandbox (new net+mount+pid namespaces; see
# testing/sandbox.py). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
echo "== ruff" >&2
.venv/bin/ruff check .
echo "== mypy" >&2
./scripts/typecheck.sh
echo "== pytest (in a sandbox)" >&2
exec .venv/bin/python -m plugnet.testing.sandbox -- .venv/bin/python -m pytest "$@"
