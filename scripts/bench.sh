#!/usr/bin/env bash
# make bench: builds the exporter and bench/JobExporter.Benchmarks in Release and runs every benchmark against a
# private RabbitMQ node (started and stopped by the benchmark itself); writes docs/benchmarks.md.
#   make bench            the full run (batched ingest of 3.2 M and 1.6 M events; longer than the 15 minutes it took with 1 M)
#   make bench QUICK=1    fewer events and rounds, a few minutes; writes .tmp/bench/benchmarks-quick.md
#   BENCH_ONLY=ingest,apply make bench    only some parts (ingest, http-ingest, sidecar, apply, scrape, cardinality, celery, celery-redis, shards, emitter, http-emitter, hooks);
#     a partial run writes .tmp/bench/benchmarks-partial.md and leaves the full report in docs/benchmarks.md alone
#   OUT=/tmp/report.md make bench    writes the report there instead (any mode)
#   BENCH_ONLY=sidecar BENCH_SIDECAR_JOBS=10000 BENCH_SIDECAR_SHAPES=1 make bench QUICK=1    a quick look at one shape
#   BENCH_ONLY=ingest BENCH_BATCHED_SHAPES=24:1600000 make bench QUICK=1    one batched shape at full size, quick rounds
#   BENCH_ONLY=ingest BENCH_BATCHED_SHAPES=24:1600000 BENCH_ROUNDS=7 make bench    the same with 7 rounds, to compare two builds
#   BENCH_ONLY=scrape BENCH_SCRAPE_SHAPES=1000x80 make bench    the scrape part at about 700,000 series only (the full run has it too), draining
#     6,000,000 events, enough scrapes for a p99 (BENCH_GCDUMP=1 with the JIT build: live heap after a full collection too)
#   BENCH_EXPORTER=src/JobExporter/bin/Release/net10.0/JobExporter.dll make bench    the JIT build instead of NativeAOT
# The exporter measured is the one the image ships: published with NativeAOT (clang and lld, from `make bench`'s deps).
set -euo pipefail
cd "$(dirname "$0")/.."
DOTNET=${DOTNET:-dotnet}
args=()
command="make bench"
quick=
if [ -n "${QUICK:-}" ] && [ "${QUICK}" != 0 ]; then
  quick=1
  args+=(--quick --out .tmp/bench/benchmarks-quick.md)
  command="make bench QUICK=1"
  mkdir -p .tmp/bench
fi
if [ -n "${BENCH_ONLY:-}" ]; then
  args+=(--only "$BENCH_ONLY")
  command="BENCH_ONLY=$BENCH_ONLY $command"
  # docs/benchmarks.md is the full run's report: a few parts must not replace it.
  if [ -z "$quick" ]; then
    args+=(--out .tmp/bench/benchmarks-partial.md)
    mkdir -p .tmp/bench
  fi
fi
if [ -n "${OUT:-}" ]; then
  # The last --out given wins.
  args+=(--out "$OUT")
fi
$DOTNET build src/JobExporter -c Release -nologo -v q
$DOTNET build bench/JobExporter.Benchmarks -c Release -nologo -v q
if [ -z "${BENCH_EXPORTER:-}" ]; then
  # As deploy/Dockerfile publishes it.
  $DOTNET publish src/JobExporter/JobExporter.csproj -c Release -r linux-x64 -p:PublishAot=true -nologo -v q -o .tmp/bench/exporter-aot
  export BENCH_EXPORTER=.tmp/bench/exporter-aot/JobExporter
fi
# Bounded: the full run took 40 minutes and more on 2 busy cores once the batched shapes reached 3.2 M and 1.6 M
# events, and the Redis and HTTP parts were added; anything past 90 is a hang.
BENCH_COMMAND="$command" timeout --kill-after=30s 90m \
  $DOTNET bench/JobExporter.Benchmarks/bin/Release/net10.0/JobExporter.Benchmarks.dll "${args[@]}"
