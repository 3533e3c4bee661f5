#!/usr/bin/env bash
# Runs nginx as the media CDN in front of a foryou origin, with its own prefix dir (config, cache,
# logs, temp files), never the system's config:
#   infra/nginx/start.sh --prefix DIR --listen 127.0.0.1:8081 --origin 127.0.0.1:8080 \
#     [--origin 127.0.0.1:8082 ...] [--cache-max-size 10g] [--workers auto] [--daemon]
# Several --origin: nginx balances the API between them and passes a request the dead one refused to
# the next (it also serves /media/ from its cache, as the CDN).
# In the foreground (the default) this process becomes the nginx master: stop it with SIGTERM (fast)
# or SIGQUIT (graceful). With --daemon it returns once nginx runs; stop it with `nginx -p DIR -s quit`.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
prefix="" listen="" origins=() max_size="10g" workers="auto" daemon=0
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) prefix="$2"; shift 2 ;;
    --listen) listen="$2"; shift 2 ;;
    --origin) origins+=("$2"); shift 2 ;;
    --cache-max-size) max_size="$2"; shift 2 ;;
    --workers) workers="$2"; shift 2 ;;
    --daemon) daemon=1; shift ;;
    *) echo "start.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
if [ -z "$prefix" ] || [ -z "$listen" ] || [ ${#origins[@]} -eq 0 ]; then
  echo "usage: start.sh --prefix DIR --listen HOST:PORT --origin HOST:PORT [--cache-max-size 10g] [--workers auto] [--daemon]" >&2
  exit 2
fi
for value in "$listen" "${origins[@]}"; do
  [[ "$value" =~ ^[][A-Za-z0-9.:_-]+$ ]] || { echo "start.sh: bad address '$value'" >&2; exit 2; }
done
[[ "$max_size" =~ ^[0-9]+[kmgKMG]?$ ]] || { echo "start.sh: bad --cache-max-size '$max_size'" >&2; exit 2; }
[[ "$workers" =~ ^([0-9]+|auto)$ ]] || { echo "start.sh: bad --workers '$workers'" >&2; exit 2; }

nginx_bin="$(command -v nginx || true)"
[ -z "$nginx_bin" ] && [ -x /usr/sbin/nginx ] && nginx_bin=/usr/sbin/nginx
if [ -z "$nginx_bin" ]; then
  echo "start.sh: nginx is not installed (run scripts/install-media.sh)" >&2
  exit 127
fi

mkdir -p "$prefix"
prefix="$(cd "$prefix" && pwd)"
mkdir -p "$prefix/logs" "$prefix/cache" "$prefix/tmp"
user_directive=""
if [ "$(id -u)" -eq 0 ]; then
  # As root the workers drop to nobody: they must be able to reach and write the cache and temp dirs.
  user_directive="user nobody nogroup;"
  chmod 755 "$prefix"
  chown -R nobody:nogroup "$prefix/cache" "$prefix/tmp"
  if command -v runuser >/dev/null 2>&1 && ! runuser -u nobody -- test -w "$prefix/cache"; then
    echo "start.sh: user nobody cannot write $prefix/cache: every parent dir of --prefix needs o+x" >&2
    exit 2
  fi
fi

# One origin: always tried. Several: one refusing connections is skipped for 2 s after a failure.
servers=""
for o in "${origins[@]}"; do
  if [ ${#origins[@]} -eq 1 ]; then servers="server ${o};"; else servers="${servers} server ${o} max_fails=1 fail_timeout=2s;"; fi
done
sed -e "s#@PREFIX@#${prefix}#g" -e "s#@LISTEN@#${listen}#g" -e "s#@ORIGIN_SERVERS@#${servers}#g" \
  -e "s#@CACHE_MAX_SIZE@#${max_size}#g" -e "s#@WORKERS@#${workers}#g" -e "s#@USER_DIRECTIVE@#${user_directive}#g" \
  "$here/nginx.conf.template" > "$prefix/nginx.conf"

"$nginx_bin" -t -q -p "$prefix" -c "$prefix/nginx.conf" -e "$prefix/logs/error.log"
if [ "$daemon" -eq 1 ]; then
  exec "$nginx_bin" -p "$prefix" -c "$prefix/nginx.conf" -e "$prefix/logs/error.log" -g 'daemon on;'
fi
exec "$nginx_bin" -p "$prefix" -c "$prefix/nginx.conf" -e "$prefix/logs/error.log" -g 'daemon off;'
