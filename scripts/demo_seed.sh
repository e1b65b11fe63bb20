#!/usr/bin/env bash
# Seeds demo data into a running tally server through its HTTP API (api.md): three priced
# products, an exchange voucher and two balance coupons (explicit codes, so a second run on
# the same data dir answers coupon_exists and keeps them), a customer owning one of them, and
# a pos key of store S1. Usage: demo_seed.sh URL ADMIN_KEY. Prints what it made.
set -euo pipefail
url=$1
admin=$2
expires=$(date -u -d '+365 days' +%Y-%m-%dT%H:%M:%SZ)

call() {  # METHOD PATH BODY -> "STATUS BODY"
  curl -s -o /tmp/tally-demo.$$ -w '%{http_code}' -X "$1" -H "Authorization: Bearer $admin" \
    -H 'Content-Type: application/json' -d "$3" "$url$2"
  echo " $(cat /tmp/tally-demo.$$)"
  rm -f /tmp/tally-demo.$$
}
expect() {  # WHAT ANSWER OK-CODES...
  local what=$1 answer=$2 status=${2%% *}
  shift 2
  for ok in "$@"; do [[ $status == "$ok" || $answer == *"\"code\":\"$ok\""* ]] && return 0; done
  echo "demo data: $what failed: $answer" >&2
  exit 1
}

for p in AMERICANO:Americano:4500 LATTE:Latte:5000 CAKE:Cheesecake:6500; do
  IFS=: read -r id name price <<<"$p"
  expect "product $id" "$(call PUT "/api/v1/products/$id" "{\"name\":\"$name\",\"price\":$price}")" 200
done
expect "customer C-DEMO" "$(call POST /api/v1/customers \
  '{"customer_id":"C-DEMO","name":"Demo Customer","email":"demo@example.com","phone":"+82-10-0000-0000"}')" \
  201 customer_exists
coupon() {  # CODE BODY
  expect "coupon $1" "$(call POST /api/v1/coupons "{\"coupon_code\":\"$1\",$2,\"expires_at\":\"$expires\"}")" \
    201 coupon_exists
}
coupon DEMO-VOUCHER-LATTE '"kind":"exchange","face_value":5000,"product_id":"LATTE"'
coupon DEMO-BALANCE-10000 '"kind":"balance","face_value":10000'
coupon DEMO-BALANCE-CUSTOMER '"kind":"balance","face_value":20000,"customer_id":"C-DEMO"'
pos=$(call POST /api/v1/admin/keys '{"role":"pos","store_id":"S1"}')
expect "pos key" "$pos" 201
pos_key=$(sed -n 's/.*"key":"\([^"]*\)".*/\1/p' <<<"${pos#* }")

cat <<MSG
demo data:
  products  AMERICANO 4500, LATTE 5000, CAKE 6500
  coupons   DEMO-VOUCHER-LATTE (exchange voucher for LATTE, face value 5000)
            DEMO-BALANCE-10000 (balance coupon, 10000)
            DEMO-BALANCE-CUSTOMER (balance coupon, 20000, issued to customer C-DEMO)
  customer  C-DEMO
  pos key   $pos_key (store S1)
MSG
echo "$pos_key" >"${TALLY_DEMO_POS_KEY_FILE:-/dev/null}"
