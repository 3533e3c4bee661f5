# Shared by start.sh and test.sh: idempotent installs, so a fresh Debian 12 machine needs nothing else.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

log() { printf '\033[1;34m[foryou]\033[0m %s\n' "$*" >&2; }

# apt packages, installed only when a command is missing. $1 = command, rest = packages.
need_apt() {
  local cmd="$1"; shift
  command -v "$cmd" >/dev/null 2>&1 && return 0
  log "installing $* (apt)"
  if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -mmin -1440 2>/dev/null | head -n1)" ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# npm dependencies (Node 24 itself comes from the registry as a devDependency), when the lock changed.
need_npm() {
  command -v npm >/dev/null || { log "npm is required (Node 20+ with npm)"; exit 1; }
  local stamp=node_modules/.foryou-installed
  if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ] || [ package.json -nt "$stamp" ]; then
    log "installing npm packages (Node 24, fastify, tfjs, onnxruntime, …)"
    # onnxruntime-node's postinstall would fetch CUDA files from outside the registry; CPU binaries ship in the package.
    ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund --loglevel=error
    touch "$stamp"
  fi
  export PATH="$ROOT/node_modules/.bin:$PATH"
}

# apt packages that ship no command (headers, libraries), checked with dpkg.
need_pkg() {
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  need_apt __missing__ "${missing[@]}"
}
