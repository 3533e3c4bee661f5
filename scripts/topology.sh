#!/usr/bin/env bash
# The scaled deployment as separate processes on one machine, without Docker (docker-compose.yml stays
# the documented production path):
#   PostgreSQL and Redis (the system's, running), the Kafka-protocol broker
#   (.tools/kafka-mock, in memory), the S3-compatible server (s3rver), 2 API processes, 1 retrieval and
#   1 ranking service process (the APIs reach them by RETRIEVAL_URL / RANKING_URL), 2 workers
#   (transcoding, event consumers, counter flush, sweeps), 1 trainer (`foryou-train loop`), and nginx
#   as the load balancer in front of the APIs and the CDN for /media/.
#   It installs nothing: a missing program (node_modules, nginx, ffmpeg, the broker in .tools, a stopped
#   PostgreSQL or Redis) is named and `up` stops; `bash scripts/test.sh` installs them all.
#
#   bash scripts/topology.sh up      start everything (idempotent: a running part is left alone)
#   bash scripts/topology.sh check   show each part and fail when one is down
#   bash scripts/topology.sh down    stop everything (--purge also drops the database, keys and files)
#
# Settings (environment): TOPOLOGY_DIR (/tmp/foryou-topology: pids, logs, objects, nginx cache),
# TOPOLOGY_PORT (8180: nginx; the APIs, S3, worker metrics, retrieval and ranking take the next seven), TOPOLOGY_DB
# (foryou_topology), TOPOLOGY_REDIS_PREFIX (topology:), TOPOLOGY_TRAINER (1; 0 leaves the trainer out).
# Other variables foryou reads (rate limits, LOG_LEVEL, ...) pass through to the API and worker processes.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DIR="${TOPOLOGY_DIR:-/tmp/foryou-topology}"
PORT="${TOPOLOGY_PORT:-8180}"
DB="${TOPOLOGY_DB:-foryou_topology}"
PREFIX="${TOPOLOGY_REDIS_PREFIX:-topology:}"
TRAINER="${TOPOLOGY_TRAINER:-1}"
API_PORTS=("$((PORT + 1))" "$((PORT + 2))")
S3_PORT="$((PORT + 3))"
WORKER_METRICS=("$((PORT + 4))" "$((PORT + 5))")
RETRIEVAL_PORT="$((PORT + 6))"
RANKING_PORT="$((PORT + 7))"
PG_USER="${PGUSER:-root}"
[[ "$DB" =~ ^[a-z_][a-z0-9_]*$ ]] || { log "TOPOLOGY_DB must be a plain lower-case name"; exit 2; }
[[ "$PREFIX" =~ ^[A-Za-z0-9_.:-]+$ ]] || { log "TOPOLOGY_REDIS_PREFIX: letters, digits and _ . : - only"; exit 2; }

pidfile() { echo "$DIR/run/$1.pid"; }
# Running, not a zombie: a killed process whose parent does not reap it still answers kill -0.
alive() {
  local f st
  f="$(pidfile "$1")"
  [ -f "$f" ] || return 1
  st="$(ps -o stat= -p "$(cat "$f")" 2>/dev/null)"
  [ -n "$st" ] && [ "${st:0:1}" != Z ]
}

# Starts `name` in a session of its own (so `down` stops its whole process group), logging to logs/name.log.
spawn() {
  local name="$1"; shift
  alive "$name" && return 0
  setsid "$@" >"$DIR/logs/$name.log" 2>&1 < /dev/null &
  echo $! >"$(pidfile "$name")"
}

# Waits until `cmd` succeeds, at most $1 seconds; names `what` when it gives up.
wait_for() {
  local secs="$1" what="$2"; shift 2
  for _ in $(seq 1 "$((secs * 5))"); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
  log "$what did not come up in ${secs} s (logs in $DIR/logs)"
  return 1
}

ready() { curl -fsS -m 2 "http://127.0.0.1:$1/readyz"; }
healthy() { curl -fsS -m 2 "http://127.0.0.1:$1/healthz"; }

# Names everything `up` needs that is missing, and fails: this script never installs anything.
require() {
  local missing=()
  [ -x node_modules/.bin/node ] || missing+=("node_modules (npm ci)")
  for cmd in nginx ffmpeg psql pg_isready redis-cli curl setsid; do
    command -v "$cmd" >/dev/null 2>&1 || missing+=("$cmd")
  done
  [ -x .tools/kafka-mock ] || missing+=(".tools/kafka-mock (sh scripts/kafka-mock/build.sh)")
  pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null || missing+=("PostgreSQL answering on 127.0.0.1:5432")
  redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 || missing+=("Redis answering on 127.0.0.1:6379")
  if [ "${#missing[@]}" -gt 0 ]; then
    log "missing: ${missing[*]} (bash scripts/test.sh installs and starts them; this script installs nothing)"
    exit 1
  fi
}

