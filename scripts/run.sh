#!/usr/bin/env bash
# Installs what is missing, builds tally (Release) and runs it: for now the append benchmark
# of the durable log (fsync on) against plain RocksDB, with a summary.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/release
echo
build/release/tools/tally bench append --producers 64 --events 100000 --payload 200 --runs 3
echo
echo "More: build/release/tools/tally --help"
