#!/usr/bin/env bash
# Installs and starts everything the tests talk to, then runs typecheck, lint and the whole suite.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need_npm
need_apt ffmpeg ffmpeg
need_apt nginx nginx
bash scripts/install-browser.sh
need_apt gcc gcc libc6-dev
need_pkg librdkafka-dev
# The notebooks: Jupyter's nbconvert drives the Deno kernel (an npm devDependency); charts use DejaVu Sans.
need_apt jupyter-nbconvert jupyter-nbconvert
need_pkg fonts-dejavu-core
bash scripts/ensure-services.sh
[ -x .tools/kafka-mock ] || bash scripts/kafka-mock/build.sh
log "typecheck"; npm run -s typecheck
log "lint"; npm run -s lint
log "tests"; npm test -- "$@"
