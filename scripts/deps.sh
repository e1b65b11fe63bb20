#!/usr/bin/env bash
# Installs the Debian 12 packages tally builds and tests with, only those missing.
set -euo pipefail

packages=(
  cmake ninja-build g++ pkg-config
  curl                    # scripts/run.sh seeds demo data through the HTTP API
  libboost1.81-dev        # Asio/Beast: message_generator, as_tuple, awaitable operators
  librocksdb-dev          # the event log (7.8)
  libprotobuf-dev protobuf-compiler
  libfmt-dev nlohmann-json3-dev libexpected-dev libcli11-dev doctest-dev
  libssl-dev              # SHA-256, AES-256-GCM, random keys
  libjwt-dev
  libjemalloc-dev         # the allocator of the tally binary
  libnats-dev nats-server
  prometheus              # promtool checks /metrics in the API tests
  wrk                     # the HTTP benchmark
  libjson-validator-perl  # validates the OpenAPI document in the API tests
  clang libclang-rt-14-dev  # libFuzzer for the request-decoding fuzz target
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # libboost1.81-dev conflicts with the default libboost1.74-dev; apt replaces it.
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
