#!/usr/bin/env bash
# HTTP benchmark (issue 4): wrk with keep-alive and 64 connections against the example
# counter's command endpoint (each answer after its fsync) and against /healthz (the framing
# ceiling), in the same run. Usage: ROUNDS=3 scripts/bench_http.sh [PATH/TO/tally] [SECONDS]
# [tally serve flags...]
set -euo pipefail
cd "$(dirname "$0")/.."
tally=${1:-build/release/tools/tally}
seconds=${2:-10}
shift $(($# < 2 ? $# : 2))  # the rest goes to tally serve (--io-threads, --command-shards…)
. scripts/bench_http_support.sh
start_server "$tally" --example-domain "$@"

cat > "$dir/command.lua" <<LUA
-- Increments of 10,000 counters, picked at random: distinct streams, like many terminals.
wrk.method = "POST"
wrk.body = '{"by":1}'
wrk.headers["Authorization"] = "Bearer $key"
wrk.headers["Content-Type"] = "application/json"
request = function()
  return wrk.format(nil, "/api/v1/example/counters/c" .. math.random(10000) .. "/increment")
end
LUA

echo "wrk, 64 connections, 2 threads, ${seconds}s a run, ${ROUNDS:-3} interleaved runs each" \
  "(median shown), keep-alive, fsync on"
rounds "GET /healthz=http://127.0.0.1:$port/healthz" \
  "POST increment (command)=-s $dir/command.lua http://127.0.0.1:$port"
awk -v c="${rate[POST increment (command)]}" -v h="${rate[GET /healthz]}" \
  'BEGIN { printf "command / healthz = %.2f (target >= 0.5)\n", c / h }'
