#!/usr/bin/env bash
# `make run`: the whole loop on one machine, without Docker. A private RabbitMQ node, the exporter, a demo Hangfire
# worker and a demo MassTransit worker (src/JobExporter.Demo, the emitters set up as docs/quick-start.md shows), a Celery worker
# started with -E and a Celery client sending it tasks (src/JobExporter.Demo/Celery, Debian's python3-celery), Prometheus
# with the mixin's alert and recording rules scraping the exporter, and Alertmanager receiving its alerts. All on
# loopback, all data in one temp folder. Ctrl-C or SIGTERM stops everything it started and removes the folder.
#
# Environment: PORT (exporter, default 9821), PROMETHEUS_PORT (9090), ALERTMANAGER_PORT (9093): each is used when
# free, else a free port is taken; JOBS_PER_SECOND (3 per worker); SKIP_BUILD=1 uses the built binaries as they are (by default, projects whose
# sources are newer than their build output are built first); DEMO_CELERY_BROKER=redis runs the Celery worker on a private
# redis-server instead of RabbitMQ, and the exporter reads its events there (--celery.broker-url; the emitters stay on RabbitMQ);
# DEMO_TRANSPORT=http has the Hangfire and MassTransit emitters post their events straight to the exporter
# (JobExporter:ExporterUrl, the exporter's --web.enable-ingest; see docs/http-transport.md) instead of through RabbitMQ,
# which still carries the MassTransit bus and Celery.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/scripts/lib.sh"
configuration=${CONFIGURATION:-Release}
exporter_dll="$root/src/JobExporter/bin/$configuration/net10.0/JobExporter.dll"
demo_dll="$root/src/JobExporter.Demo/bin/$configuration/net10.0/JobExporter.Demo.dll"

for tool in /usr/bin/prometheus /usr/bin/prometheus-alertmanager /usr/lib/rabbitmq/bin/rabbitmq-server curl; do
  command -v "$tool" > /dev/null || { echo "$tool is missing: run \`make deps\`." >&2; exit 1; }
done
[ -f /usr/lib/python3/dist-packages/celery/__init__.py ] || { echo "python3-celery is missing: run \`make deps\`." >&2; exit 1; }
# Build what changed since the last build (SKIP_BUILD=1: never).
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  if ! up_to_date "$exporter_dll" "$root"/src/JobExporter "$root"/src/JobExporter.Contracts "$root"/src/JobExporter.Emitter "$root"/src/JobExporter.Transport "$root"/src/JobExporter.HangfireStorage; then
    echo "Building the exporter..."
    dotnet build "$root/src/JobExporter" -c "$configuration" -nologo -v q > /dev/null
  fi
  if ! up_to_date "$demo_dll" "$root"/src/JobExporter.Demo "$root"/src/JobExporter.Contracts "$root"/src/JobExporter.Emitter "$root"/src/JobExporter.Transport "$root"/src/JobExporter.Hangfire "$root"/src/JobExporter.MassTransit; then
    echo "Building the demo workers..."
    dotnet build "$root/src/JobExporter.Demo" -c "$configuration" -nologo -v q > /dev/null
  fi
fi

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
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

exporter_port=$(preferred_port "${PORT:-9821}")
prometheus_port=$(preferred_port "${PROMETHEUS_PORT:-9090}")
alertmanager_port=$(preferred_port "${ALERTMANAGER_PORT:-9093}")
rate=${JOBS_PER_SECOND:-3}

# Alertmanager and Prometheus first: they need no broker.
mkdir -p "$work/alertmanager" "$work/prometheus/rules" "$work/prometheus/data"
cp "$root/deploy/local/alertmanager.yml" "$work/alertmanager/alertmanager.yml"
/usr/bin/prometheus-alertmanager --config.file "$work/alertmanager/alertmanager.yml" --storage.path "$work/alertmanager" \
  --web.listen-address "127.0.0.1:$alertmanager_port" --cluster.listen-address= > "$work/alertmanager.log" 2>&1 &
pids+=($!)
sed -e "s/127\.0\.0\.1:9821/127.0.0.1:$exporter_port/" -e "s/127\.0\.0\.1:9093/127.0.0.1:$alertmanager_port/" \
  "$root/deploy/local/prometheus.yml" > "$work/prometheus/prometheus.yml"
# The demo's rendering of the mixin, with its own failure-burst classes (deploy/local/mixin-config.jsonnet).
cp "$root/deploy/local/rules/prometheus_alerts.yaml" "$root/deploy/local/rules/prometheus_rules.yaml" "$work/prometheus/rules/"
/usr/bin/prometheus --config.file "$work/prometheus/prometheus.yml" --storage.tsdb.path "$work/prometheus/data" \
  --web.listen-address "127.0.0.1:$prometheus_port" > "$work/prometheus.log" 2>&1 &
pids+=($!)

# A port found free can be taken before the node binds it (make test starts many nodes and clients at once; one run saw
# "rabbit_is_not_running"): the node is stopped, its last words shown, and another port tried.
for attempt in 1 2 3; do
  amqp_port=$(free_port)
  echo "Starting RabbitMQ on 127.0.0.1:$amqp_port..."
  if rabbitmq_start "$work/rabbitmq-$attempt" "$amqp_port"; then break; fi
  echo "RabbitMQ did not start on 127.0.0.1:$amqp_port; its output ended with:" >&2
  tail -n 5 "$work/rabbitmq-$attempt/server.out" >&2 || true
  rabbitmq_stop
  [ "$attempt" -lt 3 ] || exit 1
done
broker="amqp://guest:guest@127.0.0.1:$amqp_port/"

