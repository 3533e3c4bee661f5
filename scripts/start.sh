#!/usr/bin/env bash
# Starts foryou on one machine with the embedded defaults (SQLite, local files, in-process queue and
# event log): installs what it needs on the first run, then serves http://127.0.0.1:8080.
#   bash scripts/start.sh          an empty platform in ./data
#   bash scripts/start.sh --demo   a platform that lived through a simulated week, in ./data-demo
#                                  (real clips, simulated users, models trained on its own log)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# Freed allocations of 1 MB or more go back to the system (platform/api/process-env.ts).
export MALLOC_MMAP_THRESHOLD_="${MALLOC_MMAP_THRESHOLD_:-1048576}"
need_npm
need_apt ffmpeg ffmpeg
if [ "${1:-}" = "--demo" ]; then
  # drawtext writes each clip's hashtag on it; without a font the clips are made without the label.
  need_pkg fonts-dejavu-core fontconfig || true
  log "building the demo in ./data-demo (about 10 minutes the first time; re-runs start at once)"
  exec node scripts/demo.ts --data ./data-demo --port "${PORT:-8080}"
fi
mkdir -p data
log "starting on ${PUBLIC_BASE_URL:-http://127.0.0.1:8080} (docs at /docs, Ctrl-C to stop)"
# V8 flags of the API process: platform/api/process-env.ts (API_NODE_FLAGS).
exec node --max-semi-space-size=16 platform/api/server.ts
