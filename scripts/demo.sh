#!/usr/bin/env bash
# The README's main job: the bridge driver end to end, inside throwaway network
# namespaces that the demo creates and deletes itself (the host's own network is
# never touched). Needs root. Extra arguments go to the demo, e.g.
#   ./scripts/demo.sh --firewall-backend iptables
# Set PLUGNET_DEMO_SANDBOX=1 to run it, in addition, inside the test sandbox
# (new network, mount and pid namespaces), as CI does.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
if [ "${PLUGNET_DEMO_SANDBOX:-0}" = "1" ]; then
    exec .venv/bin/python -m plugnet.testing.sandbox -- .venv/bin/python -m plugnet.drivers.bridge.demo "$@"
fi
exec .venv/bin/python -m plugnet.drivers.bridge.demo "$@"
