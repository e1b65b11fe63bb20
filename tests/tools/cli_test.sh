#!/bin/sh
# The tally binary's offline tools as a user runs them: exit codes and messages of
# `tally rebuild`, `tally verify` (and `serve` refusing) on a real data dir, a missing one, a
# wrong name and a dir whose log went missing.
# Usage: cli_test.sh PATH/TO/tally
set -u
tally=$1
scratch=$(mktemp -d "${TMPDIR:-/tmp}/tally-cli-XXXXXX")
trap 'rm -rf "$scratch"' EXIT
failures=0

# expect CODE PATTERN COMMAND...: COMMAND exits CODE and its output matches PATTERN.
expect() {
  code=$1 pattern=$2
  shift 2
  out=$("$@" 2>&1)
  got=$?
  if [ "$got" -ne "$code" ] || ! printf '%s' "$out" | grep -q -- "$pattern"; then
    echo "FAIL: $* -> exit $got (want $code), output:"
    echo "$out"
    failures=$((failures + 1))
  fi
}

"$tally" bench rebuild --events 3000 --runs 1 --dir "$scratch/data" > /dev/null || {
  echo "FAIL: could not fill a data dir"
  exit 1
}

expect 0 "schedules: rebuilt up to position 3000" "$tally" rebuild --data-dir "$scratch/data" --all
expect 0 "schedules 100%" "$tally" rebuild --data-dir "$scratch/data" schedules
expect 0 "api_keys: rebuilt up to position 3000" "$tally" rebuild --data-dir "$scratch/data" api_keys
expect 2 "no read model named nosuch; known: schedules" \
  "$tally" rebuild --data-dir "$scratch/data" nosuch
expect 2 "name a read model or pass --all" "$tally" rebuild --data-dir "$scratch/data"
expect 2 "names excludes --all" "$tally" rebuild --data-dir "$scratch/data" --all schedules
expect 2 "no tally data dir" "$tally" rebuild --data-dir "$scratch/missing" --all
[ -e "$scratch/missing" ] && { echo "FAIL: rebuild created a data dir"; failures=$((failures + 1)); }

listing() { (cd "$scratch/data" && find . -type f -exec stat -c '%n %s %Y' {} + | sort); }
before=$(listing)
expect 0 "log intact: positions 1..3000 verified" "$tally" verify --data-dir "$scratch/data"
# verify writes nothing (no manifest, WAL or info log of its own): snapshots stay as they were.
[ "$(listing)" = "$before" ] || { echo "FAIL: verify changed the data dir"; failures=$((failures + 1)); }
expect 2 "cannot open" "$tally" verify --data-dir "$scratch/missing"
# A copy made without the LOCK file (backups often leave it out) is checked all the same.
mv "$scratch/data/LOCK" "$scratch/LOCK.away"
expect 0 "log intact: positions 1..3000 verified" "$tally" verify --data-dir "$scratch/data"
[ -e "$scratch/data/LOCK" ] && { echo "FAIL: verify made a LOCK"; failures=$((failures + 1)); }
mv "$scratch/LOCK.away" "$scratch/data/LOCK"

# Usage errors exit 2 like every other refusal, and say what is wrong.
expect 2 "no command named nosuch" "$tally" nosuch
expect 2 "A subcommand is required" "$tally"
expect 2 "not expected: --bogus" "$tally" verify --bogus
expect 2 "not in range 1 to 64" "$tally" serve --io-threads 0
expect 0 "^tally [0-9]" "$tally" --version
expect 0 "Usage:" "$tally" verify --help

# Offline, an erasure's reason is checked as the server checks it, before anything is written.
expect 2 "reason must not be empty" \
  "$tally" erase --data-dir "$scratch/data" --subject customer:C1 --reason ""
expect 0 "log intact: positions 1..3000 verified" "$tally" verify --data-dir "$scratch/data"

# A data dir in use whose log went missing (a volume not mounted): refused by every tool, and
# no new log is made in its place.
mv "$scratch/data/log" "$scratch/log.away"
expect 1 "log is never made anew" "$tally" verify --data-dir "$scratch/data"
expect 2 "log is never made anew" "$tally" rebuild --data-dir "$scratch/data" --all
expect 2 "log is never made anew" "$tally" serve --data-dir "$scratch/data" --listen 127.0.0.1:0
[ -e "$scratch/data/log" ] && { echo "FAIL: a new log was made"; failures=$((failures + 1)); }
mv "$scratch/log.away" "$scratch/data/log"
expect 0 "log intact: positions 1..3000 verified" "$tally" verify --data-dir "$scratch/data"

[ "$failures" -eq 0 ] && echo "all CLI checks passed"
exit "$failures"
