#!/usr/bin/env bash
# The README's test command: set up, lint, type-check, run the example plugins'
# suites in a fresh venv, then run the whole pytest suite inside a throwaway
# sandbox (new net+mount+pid namespaces; see testing/sandbox.py). The main suite
# runs last so its summary is the closing line. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
echo "== ruff" >&2
.venv/bin/ruff check .
echo "== mypy" >&2
./scripts/typecheck.sh
echo "== example plugins: installed into a fresh venv, each running the contract suites" >&2
./scripts/test-examples.sh
echo "== pytest (in a sandbox)" >&2
exec .venv/bin/python -m plugnet.testing.sandbox -- .venv/bin/python -m pytest "$@"
