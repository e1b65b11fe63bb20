#!/bin/sh
# Builds the request-decoding fuzz target with clang (libFuzzer + ASan + UBSan) and runs it.
# Usage: run_fuzz.sh OUT_DIR SECONDS   (CTest runs it for a few seconds; run longer by hand)
set -eu
out=$1
seconds=$2
src=$(cd "$(dirname "$0")/../../.." && pwd)
mkdir -p "$out/corpus"
# Seeds: a few well-formed inputs, so the fuzzer starts from the interesting shapes.
printf '/api/v1/log?from=3&limit=10\n{"id":"C9","amount":5}' > "$out/corpus/seed1"
printf '/api/v1/streams/coupon-1%%2D2\n{"store_id":"S1","name":"x"}' > "$out/corpus/seed2"
printf '/api/v1/admin/projections/schedules/rebuild\n2026-11-25T09:30:00.25Z' > "$out/corpus/seed3"
if [ ! -x "$out/decode_fuzz" ] || [ "$src/api/input.cc" -nt "$out/decode_fuzz" ] ||
   [ "$src/tests/api/fuzz/decode_fuzz.cc" -nt "$out/decode_fuzz" ]; then
  clang++ -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -I"$src" "$src/tests/api/fuzz/decode_fuzz.cc" "$src/api/input.cc" "$src/api/http.cc" \
    "$src/api/problem.cc" "$src/api/router.cc" "$src/core/result.cc" "$src/core/clock.cc" \
    -lfmt -o "$out/decode_fuzz"
fi
"$out/decode_fuzz" -max_total_time="$seconds" -max_len=4096 -timeout=5 "$out/corpus" 2>&1 | tail -3
