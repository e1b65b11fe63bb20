#!/usr/bin/env bash
# HTTP benchmark (issue 4): wrk with keep-alive and 64 connections against the example
# counter's command endpoint (each answer after its fsync) and against /healthz (the framing
# ceiling), in the same run. Usage: scripts/bench_http.sh [PATH/TO/tally] [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
tally=${1:-build/release/tools/tally}
seconds=${2:-10}
shift $(($# < 2 ? $# : 2))  # the rest goes to tally serve (--io-threads, --command-shards…)
dir=$(mktemp -d "${TMPDIR:-/tmp}/tally-bench-http-XXXXXX")
out="$dir/serve.out"
"$tally" serve --data-dir "$dir/data" --listen 127.0.0.1:0 --example-domain --quiet "$@" > "$out" 2>&1 &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 100); do grep -q "listening on" "$out" && break; sleep 0.1; done
port=$(sed -n 's/.*listening on http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$out")
key=$(cat "$dir/data/admin.key")

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

run() {  # name, wrk args...
  local name=$1
  shift
  local report
  report=$(wrk -t 2 -c 64 -d "${seconds}s" --latency "$@")
  local rate p50 p99 errors
  rate=$(awk '/Requests\/sec/ {print $2}' <<< "$report")
  p50=$(awk '$1 == "50%" {print $2}' <<< "$report")
  p99=$(awk '$1 == "99%" {print $2}' <<< "$report")
  errors=$(grep -E "Non-2xx|Socket errors" <<< "$report" || true)
  printf '%-28s %12s req/s   p50 %8s   p99 %8s  %s\n' "$name" "$rate" "$p50" "$p99" "$errors" >&2
  echo "$rate"
}
echo "wrk, 64 connections, 2 threads, ${seconds}s each, keep-alive, fsync on"
health=$(run "GET /healthz" "http://127.0.0.1:$port/healthz")
command=$(run "POST increment (command)" -s "$dir/command.lua" "http://127.0.0.1:$port")
awk -v c="$command" -v h="$health" 'BEGIN { printf "command / healthz = %.2f (target >= 0.5)\n", c / h }'
