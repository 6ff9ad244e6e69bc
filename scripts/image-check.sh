#!/usr/bin/env bash
# `make image-check`: builds deploy/Dockerfile with podman and checks the running image as a user would.
# The build: ../shared/image-check.sh when it is there, next to the checkout or, from a git worktree, next to the main
# checkout (it builds local stand-ins of Microsoft's base images on a machine that cannot pull them), otherwise
# `podman build` of the real base images. Then, each in its own container:
#   a non-root uid; /metrics with build_info{revision} of this commit; no HTTP_PORTS warning in the log; no stray files
#   in /app; and the image's HEALTHCHECK passing by default, with another listen address (as an argument and as a
#   variable), with TLS (a self-signed certificate), and with basic auth (with and without the check's credentials),
#   and failing with wrong credentials and on a port nothing listens on.
# Needs root (podman) and openssl; uses the host network and free ports. Prints one line per check; exits 1 on a failure.
set -euo pipefail
cd "$(dirname "$0")/.."
image=${IMAGE_CHECK_IMAGE:-jobexporter:check}
revision=$(git rev-parse HEAD)
# ../shared next to this checkout or, from a git worktree, next to the repository's main checkout.
main_checkout=$(dirname "$(git rev-parse --path-format=absolute --git-common-dir)")
build=${IMAGE_CHECK_BUILD:-}
if [ -z "$build" ]; then
  for candidate in ../shared/image-check.sh "$main_checkout/../shared/image-check.sh"; do
    if [ -x "$candidate" ]; then build=$candidate; break; fi
  done
fi

if [ -n "$build" ] && [ -x "$build" ]; then
  echo "== build: $build"
  "$build"
else
  echo "== build: podman build of deploy/Dockerfile"
  podman build --network=host --format docker -f deploy/Dockerfile --build-arg REVISION="$revision" -t "$image" .
fi

work=$(mktemp -d)
prefix=jx-check-$$
cleanup() {
  # Only the containers this run started: their names carry this shell's pid.
  for c in $(podman ps -a --format '{{.Names}}' | grep "^$prefix-" || true); do podman rm -f -t 2 "$c" >/dev/null 2>&1 || true; done
  rm -rf "$work"
}
trap cleanup EXIT
failures=0
pass() { echo "ok    $*"; }
fail() { echo "FAIL  $*"; failures=$((failures + 1)); }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# Starts a container; the rest of the arguments go to podman run (options, then the image and the exporter's arguments).
start() {
  local name=$prefix-$1; shift
  # Without systemd, podman cannot start the HEALTHCHECK's timer and says so on each run; this script runs the check
  # itself (podman healthcheck run), so that line is dropped and any other error is shown.
  podman run -d --name "$name" --network=host -v "$work:/check:ro" \
    -e JOBEXPORTER_BROKER_URL=amqp://guest:guest@127.0.0.1:1/ "$@" >/dev/null 2> >(grep -v 'unable to get systemd connection' >&2)
  echo "$name"
}

# Runs the image's HEALTHCHECK until it passes (30 s at most, while the exporter starts); prints its last answer.
healthy() {
  local name=$1 deadline=$((SECONDS + 30)) out
  while :; do
    if out=$(podman healthcheck run "$name" 2>&1); then echo "$out"; return 0; fi
    [ $SECONDS -lt $deadline ] || { echo "$out"; return 1; }
    sleep 1
  done
}

# What the exporter itself answered: the check's own line, run as the image's HEALTHCHECK command runs it.
said() { podman exec "$1" /app/JobExporter healthcheck 2>&1 || true; }

check_health() {
  local what=$1 name=$2
  if healthy "$name" >/dev/null; then pass "HEALTHCHECK, $what: $(said "$name")"
  else fail "HEALTHCHECK, $what: $(said "$name"); log: $(podman logs "$name" 2>&1 | tail -3)"; fi
}

echo "== image $image: $(podman image inspect "$image" --format '{{.Size}}' | awk '{printf "%.1f MB", $1/1e6}'), revision $revision"
# The base image is Microsoft's runtime-deps (or its stand-in); the exporter's own part is the layer that copies /app.
echo "      the exporter's layer (COPY /app): $(podman history "$image" --format '{{.Size}}|{{.CreatedBy}}' | awk -F'|' '/COPY/{print $1; exit}')"
healthcheck=$(podman image inspect "$image" --format '{{json .Config.Healthcheck}}' 2>/dev/null || echo null)
if [[ $healthcheck == *healthcheck* ]]; then pass "the image keeps its HEALTHCHECK: $healthcheck"
else fail "the image has no HEALTHCHECK (built in OCI format? podman and buildah need --format docker): $healthcheck"; fi

