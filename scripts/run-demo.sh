#!/usr/bin/env bash
# `make run`: a private RabbitMQ node, the exporter and a demo event generator, all on loopback with data
# in a temp folder. Ctrl-C stops everything it started and removes the folder.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/scripts/lib.sh"
configuration=${CONFIGURATION:-Release}

echo "Building..."
dotnet build "$root/src/JobExporter" -c "$configuration" -nologo -v q > /dev/null
dotnet build "$root/src/JobExporter.Demo" -c "$configuration" -nologo -v q > /dev/null

work=$(mktemp -d /tmp/jobexporter-demo.XXXXXX)
pids=()
cleanup() {
  trap - EXIT INT TERM
  echo; echo "Stopping..."
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rabbitmq_stop
  rm -rf "$work"
  echo "Stopped; nothing left running."
}
trap cleanup EXIT INT TERM

amqp_port=$(free_port)
echo "Starting RabbitMQ on 127.0.0.1:$amqp_port..."
rabbitmq_start "$work/rabbitmq" "$amqp_port"
broker="amqp://guest:guest@127.0.0.1:$amqp_port/"

web_port=${PORT:-9821}
if (exec 3<>"/dev/tcp/127.0.0.1/$web_port") 2>/dev/null; then web_port=$(free_port); fi
dotnet "$root/src/JobExporter/bin/$configuration/net10.0/JobExporter.dll" --broker.url "$broker" \
  --web.listen-address "127.0.0.1:$web_port" --systems hangfire,masstransit > "$work/exporter.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$web_port") 2>/dev/null; then break; fi
  sleep 0.2
done
dotnet "$root/src/JobExporter.Demo/bin/$configuration/net10.0/JobExporter.Demo.dll" "$broker" 5 > "$work/demo.log" 2>&1 &
pids+=($!)

cat <<MSG

JobExporter demo is running.
  metrics:   http://127.0.0.1:$web_port/metrics
  readiness: http://127.0.0.1:$web_port/readyz
  RabbitMQ:  $broker
  logs:      $work/exporter.log, $work/demo.log
Try: curl -s http://127.0.0.1:$web_port/metrics | grep -E '^jobs_(succeeded|failed)_total'
Press Ctrl-C to stop everything.
MSG
wait "${pids[0]}"
