# Shared shell helpers for the Makefile's scripts.

# Prints a TCP port on 127.0.0.1 that nothing listens on.
free_port() {
  local port
  while :; do
    port=$(( (RANDOM << 1 | RANDOM & 1) % 30000 + 20000 ))
    if ! port_taken "$port"; then echo "$port"; return; fi
  done
}

# True when something listens on 127.0.0.1:PORT.
port_taken() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Prints PORT when it is free on 127.0.0.1, else a free port: preferred_port PORT.
preferred_port() {
  if port_taken "$1"; then free_port; else echo "$1"; fi
}

# Waits until an HTTP GET of URL succeeds: wait_http URL SECONDS. Returns 1 after the deadline.
wait_http() {
  local url=$1 deadline=$((SECONDS + $2))
  until curl -fsS -o /dev/null "$url" 2>/dev/null; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.2
  done
}

# True when FILE exists and no source under the DIRs (nor the repository's Directory.*.props) is newer:
# up_to_date FILE DIR... Used to skip `dotnet build`, whose no-op run still takes many seconds.
up_to_date() {
  local file=$1; shift
  [ -f "$file" ] || return 1
  [ -z "$(find "$@" "$root"/Directory.Build.props "$root"/Directory.Packages.props \( -path '*/bin' -o -path '*/obj' \) -prune -o \
    -type f -newer "$file" -print -quit)" ]
}

# Starts a private RabbitMQ node (scripts/rabbitmq-node.sh) and waits until it is ready: rabbitmq_start DIR PORT.
# Sets RABBIT_DIR and RABBIT_PID for rabbitmq_stop.
rabbitmq_start() {
  local node
  node="$(dirname "${BASH_SOURCE[0]}")/rabbitmq-node.sh"
  RABBIT_DIR=$1
  "$node" prepare "$RABBIT_DIR" "$2" --name jxdemo
  "$node" server "$RABBIT_DIR" > "$RABBIT_DIR/server.out" 2>&1 &
  RABBIT_PID=$!
  "$node" wait "$RABBIT_DIR" 60
}

rabbitmq_stop() {
  [ -n "${RABBIT_DIR:-}" ] || return 0
  local node
  node="$(dirname "${BASH_SOURCE[0]}")/rabbitmq-node.sh"
  "$node" ctl "$RABBIT_DIR" stop > /dev/null 2>&1 || kill "$RABBIT_PID" 2>/dev/null || true
  wait "$RABBIT_PID" 2>/dev/null || true
  "$node" epmd-kill "$RABBIT_DIR" > /dev/null 2>&1 || true
  RABBIT_DIR=
}