# Default settings.
port=9821
if (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null; then
  port=$(free_port)
  echo "      (9821 is taken on this machine: the default case listens on $port through the variable)"
  c=$(start default -e JOBEXPORTER_WEB_LISTEN_ADDRESS=":$port" "$image")
else
  c=$(start default "$image")
fi
check_health "default settings" "$c"
uid=$(podman exec "$c" sh -c "awk '/^Uid:/{print \$2}' /proc/1/status")
if [ "$uid" != 0 ]; then pass "the exporter runs as uid $uid ($(podman exec "$c" sh -c "id -un $uid"))"; else fail "the exporter runs as root"; fi
build_info=$(curl -sf "http://127.0.0.1:$port/metrics" | grep '^jobs_exporter_build_info' || true)
short=$(grep -o 'revision="[^"]*"' <<<"$build_info" | sed 's/revision="//; s/"//')
if [ -n "$short" ] && [[ $revision == "$short"* ]]; then pass "/metrics: $build_info"; else fail "/metrics build_info '$build_info' is not revision $revision"; fi
if podman logs "$c" 2>&1 | grep -q 'HTTP_PORTS'; then fail "the log warns about HTTP_PORTS: $(podman logs "$c" 2>&1 | grep HTTP_PORTS)"
else pass "no HTTP_PORTS warning in the log"; fi
files=$(podman exec "$c" ls /app | tr '\n' ' ')
if [[ $files == "JobExporter " ]]; then pass "/app holds only: $files"; else fail "/app holds more than the executable: $files"; fi
rss=$(podman exec "$c" sh -c "awk '/^VmRSS:/{print \$2}' /proc/1/status")
echo "      idle RSS $((rss / 1024)) MiB"

# Another listen address, given as an argument (the health check reads process 1's) and as a variable.
p=$(free_port)
c=$(start arg "$image" --web.listen-address="127.0.0.1:$p")
check_health "--web.listen-address=127.0.0.1:$p as an argument" "$c"
p=$(free_port)
c=$(start env -e JOBEXPORTER_WEB_LISTEN_ADDRESS=":$p" "$image")
check_health "JOBEXPORTER_WEB_LISTEN_ADDRESS=:$p" "$c"

# TLS with a self-signed certificate for another name than the one the check connects to.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=jobexporter.example \
  -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null
printf 'tls_server_config:\n  cert_file: /check/cert.pem\n  key_file: /check/key.pem\n' > "$work/tls.yml"
# The check's user and password, and the bcrypt hash of that password ("image-check secret", cost 10).
hash='$2a$10$JqnXHbQ/1mP4eQcIlFhvNeU2cVjdUAWpQuVz/VEsQZwR3oavkrUBq'
printf 'basic_auth_users:\n  prometheus: %s\n' "$hash" > "$work/auth.yml"
printf 'tls_server_config:\n  cert_file: /check/cert.pem\n  key_file: /check/key.pem\nbasic_auth_users:\n  prometheus: %s\n' "$hash" > "$work/both.yml"
chmod 755 "$work"; chmod 644 "$work"/*

p=$(free_port)
c=$(start tls -e JOBEXPORTER_WEB_LISTEN_ADDRESS=":$p" -e JOBEXPORTER_WEB_CONFIG_FILE=/check/tls.yml "$image")
check_health "TLS, self-signed certificate" "$c"
code=$(curl -sk -o /dev/null -w '%{http_code}' "https://127.0.0.1:$p/healthz" || true)
[ "$code" = 200 ] && pass "TLS: curl -k https://127.0.0.1:$p/healthz answers 200" || fail "TLS: https /healthz answered '$code'"

p=$(free_port)
c=$(start auth "$image" --web.listen-address=":$p" --web.config.file=/check/auth.yml)
check_health "basic auth, no credentials for the check (the 401 challenge)" "$c"
p=$(free_port)
c=$(start auth-creds -e JOBEXPORTER_HEALTHCHECK_USER=prometheus -e "JOBEXPORTER_HEALTHCHECK_PASSWORD=image-check secret" \
  "$image" --web.listen-address=":$p" --web.config.file=/check/both.yml)
check_health "TLS and basic auth, with the check's credentials" "$c"
code=$(curl -sk -u 'prometheus:image-check secret' -o /dev/null -w '%{http_code}' "https://127.0.0.1:$p/metrics" || true)
[ "$code" = 200 ] && pass "TLS and basic auth: /metrics answers 200 to the credentials" || fail "TLS and basic auth: /metrics answered '$code'"
if podman exec -e JOBEXPORTER_HEALTHCHECK_PASSWORD=wrong "$c" /app/JobExporter healthcheck >"$work/out" 2>&1; then
  fail "wrong credentials: the check passed: $(cat "$work/out")"
else pass "wrong credentials: the check fails: $(cat "$work/out")"; fi
if podman exec "$c" /app/JobExporter healthcheck --web.listen-address=":$(free_port)" >"$work/out" 2>&1; then
  fail "a port nothing listens on: the check passed"
else pass "a port nothing listens on: the check fails: $(cat "$work/out")"; fi

if [ $failures -eq 0 ]; then echo "image-check: every check passed"; else echo "image-check: $failures failed"; exit 1; fi
