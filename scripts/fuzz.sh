#!/usr/bin/env bash
# Runs each libFuzzer harness of native/fuzz for a bounded time from the corpus kept in the repo.
# Usage: scripts/fuzz.sh [SECONDS_PER_HARNESS] [HARNESS...]  (or FUZZ_SECONDS=...; default 60)
# New interesting inputs and crash inputs go to a temporary directory (printed), never into the
# repo's corpus: copy what is worth keeping by hand. Exits 1 when any harness crashed.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-${FUZZ_SECONDS:-60}}
shift || true
harnesses=("$@")
((${#harnesses[@]})) || harnesses=(packet_parse payload_capture flow_aggregate)

make -s -C native/fuzz
out=$(mktemp -d -t flowlens-fuzz.XXXXXX)
echo "fuzz: ${seconds} s per harness; new inputs and crashes in $out"
crashed=0
for h in "${harnesses[@]}"; do
  mkdir -p "$out/$h/new" "$out/$h/crashes"
  log="$out/$h/fuzz.log"
  rc=0
  # The first corpus directory receives the new inputs; the repo's is only read.
  "native/fuzz/build/${h}_fuzz" -max_total_time="$seconds" -print_final_stats=1 \
    -artifact_prefix="$out/$h/crashes/" "$out/$h/new" "native/fuzz/corpus/$h" >"$log" 2>&1 || rc=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  new=$(find "$out/$h/new" -type f | wc -l)
  if [ "$rc" -eq 0 ]; then
    echo "fuzz: $h: ${runs:-?} executions, $new new inputs, no crash"
  else
    crashed=1
    echo "fuzz: $h: CRASH (exit $rc) after ${runs:-?} executions; input: $(ls "$out/$h/crashes" | head -1); log: $log"
    grep -E -A30 '^==[0-9]+==|runtime error|invariant violated' "$log" | head -40
  fi
done
exit "$crashed"