celery_broker="amqp://guest:guest@127.0.0.1:$amqp_port//"
celery_flags=()
if [ "${DEMO_CELERY_BROKER:-rabbitmq}" = redis ]; then
  command -v /usr/bin/redis-server > /dev/null || { echo "/usr/bin/redis-server is missing: run \`make deps\`." >&2; exit 1; }
  [ -f /usr/lib/python3/dist-packages/redis/__init__.py ] || { echo "python3-redis (Celery's Redis client) is missing: run \`make deps\`." >&2; exit 1; }
  redis_port=$(free_port)
  echo "Starting Redis on 127.0.0.1:$redis_port for Celery..."
  mkdir -p "$work/redis"
  /usr/bin/redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$work/redis" --save "" --appendonly no \
    > "$work/redis.log" 2>&1 &
  pids+=($!)
  celery_broker="redis://127.0.0.1:$redis_port/0"
  celery_flags=(--celery.broker-url "$celery_broker")
fi

# The emitters' transport: RabbitMQ, or HTTP straight to the exporter (BrokerUrl emptied: appsettings.json sets it).
emitter_flags=(--JobExporter:BrokerUrl="$broker")
ingest_flags=()
if [ "${DEMO_TRANSPORT:-rabbitmq}" = http ]; then
  emitter_flags=(--JobExporter:BrokerUrl= --JobExporter:ExporterUrl="http://127.0.0.1:$exporter_port/")
  ingest_flags=(--web.enable-ingest)
fi

# The JIT build reads the gen0 budget cap only from the environment; the value is the one the NativeAOT build compiles in.
gen0_max_budget=$(sed -n 's:.*<Gen0MaxBudget>\(.*\)</Gen0MaxBudget>.*:\1:p' "$root/src/JobExporter/JobExporter.csproj")
DOTNET_GCGen0MaxBudget="$gen0_max_budget" dotnet "$exporter_dll" --broker.url "$broker" "${ingest_flags[@]}" --web.listen-address "127.0.0.1:$exporter_port" \
  --systems hangfire,masstransit,celery --celery.enabled "${celery_flags[@]}" --rabbitmq.poll-interval 5s > "$work/exporter.log" 2>&1 &
exporter_pid=$!
pids+=("$exporter_pid")

# Each worker heartbeats every 5 s, so the exporter marks it down 15 s after it dies.
dotnet "$demo_dll" hangfire "${emitter_flags[@]}" --JobExporter:Hostname=demo-hangfire-1 \
  --JobExporter:HeartbeatInterval=00:00:05 --Demo:JobsPerSecond="$rate" > "$work/hangfire-worker.log" 2>&1 &
hangfire_pid=$!
pids+=("$hangfire_pid")
dotnet "$demo_dll" masstransit --RabbitMq:Url="$broker" "${emitter_flags[@]}" --JobExporter:Hostname=demo-masstransit-1 \
  --JobExporter:HeartbeatInterval=00:00:05 --Demo:JobsPerSecond="$rate" > "$work/masstransit-worker.log" 2>&1 &
masstransit_pid=$!
pids+=("$masstransit_pid")
# Celery: Debian's interpreter (it has python3-celery), the worker with task events on (-E), and a client sending tasks.
# The exporter binds its Celery queue at start; the worker's heartbeats (every 2 s) bring it up even if it came first.
export CELERY_BROKER_URL="$celery_broker" CELERY_TASK_QUEUE=demo PYTHONDONTWRITEBYTECODE=1
export PYTHONPATH="$root/src/JobExporter.Demo/Celery"
/usr/bin/python3 -m celery -A jobexporter_celery_app worker -E --hostname celery@demo-celery-1 --concurrency 2 \
  --without-gossip --without-mingle --queues demo --loglevel INFO > "$work/celery-worker.log" 2>&1 &
celery_pid=$!
pids+=("$celery_pid")
/usr/bin/python3 "$root/src/JobExporter.Demo/Celery/jobexporter_celery_app.py" demo "$rate" > "$work/celery-client.log" 2>&1 &
pids+=($!)

wait_http "http://127.0.0.1:$exporter_port/healthz" 60 || { echo "The exporter did not start; see $work/exporter.log:" >&2; cat "$work/exporter.log" >&2; exit 1; }
wait_http "http://127.0.0.1:$prometheus_port/-/ready" 60 || { echo "Prometheus did not start:" >&2; cat "$work/prometheus.log" >&2; exit 1; }
wait_http "http://127.0.0.1:$alertmanager_port/-/ready" 60 || { echo "Alertmanager did not start:" >&2; cat "$work/alertmanager.log" >&2; exit 1; }

cat <<MSG

JobExporter demo is running (data and logs in $work).
  metrics:       http://127.0.0.1:$exporter_port/metrics
  Prometheus:    http://127.0.0.1:$prometheus_port/alerts   (InvoiceJob.Send fails in bursts: JobExporterJobFailureBurst fires in about 2 min)
  Alertmanager:  http://127.0.0.1:$alertmanager_port/
  RabbitMQ:      $broker
  workers:       Hangfire pid $hangfire_pid (demo-hangfire-1), MassTransit pid $masstransit_pid (demo-masstransit-1),
                 Celery pid $celery_pid (celery@demo-celery-1, broker $celery_broker)
  logs:          $work/{exporter,hangfire-worker,masstransit-worker,celery-worker,celery-client,prometheus,alertmanager}.log
Try:   curl -s http://127.0.0.1:$exporter_port/metrics | grep -E '^jobs_(succeeded|failed)_total'
Kill a worker to watch JobExporterAllWorkersDown and JobExporterWorkerDown fire, each 1 min after the exporter's
15 s timeout; stop one gracefully (it says goodbye) and WorkerDown stays quiet:
       kill -9 $hangfire_pid        kill $masstransit_pid
Press Ctrl-C to stop everything.
MSG
wait "$exporter_pid"
