#!/usr/bin/env bash
# `make pictures`: pictures of the overview and per-job dashboards with real data, in docs/images/. Starts the
# `make run` demo (scripts/run-demo.sh) on free ports, lets it run for MINUTES (default 6) so that the rate windows fill,
# plots every panel from the dashboards' own queries against the demo's Prometheus (scripts/dashboard_pictures.py,
# Debian's python3-matplotlib), then stops the demo it started (SIGTERM to its pid: the demo stops what it started).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
source scripts/lib.sh
minutes=${MINUTES:-6}
"$root/scripts/install-deps.sh" python3-matplotlib:/usr/lib/python3/dist-packages/matplotlib/__init__.py
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
prometheus_port=$(free_port)
log=$(mktemp /tmp/jobexporter-pictures.XXXXXX.log)
PORT=$(free_port) PROMETHEUS_PORT=$prometheus_port ALERTMANAGER_PORT=$(free_port) scripts/run-demo.sh > "$log" 2>&1 &
demo=$!
stop() { kill "$demo" 2>/dev/null || true; wait "$demo" 2>/dev/null || true; rm -f "$log"; }
trap stop EXIT
prometheus="http://127.0.0.1:$prometheus_port"
wait_http "$prometheus/-/ready" 300 || { echo "The demo's Prometheus did not start:" >&2; cat "$log" >&2; exit 1; }
# Data: the demo sends jobs continuously; the pictures show its first minutes.
echo "The demo runs; plotting its last $minutes minutes at $(date -u -d "+$minutes min" +%H:%M) UTC..."
sleep $((minutes * 60))
kill -0 "$demo" 2>/dev/null || { echo "The demo stopped early:" >&2; cat "$log" >&2; exit 1; }
mkdir -p docs/images
/usr/bin/python3 scripts/dashboard_pictures.py --prometheus "$prometheus" --minutes "$minutes" --out docs/images
