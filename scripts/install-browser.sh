#!/usr/bin/env bash
# Installs the headless browser the web client's tests drive: Debian's Chromium from apt, only when it is
# missing. Tools never download their own browser (playwright-core is told where this one lives).
# Safe to run on every test or CI start.
set -euo pipefail

[ -x /usr/bin/chromium ] && exit 0

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
# Refresh the package lists only when they are absent or the install fails with stale ones.
if ! ls /var/lib/apt/lists/*_Packages >/dev/null 2>&1; then
  $SUDO apt-get update -qq >/dev/null
fi
if ! $SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null; then
  $SUDO apt-get update -qq >/dev/null
  $SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
fi