up() {
  require
  export PATH="$ROOT/node_modules/.bin:$PATH"
  mkdir -p "$DIR/run" "$DIR/logs" "$DIR/objects"
  psql -h 127.0.0.1 -U "$PG_USER" -d test -tAc "select 1 from pg_database where datname = '$DB'" | grep -q 1 \
    || psql -h 127.0.0.1 -U "$PG_USER" -d test -qc "create database $DB"

  # The broker keeps its log in memory; its stdin is its lifeline, so it gets one that stays open.
  if ! alive kafka; then
    spawn kafka bash -c 'tail -f /dev/null | .tools/kafka-mock'
    wait_for 15 "the Kafka broker" grep -q . "$DIR/logs/kafka.log"
  fi
  spawn s3 node scripts/topology/s3rver.main.ts "$DIR/objects" "$S3_PORT"
  wait_for 15 "the S3 server" grep -q '^S3_URL ' "$DIR/logs/s3.log"

  if [ ! -f "$DIR/topology.env" ]; then
    # BullMQ's prefix takes no colons.
    local bootstrap s3 QUEUE_PREFIX="${PREFIX//:/-}queue"
    bootstrap="$(grep -m1 . "$DIR/logs/kafka.log" | tr -d '[:space:]')"
    s3="$(grep -m1 '^S3_URL ' "$DIR/logs/s3.log" | cut -d' ' -f2)"
    # Single-quoted values: the URLs hold & and ?, and the file is sourced.
    cat >"$DIR/topology.env" <<EOF
METADATA_URL='postgres://$PG_USER@127.0.0.1:5432/$DB'
CACHE_URL='redis://127.0.0.1:6379/0?prefix=${PREFIX}cache:'
FEATURES_URL='redis://127.0.0.1:6379/0?prefix=${PREFIX}features:'
QUEUE_URL='redis://127.0.0.1:6379/0?prefix=${QUEUE_PREFIX}'
EVENTS_URL='kafka://$bootstrap?partitions=3&sessionTimeout=6000&rebalanceTimeout=10000&heartbeatInterval=1000'
OBJECTS_URL='$s3'
SIGNING_SECRET='$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')'
PUBLIC_BASE_URL='http://127.0.0.1:$PORT'
DATA_DIR='$DIR/data'
RETRIEVAL_URL='http://127.0.0.1:$RETRIEVAL_PORT'
RANKING_URL='http://127.0.0.1:$RANKING_PORT'
EMBEDDED_WORKERS='false'
HOST='127.0.0.1'
EOF
  fi
  set -a; source "$DIR/topology.env"; set +a

  # The first API process runs the migrations; the others start once it is ready.
  spawn api1 env PORT="${API_PORTS[0]}" node platform/api/server.ts
  wait_for 90 "API process 1" ready "${API_PORTS[0]}"
  # After API process 1's migrations; until they answer the APIs serve the feed without them (fallbacks).
  spawn retrieval env SERVICE_PORT="$RETRIEVAL_PORT" node platform/services/retrieval.main.ts
  spawn ranking env SERVICE_PORT="$RANKING_PORT" node platform/services/ranking.main.ts
  spawn api2 env PORT="${API_PORTS[1]}" node platform/api/server.ts
  spawn worker1 env WORKER_METRICS_PORT="${WORKER_METRICS[0]}" node platform/worker.main.ts
  spawn worker2 env WORKER_METRICS_PORT="${WORKER_METRICS[1]}" node platform/worker.main.ts
  if [ "$TRAINER" = "1" ]; then
    # experiments/sim.yaml's models, trained on this topology's PostgreSQL and Kafka log.
    { printf 'name: topology\ndescription: sim.yaml on the topology stores\nseed: 42\ndata:\n'
      printf '  source: platform\n  metadata: "%s"\n  events: "%s"\n  holdout_share: 0.1\n' "$METADATA_URL" "$EVENTS_URL"
      sed -n '/^models:/,$p' experiments/sim.yaml; } >"$DIR/trainer.yaml"
    # A cycle a day, at the lowest priority: on a small machine it must not starve the API.
    spawn trainer nice -n 19 node training/cli/bin.ts loop --config "$DIR/trainer.yaml" --every-min 1440 \
      --queue "$QUEUE_URL" --metadata "$METADATA_URL" --objects "$OBJECTS_URL"
  fi
  wait_for 90 "API process 2" ready "${API_PORTS[1]}"
  wait_for 90 "the retrieval service" healthy "$RETRIEVAL_PORT"
  wait_for 90 "the ranking service" healthy "$RANKING_PORT"
  if ! [ -f "$DIR/nginx/nginx.pid" ] || ! kill -0 "$(cat "$DIR/nginx/nginx.pid")" 2>/dev/null; then
    bash infra/nginx/start.sh --prefix "$DIR/nginx" --listen "127.0.0.1:$PORT" --workers 1 --daemon \
      --origin "127.0.0.1:${API_PORTS[0]}" --origin "127.0.0.1:${API_PORTS[1]}"
  fi
  wait_for 15 "nginx" ready "$PORT"
  wait_for 90 "worker 1" grep -q 'foryou worker running' "$DIR/logs/worker1.log"
  wait_for 30 "worker 2" grep -q 'foryou worker running' "$DIR/logs/worker2.log"
  check
}

