#!/usr/bin/env bash
# Adds up the counters of every .trx file in a folder and prints "N passed, N failed[, N skipped]".
# Names every test that did not pass (with its message, on one line) just above that line, so the
# tail of a CI log says which test failed. Exits non-zero when a test failed or when no test ran at all.
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
# A failed result in a .trx: <UnitTestResult ... testName="..." ... outcome="Failed" ...> then <Message>.
for f in "${files[@]}"; do
  python3 - "$f" <<'PY' || true
import sys, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
for result in ET.parse(sys.argv[1]).getroot().iterfind(".//t:UnitTestResult", ns):
    if result.get("outcome") in ("Passed", "NotExecuted"):
        continue
    message = result.find(".//t:Message", ns)
    # Every line of the message on one line: an Assert.Multiple's first line names none of its failures.
    lines = [l.strip() for l in (message.text or "").splitlines() if l.strip()] if message is not None else []
    text = " | ".join(lines)
    text = text if len(text) <= 900 else text[:900] + " ..."
    print(f"not passed: {result.get('testName')} ({result.get('outcome')}, {result.get('duration')}): {text}")
PY
done
line="$passed passed, $failed failed"
[ "$skipped" -gt 0 ] && line="$line, $skipped skipped"
echo "$line"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
