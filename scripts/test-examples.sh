#!/usr/bin/env bash
# Install plugnet and the example plugins of examples/ into a FRESH venv (no
# system site-packages, nothing from the dev venv), then run each example's own
# test suite inside the test sandbox, the way a third-party author would.
#
# The deliberately broken example (plugnet-leaky) must FAIL its contract suite,
# and the failure must name the broken rule; this script fails if it passes.
#
# Usage (as root):  scripts/test-examples.sh
#   PLUGNET_EXAMPLES_WORK=DIR  keep the venv and the copied sources in DIR
#                              (default: a temporary directory, removed at exit)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
PY=${PYTHON:-python3}

if [ -n "${PLUGNET_EXAMPLES_WORK:-}" ]; then
    work="$PLUGNET_EXAMPLES_WORK"
    mkdir -p "$work"
else
    work="$(mktemp -d /tmp/plugnet-examples.XXXXXX)"
    trap 'rm -rf "$work"' EXIT
fi

# Build from a copy, so pip's in-tree build leaves nothing in the work tree.
src="$work/src"
rm -rf "$src"
mkdir -p "$src"
tar -C "$root" \
    --exclude=./.venv --exclude=./build --exclude='*.egg-info' --exclude=__pycache__ \
    --exclude=.mypy_cache --exclude=.ruff_cache --exclude=.pytest_cache --exclude=.hypothesis \
    -cf - . | tar -C "$src" -xf -

venv="$work/venv"
if [ ! -x "$venv/bin/python" ]; then
    echo "== fresh venv in $venv" >&2
    "$PY" -m venv "$venv"
    "$venv/bin/pip" install -q --upgrade pip >&2
fi
echo "== pip install plugnet (from $root) and the examples" >&2
# A reused venv holds the same versions: uninstall so the copies here are built anew.
"$venv/bin/pip" uninstall -q -y plugnet plugnet-routed plugnet-static-ipam plugnet-future \
    plugnet-leaky >/dev/null 2>&1 || true
"$venv/bin/pip" install -q "$src" "pytest>=8.0" >&2
"$venv/bin/pip" install -q \
    "$src/examples/plugnet-routed" \
    "$src/examples/plugnet-static-ipam" \
    "$src/examples/plugnet-future" \
    "$src/examples/plugnet-leaky" >&2

"$venv/bin/plugnet" plugins >&2

run_suite() {  # run_suite EXAMPLE [LOG]: the example's tests in the sandbox
    local dir="$src/examples/$1"
    (cd "$dir" && "$venv/bin/python" -m plugnet.testing.sandbox -- \
        "$venv/bin/python" -m pytest -q -p no:cacheprovider tests)
}

passed=0
for example in plugnet-routed plugnet-static-ipam plugnet-future; do
    echo "== $example: contract suite (must pass)" >&2
    run_suite "$example"
    passed=$((passed + 1))
done

echo "== plugnet-leaky: contract suite (must FAIL, naming the broken rule)" >&2
log="$work/leaky.log"
set +e
run_suite plugnet-leaky >"$log" 2>&1
status=$?
set -e
rule="contract rule: release_interface must delete the host veth"
if [ "$status" -eq 0 ]; then
    echo "test-examples: the leaky driver PASSED its contract suite; the suite missed the leak" >&2
    cat "$log" >&2
    exit 1
fi
if ! grep -q "$rule" "$log" || ! grep -Eq "found rt[0-9a-f]+ left in host netns" "$log"; then
    echo "test-examples: the leaky suite failed, but without naming the rule '$rule'" >&2
    cat "$log" >&2
    exit 1
fi
echo "plugnet-leaky failed as it must (exit $status):" >&2
grep -o "$rule[^;]*; found rt[0-9a-f]* left in host netns" "$log" | sort -u | sed 's/^/  /' >&2
passed=$((passed + 1))
echo "examples: $passed passed, 0 failed"