check() {
  local bad=0
  row() { printf '%-9s %-6s %s\n' "$1" "$2" "$3"; [ "$2" = up ] || bad=1; }
  printf '%-9s %-6s %s\n' part state where
  pg_isready -q -h 127.0.0.1 -p 5432 && row postgres up "127.0.0.1:5432/$DB" || row postgres down "127.0.0.1:5432"
  redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 && row redis up "127.0.0.1:6379 ${PREFIX}*" || row redis down "127.0.0.1:6379"
  alive kafka && row kafka up "$(grep -m1 . "$DIR/logs/kafka.log" 2>/dev/null)" || row kafka down -
  alive s3 && curl -s -m 2 -o /dev/null "http://127.0.0.1:$S3_PORT/" && row s3 up "127.0.0.1:$S3_PORT" || row s3 down "127.0.0.1:$S3_PORT"
  for i in 1 2; do
    local p="${API_PORTS[$((i - 1))]}"
    ready "$p" >/dev/null 2>&1 && row "api$i" up "127.0.0.1:$p" || row "api$i" down "127.0.0.1:$p"
  done
  healthy "$RETRIEVAL_PORT" >/dev/null 2>&1 && row retrieval up "127.0.0.1:$RETRIEVAL_PORT" || row retrieval down "127.0.0.1:$RETRIEVAL_PORT"
  healthy "$RANKING_PORT" >/dev/null 2>&1 && row ranking up "127.0.0.1:$RANKING_PORT" || row ranking down "127.0.0.1:$RANKING_PORT"
  for i in 1 2; do
    alive "worker$i" && row "worker$i" up "metrics 127.0.0.1:${WORKER_METRICS[$((i - 1))]}" || row "worker$i" down -
  done
  if [ "$TRAINER" = "1" ]; then alive trainer && row trainer up "every 1440 min" || row trainer down -; fi
  ready "$PORT" >/dev/null 2>&1 && row nginx up "http://127.0.0.1:$PORT (LB + CDN)" || row nginx down "127.0.0.1:$PORT"
  return "$bad"
}

down() {
  [ -f "$DIR/nginx/nginx.pid" ] && nginx -p "$DIR/nginx" -c "$DIR/nginx/nginx.conf" -s quit 2>/dev/null || true
  for name in trainer worker2 worker1 api2 ranking retrieval api1 s3 kafka; do
    local f; f="$(pidfile "$name")"
    [ -f "$f" ] || continue
    local pid; pid="$(cat "$f")"
    kill -TERM -- "-$pid" 2>/dev/null || true
    for _ in $(seq 1 75); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL -- "-$pid" 2>/dev/null || true
    rm -f "$f"
  done
  # The broker forgot its log: the next `up` writes a new env file with its new address.
  rm -f "$DIR/topology.env"
  if [ "${1:-}" = "--purge" ]; then
    psql -h 127.0.0.1 -U "$PG_USER" -d test -qc "drop database if exists $DB" || true
    for p in "${PREFIX}" "${PREFIX//:/-}queue"; do
      redis-cli -h 127.0.0.1 --scan --pattern "${p}*" | xargs -r -n 500 redis-cli -h 127.0.0.1 unlink >/dev/null
    done
    rm -rf "$DIR"
  fi
  log "topology stopped"
}

case "${1:-}" in
  up) up ;;
  check) check ;;
  down) shift; down "${1:-}" ;;
  *) echo "usage: bash scripts/topology.sh up|check|down [--purge]" >&2; exit 2 ;;
esac
