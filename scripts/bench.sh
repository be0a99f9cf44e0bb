#!/usr/bin/env bash
# `make bench`: plugnet side by side with dockerd 20.10, netavark 1.4 and the CNI plugins.
#
#   ./scripts/bench.sh                       # everything: N=1,10,200,1000, 3 runs (~25 min)
#   ./scripts/bench.sh --quick               # N=1,10,200, 3 runs, no dockerd
#   ./scripts/bench.sh --ns 10,200 --runs 5 --peers cni,netavark --json /tmp/bench.json
#   ./scripts/bench.sh --from-json FILE      # print the table of an earlier run
#
# Installs the peers with their own common.sh:ensure_pkgs (apt-get under a
# policy-rc.d that forbids starting services; docker's units are then
# disabled so no dockerd ever starts in the root netns), runs
# ./scripts/setup.sh, then bench/run.py. Every measured run is in a throwaway
# sandbox (net + mount + pid namespaces); the root netns is snapshot before
# and after, and the script exits 3 with a diff if anything there changed.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "bench: run as root (it creates namespaces)" >&2; exit 1; }

for arg in "$@"; do
    if [ "$arg" = --from-json ]; then
        exec .venv/bin/python bench/run.py "$@"
    fi
done

PEERS_DIR=$(.venv/bin/python -c 'import sys; sys.path.insert(0, "bench"); import sandboxes; print(sandboxes.peers_dir())' 2>/dev/null \
    || python3 -c 'import sys; sys.path.insert(0, "bench"); import sandboxes; print(sandboxes.peers_dir())')
# shellcheck source=/dev/null
source "$PEERS_DIR/common.sh"   # ensure_pkgs, root_ns_snapshot

if ! dpkg-query -W -f='${Status}' docker.io 2>/dev/null | grep -q 'install ok installed'; then
    ensure_pkgs docker.io
    if command -v systemctl >/dev/null; then
        systemctl disable docker.service docker.socket containerd.service >/dev/null 2>&1 || true
    fi
    update-rc.d docker disable >/dev/null 2>&1 || true
fi
ensure_pkgs containernetworking-plugins netavark busybox-static iptables nftables iproute2 \
    python3 util-linux iputils-ping
./scripts/setup.sh

export BENCH_CGROUP_PARENT="/plugnet-bench-docker-$$"
cleanup_cgroups() {
    # rmdir removes only empty cgroups; these are the ones dockerd's runs used
    find /sys/fs/cgroup -maxdepth 2 -depth -type d -name "${BENCH_CGROUP_PARENT#/}" \
        -exec rmdir {} \; 2>/dev/null || true
}
trap cleanup_cgroups EXIT

before="$(root_ns_snapshot)"
rc=0
.venv/bin/python bench/run.py "$@" || rc=$?
after="$(root_ns_snapshot)"
if [ "$before" != "$after" ]; then
    echo "bench: WARNING: the root netns changed during the run:" >&2
    diff <(echo "$before") <(echo "$after") >&2 || true
    rc=3
fi
exit $rc
