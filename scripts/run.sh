#!/usr/bin/env bash
# Installs what is missing, builds tally (Release), then runs `tally serve` on ./data
# (127.0.0.1:8080; TALLY_LISTEN overrides) with demo data seeded through its HTTP API
# (scripts/demo_seed.sh), prints the admin key path and curl examples, and stays in the
# foreground: Ctrl-C stops the server (it drains and exits 0).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/release --target tally

data=./data
listen=${TALLY_LISTEN:-127.0.0.1:8080}
url=http://$listen
out=$(mktemp)
build/release/tools/tally serve --data-dir "$data" --listen "$listen" --quiet >"$out" &
server=$!
# A job started with & in a script ignores SIGINT, so Ctrl-C reaches the server as SIGTERM;
# on any exit (a failed seed too) the server is not left behind.
trap 'kill -TERM $server 2>/dev/null || true' INT TERM EXIT
for _ in $(seq 100); do
  grep -q "listening on" "$out" && break
  kill -0 $server 2>/dev/null || { cat "$out"; echo "tally serve did not start" >&2; exit 1; }
  sleep 0.1
done
cat "$out"
admin_key=$data/admin.key
pos_file=$(mktemp)
TALLY_DEMO_POS_KEY_FILE=$pos_file scripts/demo_seed.sh "$url" "$(cat "$admin_key")"
pos_key=$(cat "$pos_file")
rm -f "$pos_file" "$out"
cat <<MSG

admin key: $admin_key     (K=\$(cat $admin_key))
try:
  curl -s -H "Authorization: Bearer $pos_key" -d '{"coupon_code":"DEMO-BALANCE-10000","store_id":"S1"}' $url/api/v1/coupon/check
  curl -s -H "Authorization: Bearer $pos_key" -d '{"coupon_code":"DEMO-BALANCE-10000","store_id":"S1","transaction_id":"T-'\$RANDOM'","amount":1500}' $url/api/v1/coupon/redeem
  curl -s -H "Authorization: Bearer \$(cat $admin_key)" $url/api/v1/customers/C-DEMO/balances
tally serve is running in the foreground; Ctrl-C stops it.
MSG
wait $server || true
wait $server 2>/dev/null || true
