#!/usr/bin/env bash
# The README's main job: the bridge driver end to end, inside throwaway network
# namespaces that the demo creates and deletes itself. It runs inside the test
# sandbox (new network, mount and pid namespaces, a private /run), so neither
# the host's network nor its mount table can be touched, and any stray process
# dies with it. Needs root. Extra arguments go to the demo, e.g.
#   ./scripts/demo.sh --firewall-backend iptables
# PLUGNET_DEMO_SANDBOX=0 runs it without the outer sandbox (it still makes and
# deletes its own namespaces).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
if [ "${PLUGNET_DEMO_SANDBOX:-1}" = "0" ]; then
    exec .venv/bin/python -m plugnet.drivers.bridge.demo "$@"
fi
exec .venv/bin/python -m plugnet.testing.sandbox -- .venv/bin/python -m plugnet.drivers.bridge.demo "$@"
