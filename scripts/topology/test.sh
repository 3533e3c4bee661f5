#!/usr/bin/env bash
# npm run test:topology: brings up a topology of its own (its own folder, ports, database and Redis
# prefix, so it never touches one started by hand), runs the end-to-end run through nginx with one API
# process killed mid-run, starts the killed process again and checks every part, then removes it all.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
export TOPOLOGY_DIR="${TOPOLOGY_DIR:-/tmp/foryou-topology-test}"
export TOPOLOGY_PORT="${TOPOLOGY_PORT:-8280}"
export TOPOLOGY_DB="${TOPOLOGY_DB:-foryou_topology_test}"
export TOPOLOGY_REDIS_PREFIX="${TOPOLOGY_REDIS_PREFIX:-topology-test:}"
# The run signs up more accounts, and polls more, from 127.0.0.1 than a person would.
export REGISTRATIONS_PER_IP_PER_HOUR="${REGISTRATIONS_PER_IP_PER_HOUR:-1000}"
export RATE_LIMIT_IP_PER_MIN="${RATE_LIMIT_IP_PER_MIN:-100000}"
export RATE_LIMIT_AUTH_PER_MIN="${RATE_LIMIT_AUTH_PER_MIN:-1000}"
# On a failure the processes' logs are kept beside the folder (<dir>.logs) before it is removed.
cleanup() {
  local rc=$?
  if [ "$rc" -ne 0 ] && [ -d "$TOPOLOGY_DIR/logs" ]; then
    rm -rf "$TOPOLOGY_DIR.logs" && cp -r "$TOPOLOGY_DIR/logs" "$TOPOLOGY_DIR.logs"
    echo "test:topology: logs kept in $TOPOLOGY_DIR.logs" >&2
  fi
  bash scripts/topology.sh down --purge
  exit "$rc"
}
trap cleanup EXIT
bash scripts/topology.sh up
node scripts/topology/e2e.ts
# The killed API process comes back and the whole topology answers again.
bash scripts/topology.sh up
