#!/usr/bin/env bash
# Starts PostgreSQL and Redis when they are installed but stopped, and waits until they answer.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  need_apt pg_ctlcluster postgresql
  log "starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
fi
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  need_apt redis-server redis-server
  log "starting Redis"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no --dir /tmp
fi
for _ in $(seq 1 30); do
  pg_isready -q -h 127.0.0.1 -p 5432 && redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 && break
  sleep 1
done
pg_isready -q -h 127.0.0.1 -p 5432 || { log "PostgreSQL is not answering on 127.0.0.1:5432"; exit 1; }
redis-cli -h 127.0.0.1 ping >/dev/null || { log "Redis is not answering on 127.0.0.1:6379"; exit 1; }
# The test database must exist and accept the current user (trust auth on this machine kind).
psql -h 127.0.0.1 -U "${PGUSER:-root}" -d test -c 'select 1' >/dev/null 2>&1 \
  || psql -h 127.0.0.1 -U postgres -c "create database test" >/dev/null 2>&1 || true
