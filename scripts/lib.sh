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

# Starts a private RabbitMQ node: rabbitmq_start DIR PORT. Sets RABBIT_ENV (array of env assignments) and RABBIT_NODE.
rabbitmq_start() {
  local dir=$1 port=$2
  mkdir -p "$dir"
  printf 'listeners.tcp.default = 127.0.0.1:%s\nloopback_users = none\n' "$port" > "$dir/rabbitmq.conf"
  echo '[].' > "$dir/enabled_plugins"
  RABBIT_NODE="jxdemo$port@localhost"
  RABBIT_ENV=(HOME="$dir" RABBITMQ_NODENAME="$RABBIT_NODE" RABBITMQ_NODE_PORT="$port" RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
    RABBITMQ_DIST_PORT="$(free_port)" ERL_EPMD_PORT="$(free_port)" ERL_EPMD_ADDRESS=127.0.0.1
    RABBITMQ_MNESIA_BASE="$dir/mnesia" RABBITMQ_LOG_BASE="$dir/log" RABBITMQ_PID_FILE="$dir/rabbitmq.pid"
    RABBITMQ_CONFIG_FILE="$dir/rabbitmq.conf" RABBITMQ_ENABLED_PLUGINS_FILE="$dir/enabled_plugins")
  # The cookie exists before the node and rabbitmqctl start: each would otherwise create it with its own random value at
  # the same moment, and rabbitmqctl would be refused ("Invalid challenge reply") until its wait timed out.
  if [ ! -f "$dir/.erlang.cookie" ]; then
    (umask 077; od -An -N16 -tx1 /dev/urandom | tr -d ' \n' > "$dir/.erlang.cookie")
    chmod 400 "$dir/.erlang.cookie"
  fi
  env "${RABBIT_ENV[@]}" /usr/lib/rabbitmq/bin/rabbitmq-server > "$dir/server.out" 2>&1 &
  RABBIT_PID=$!
  env "${RABBIT_ENV[@]}" /usr/lib/rabbitmq/bin/rabbitmqctl -n "$RABBIT_NODE" wait "$dir/rabbitmq.pid" --timeout 60 > /dev/null
}

rabbitmq_stop() {
  [ -n "${RABBIT_NODE:-}" ] || return 0
  env "${RABBIT_ENV[@]}" /usr/lib/rabbitmq/bin/rabbitmqctl -n "$RABBIT_NODE" stop > /dev/null 2>&1 || kill "$RABBIT_PID" 2>/dev/null || true
  wait "$RABBIT_PID" 2>/dev/null || true
  env "${RABBIT_ENV[@]}" epmd -kill > /dev/null 2>&1 || true
  RABBIT_NODE=
}
