#!/usr/bin/env bash
# Starts foryou on one machine with the embedded defaults (SQLite, local files, in-process queue and
# event log): installs what it needs on the first run, then serves http://127.0.0.1:8080.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need_npm
need_apt ffmpeg ffmpeg
mkdir -p data
log "starting on ${PUBLIC_BASE_URL:-http://127.0.0.1:8080} (docs at /docs, Ctrl-C to stop)"
exec node platform/api/server.ts
