#!/usr/bin/env bash
# Adds up the counters of every .trx file in a folder and prints "N passed, N failed[, N skipped]".
# Exits non-zero when a test failed or when no test ran at all.
set -euo pipefail
dir=${1:?usage: test-summary.sh RESULTS_DIR}
passed=0 failed=0 skipped=0
shopt -s nullglob
files=("$dir"/*.trx "$dir"/*/*.trx)
for f in "${files[@]}"; do
  counters=$(grep -o '<Counters [^>]*>' "$f" | head -1)
  get() { echo "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*' || echo 0; }
  p=$(get passed); fl=$(get failed); t=$(get total); e=$(get executed); err=$(get error); to=$(get timeout); ab=$(get aborted)
  passed=$((passed + p))
  failed=$((failed + fl + err + to + ab))
  skipped=$((skipped + t - e))
done
line="$passed passed, $failed failed"
[ "$skipped" -gt 0 ] && line="$line, $skipped skipped"
echo "$line"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
