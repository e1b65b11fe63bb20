#!/usr/bin/env bash
# HTTP benchmark (issue 5): wrk with keep-alive and 64 connections against
# POST /api/v1/coupon/redeem, each answer after its fsync, over 10,000 balance coupons picked
# at random (distinct) and over one coupon (hot), next to the /healthz ceiling in the same run.
# Usage: ROUNDS=3 scripts/bench_redeem.sh [PATH/TO/tally] [SECONDS] [tally serve flags...]
set -euo pipefail
cd "$(dirname "$0")/.."
tally=${1:-build/release/tools/tally}
seconds=${2:-10}
shift $(($# < 2 ? $# : 2))
. scripts/bench_http_support.sh
start_server "$tally" "$@"

# 10,000 coupons and a pos key of store S1, issued through the API by 32 keep-alive clients.
pos=$(python3 - "$port" "$key" <<'PY'
import http.client, json, sys, threading, datetime
port, admin = int(sys.argv[1]), sys.argv[2]
expires = (datetime.datetime.utcnow() + datetime.timedelta(days=365)).strftime("%Y-%m-%dT%H:%M:%SZ")
def post(conn, path, body):
    conn.request("POST", path, json.dumps(body), {"Authorization": "Bearer " + admin,
                                                  "Content-Type": "application/json"})
    answer = conn.getresponse()
    data = json.loads(answer.read())
    if answer.status != 201:
        sys.exit(f"{path}: {answer.status} {data}")
    return data
codes = [f"BENCH-{i:05d}" for i in range(10000)] + ["BENCH-HOT"]
def issue(part):
    conn = http.client.HTTPConnection("127.0.0.1", port)
    for code in part:
        post(conn, "/api/v1/coupons", {"coupon_code": code, "kind": "balance",
                                       "face_value": 10**12, "expires_at": expires})
threads = [threading.Thread(target=issue, args=(codes[i::32],)) for i in range(32)]
for t in threads: t.start()
for t in threads: t.join()
conn = http.client.HTTPConnection("127.0.0.1", port)
print(post(conn, "/api/v1/admin/keys", {"role": "pos", "store_id": "S1"})["key"])
PY
)

redeem_script() {  # NAME-PREFIX CODE-EXPRESSION: a wrk script with unique transaction ids
  # Unique across runs too: wrk's random numbers repeat from run to run, so ids made of a
  # thread number and a counter alone would make every run after the first replay the first
  # one's transactions (answered from the stored outcome, with no append) instead of
  # redeeming. Each thread's Lua state reads its own random prefix.
  # The request is the fixed head built once and a fresh body: wrk.format per request cost
  # a third of the client's user CPU, taken from the server that shares the machine with it.
  cat <<LUA
local uuid = io.open("/proc/sys/kernel/random/uuid")
local run = uuid:read("*l"):sub(1, 13)
uuid:close()
local head = "POST /api/v1/coupon/redeem HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\n" ..
    "Authorization: Bearer $pos\\r\\nContent-Type: application/json\\r\\nContent-Length: "
local n = 0
request = function()
  n = n + 1
  local code = $2
  local body = '{"coupon_code":"' .. code .. '","store_id":"S1","transaction_id":"$1' .. run ..
      '-' .. n .. '","amount":1}'
  return head .. #body .. "\\r\\n\\r\\n" .. body
end
LUA
}
redeem_script D 'string.format("BENCH-%05d", math.random(0, 9999))' >"$dir/distinct.lua"
redeem_script H '"BENCH-HOT"' >"$dir/hot.lua"

# Not measured: 2 s of redeems first, while the read models finish the 10,000 issues, so the
# first measured run does not pay for them.
measured_seconds=$seconds seconds=2
wrk_once -s "$dir/distinct.lua" "http://127.0.0.1:$port" >/dev/null
seconds=$measured_seconds

echo "wrk, 64 connections, 2 threads, ${seconds}s a run, ${ROUNDS:-3} interleaved runs each" \
  "(median shown), keep-alive, fsync on, after a 2 s warm-up"
rounds "GET /healthz=http://127.0.0.1:$port/healthz" \
  "POST redeem, 10k coupons=-s $dir/distinct.lua http://127.0.0.1:$port" \
  "POST redeem, one hot coupon=-s $dir/hot.lua http://127.0.0.1:$port"
awk -v d="${rate[POST redeem, 10k coupons]}" -v h="${rate[GET /healthz]}" \
  -v t="${rate[POST redeem, one hot coupon]}" 'BEGIN {
  printf "distinct / healthz = %.2f (target >= 0.5), hot / distinct = %.2f (target >= 0.5)\n",
         d / h, t / d }'
