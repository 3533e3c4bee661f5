#!/bin/sh
# Builds the in-memory Kafka-protocol test broker (librdkafka's mock cluster) into .tools/kafka-mock.
# Installs the C toolchain and librdkafka headers from Debian only when they are missing.
set -eu
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="$root/.tools/kafka-mock"
src="$root/scripts/kafka-mock/kafka-mock.c"

if ! command -v gcc >/dev/null 2>&1 || [ ! -f /usr/include/librdkafka/rdkafka_mock.h ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get install -y librdkafka-dev gcc || { $sudo apt-get update && $sudo apt-get install -y librdkafka-dev gcc; }
fi

mkdir -p "$root/.tools"
# Build to a temporary name and rename, so a concurrent caller never runs a half-written binary.
gcc -O2 -Wall -o "$out.tmp.$$" "$src" -lrdkafka
mv -f "$out.tmp.$$" "$out"
echo "built $out"
