#!/usr/bin/env bash
# A private RabbitMQ node from Debian's rabbitmq-server: its files, environment and cookie live in one folder, it listens
# on loopback only and has its own epmd, so that it never touches another node. The one owner of how such a node is laid
# out: `make run` (scripts/lib.sh) and the test and benchmark fixture (tests/JobExporter.Testing/RabbitMqNode.cs) use it.
#
#   rabbitmq-node.sh prepare DIR PORT [options]   writes DIR/rabbitmq.conf, DIR/enabled_plugins, DIR/node.env, the cookie
#       --name PREFIX        node name PREFIX<PORT>@localhost (default jx)
#       --dist-port N        Erlang distribution port (default: a free port)
#       --epmd-port N        epmd port, shared by the nodes of one cluster (default: a free port)
#       --cookie VALUE       Erlang cookie, shared by the nodes of one cluster (default: random); a cookie already in DIR is kept
#       --tls-port N --tls-ca FILE --tls-cert FILE --tls-key FILE [--tls-verify-peer]   also listen for amqps://
#   rabbitmq-node.sh server DIR        runs the node in the foreground (exec: the caller's pid is the node's)
#   rabbitmq-node.sh wait DIR [SECONDS] waits until the node has started (default 60 s); non-zero if it did not
#   rabbitmq-node.sh ctl DIR ARGS...   runs rabbitmqctl against the node
#   rabbitmq-node.sh epmd-kill DIR     ends the node's epmd, which outlives the node
set -euo pipefail
source "$(dirname "$0")/lib.sh"
rabbit_bin=/usr/lib/rabbitmq/bin

# Reads DIR/node.env (KEY=VALUE lines, written by prepare) into the array node_env, the node's name into node_name and
# its pid file into pid_file.
load() {
  [ -f "$1/node.env" ] || { echo "rabbitmq-node.sh: $1/node.env is missing: run prepare first." >&2; exit 2; }
  mapfile -t node_env < "$1/node.env"
  node_name=$(sed -n 's/^RABBITMQ_NODENAME=//p' "$1/node.env")
  pid_file=$(sed -n 's/^RABBITMQ_PID_FILE=//p' "$1/node.env")
}

prepare() {
  local dir=$1 port=$2; shift 2
  local name=jx dist_port="" epmd_port="" cookie="" tls_port="" tls_ca="" tls_cert="" tls_key="" verify=verify_none fail_if_no_cert=false
  while [ $# -gt 0 ]; do
    case $1 in
      --name) name=$2; shift 2 ;;
      --dist-port) dist_port=$2; shift 2 ;;
      --epmd-port) epmd_port=$2; shift 2 ;;
      --cookie) cookie=$2; shift 2 ;;
      --tls-port) tls_port=$2; shift 2 ;;
      --tls-ca) tls_ca=$2; shift 2 ;;
      --tls-cert) tls_cert=$2; shift 2 ;;
      --tls-key) tls_key=$2; shift 2 ;;
      --tls-verify-peer) verify=verify_peer; fail_if_no_cert=true; shift ;;
      *) echo "rabbitmq-node.sh prepare: unknown option $1" >&2; exit 2 ;;
    esac
  done
  mkdir -p "$dir"
  {
    printf 'listeners.tcp.default = 127.0.0.1:%s\nloopback_users = none\n' "$port"
    if [ -n "$tls_port" ]; then
      printf 'listeners.ssl.default = 127.0.0.1:%s\nssl_options.cacertfile = %s\nssl_options.certfile = %s\nssl_options.keyfile = %s\n' \
        "$tls_port" "$tls_ca" "$tls_cert" "$tls_key"
      printf 'ssl_options.verify = %s\nssl_options.fail_if_no_peer_cert = %s\n' "$verify" "$fail_if_no_cert"
    fi
  } > "$dir/rabbitmq.conf"
  echo '[].' > "$dir/enabled_plugins"
  cat > "$dir/node.env" <<ENV
HOME=$dir
RABBITMQ_NODENAME=$name$port@localhost
RABBITMQ_NODE_PORT=$port
RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
RABBITMQ_DIST_PORT=${dist_port:-$(free_port)}
ERL_EPMD_PORT=${epmd_port:-$(free_port)}
ERL_EPMD_ADDRESS=127.0.0.1
RABBITMQ_MNESIA_BASE=$dir/mnesia
RABBITMQ_LOG_BASE=$dir/log
RABBITMQ_PID_FILE=$dir/rabbitmq.pid
RABBITMQ_CONFIG_FILE=$dir/rabbitmq.conf
RABBITMQ_ENABLED_PLUGINS_FILE=$dir/enabled_plugins
ENV
  # Erlang nodes (and rabbitmqctl) talk only to nodes with the same cookie, read from $HOME, owner-read-only. It exists
  # before the node and rabbitmqctl start: each would otherwise create it with its own random value at the same moment,
  # and rabbitmqctl would be refused ("Invalid challenge reply") until its wait timed out. A node started again keeps it.
  if [ ! -f "$dir/.erlang.cookie" ]; then
    (umask 077; if [ -n "$cookie" ]; then printf '%s' "$cookie"; else od -An -N16 -tx1 /dev/urandom | tr -d ' \n'; fi > "$dir/.erlang.cookie")
    chmod 400 "$dir/.erlang.cookie"
  fi
}

# rabbitmqctl wait reads the pid file as soon as it appears, which can be before the node has written it: it then says
# garbage_in_pid_file while the node starts as usual (one fresh-check run of three failed on it). So it reads it again.
wait_started() {
  local timeout=${1:-60} output status attempt
  for attempt in 1 2 3; do
    status=0
    output=$(env "${node_env[@]}" "$rabbit_bin/rabbitmqctl" -n "$node_name" wait "$pid_file" --timeout "$timeout" 2>&1) || status=$?
    [ "$status" -ne 0 ] || return 0
    if [ "$attempt" -lt 3 ] && [[ $output == *garbage_in_pid_file* ]]; then sleep 0.2; continue; fi
    printf '%s\n' "$output" >&2
    return "$status"
  done
}

command=${1:-}
[ $# -ge 2 ] || { sed -n '2,/^set /p' "$0" | sed '$d' >&2; exit 2; }
dir=$2
shift 2
case $command in
  prepare) prepare "$dir" "$@" ;;
  server) load "$dir"; exec env "${node_env[@]}" "$rabbit_bin/rabbitmq-server" ;;
  wait) load "$dir"; wait_started "$@" ;;
  ctl) load "$dir"; exec env "${node_env[@]}" "$rabbit_bin/rabbitmqctl" -n "$node_name" "$@" ;;
  epmd-kill) load "$dir"; exec env "${node_env[@]}" epmd -kill ;;
  *) echo "rabbitmq-node.sh: unknown command $command (prepare, server, wait, ctl, epmd-kill)" >&2; exit 2 ;;
esac
