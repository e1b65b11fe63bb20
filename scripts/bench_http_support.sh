# Sourced by the HTTP benchmarks: starts `tally serve` on a free loopback port in a temporary
# data dir (stopped and removed on exit), and runs wrk against it.
#   start_server TALLY [SERVE FLAGS...]   sets $dir, $port, $key (the admin key)
#   rounds NAME=WRK-ARGS...               runs each workload ROUNDS times (default 3),
#                                         interleaved, and sets rate[NAME] to the median run;
#                                         the median run's line shows the server's CPU per
#                                         request
# Interleaving matters on a shared machine: a noisy minute then hits every workload alike
# instead of one of them, so the ratios of medians hold better than those of single runs.
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

server_cpu_ticks() {  # user + system CPU of the server so far, in clock ticks
  awk '{print $14 + $15}' "/proc/$server_pid/stat"
}

wrk_once() {  # wrk args... → "rate p50 p99 cpu errors"
  # cpu: the server's CPU per request in µs. On a shared VM whose speed drifts, it shows what
  # a change saved more steadily than req/s does.
  local report before after
  before=$(server_cpu_ticks)
  report=$(wrk -t 2 -c 64 -d "${seconds}s" --latency "$@")
  after=$(server_cpu_ticks)
  local rate p50 p99 cpu errors
  rate=$(awk '/Requests\/sec/ {print $2}' <<<"$report")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$report")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$report")
  cpu=$(awk -v n="$(awk '/requests in/ {print $1}' <<<"$report")" -v ticks=$((after - before)) \
    -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.0f", (n > 0 ? ticks * 1e6 / hz / n : 0) }')
  errors=$(grep -E "Non-2xx|Socket errors" <<<"$report" | tr -s ' ' | tr '\n' ' ' || true)
  echo "$rate $p50 $p99 $cpu $errors"
}

declare -A rate
rounds() {  # NAME=ARGS... (ARGS split on spaces)
  local n=${ROUNDS:-3} names=() spec name
  declare -A runs
  for ((i = 1; i <= n; i++)); do
    for spec in "$@"; do
      name=${spec%%=*}
      # shellcheck disable=SC2086
      runs[$name]+="$(wrk_once ${spec#*=})"$'\n'
      ((i == 1)) && names+=("$name")
    done
  done
  for name in "${names[@]}"; do
    local median
    median=$(sort -g <<<"${runs[$name]%$'\n'}" | sed -n "$(((n + 1) / 2))p")
    read -r r p50 p99 cpu errors <<<"$median"
    rate[$name]=$r
    printf '%-30s %10s req/s   p50 %8s   p99 %8s   server CPU %4s µs/req  %s(runs: %s)\n' \
      "$name" "$r" "$p50" "$p99" "$cpu" "$errors" "$(awk '{printf "%s ", $1}' <<<"${runs[$name]}")"
  done
}
