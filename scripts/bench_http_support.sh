# Sourced by the HTTP benchmarks: starts `tally serve` on a free loopback port in a temporary
# data dir (stopped and removed on exit), and runs wrk against it.
#   start_server TALLY [SERVE FLAGS...]   sets $dir, $port, $key (the admin key)
#   run NAME WRK-ARGS...                  prints a line to stderr, echoes req/s
start_server() {
  local tally=$1
  shift
  dir=$(mktemp -d "${TMPDIR:-/tmp}/tally-bench-http-XXXXXX")
  local out="$dir/serve.out"
  "$tally" serve --data-dir "$dir/data" --listen 127.0.0.1:0 --quiet "$@" >"$out" 2>&1 &
  server_pid=$!
  trap 'kill -TERM $server_pid 2>/dev/null; wait $server_pid 2>/dev/null; rm -rf "$dir"' EXIT
  for _ in $(seq 100); do grep -q "listening on" "$out" && break; sleep 0.1; done
  port=$(sed -n 's/.*listening on http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$out")
  key=$(cat "$dir/data/admin.key")
}

run() {  # name, wrk args...
  local name=$1
  shift
  local report
  report=$(wrk -t 2 -c 64 -d "${seconds}s" --latency "$@")
  local rate p50 p99 errors
  rate=$(awk '/Requests\/sec/ {print $2}' <<<"$report")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$report")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$report")
  errors=$(grep -E "Non-2xx|Socket errors" <<<"$report" || true)
  printf '%-32s %12s req/s   p50 %8s   p99 %8s  %s\n' "$name" "$rate" "$p50" "$p99" "$errors" >&2
  echo "$rate"
}
