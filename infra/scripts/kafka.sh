#!/usr/bin/env bash
# Apache Kafka (the real broker) resolved from Maven Central with Maven, run with Java 17 in
# KRaft combined mode (broker + controller) on 127.0.0.1, secured (docs/architecture.md, "Trust
# on the bus"): clients authenticate with SASL/SCRAM-SHA-512 (SASL_PLAINTEXT on loopback; a
# production listener is SASL_SSL), the StandardAuthorizer denies whatever no ACL allows. SCRAM
# users (IC_KAFKA_PRINCIPALS) are created when the storage is formatted, with random passwords
# written to $RUN_DIR/kafka/credentials/<principal>.json (mode 0600); a principal added to the list
# later is created on the running broker at the next `start` (no format). Topics and ACLs are made by
# the provisioning CLI (packages/event-log/src/provisioning), which `infra/stack up` runs.
#
# IC_KAFKA_NODES=N (default 1) runs N nodes, each broker + controller (KRaft combined mode, a static
# quorum of N voters): node i listens on IC_KAFKA_PORT + 100*(i-1) (clients) and
# IC_KAFKA_CONTROLLER_PORT + 100*(i-1) (controller), keeps its data in $RUN_DIR/kafka/node-i and logs
# to $RUN_DIR/logs/kafka-node-i.log. With 3 nodes the internal topics are replicated 3 times and
# min.insync.replicas=2 is the broker default, so every topic created with replication factor 3
# keeps accepting acks=all writes with one broker down. One node keeps the single-broker layout
# ($RUN_DIR/kafka/data, logs/kafka.log).
# Usage: kafka.sh install|start|stop|status|brokers|stop-node I|start-node I
source "$(dirname "$0")/lib.sh"
KAFKA_PORT="${IC_KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${IC_KAFKA_CONTROLLER_PORT:-9093}"
# Benchmarks only (test/bench/e2e-latency.bench.ts, security on vs off): an extra listener without
# authentication whose anonymous clients are super users, so no ACL applies to them. Off unless
# set when Kafka starts; never in a deployment.
KAFKA_OPEN_PORT="${IC_KAFKA_OPEN_PORT:-}"
# `start` runs IC_KAFKA_NODES nodes (default 1); the other commands act on as many as the storage
# was last formatted for, so `infra/stack down` stops a three-node cluster without the variable.
if [[ -n "${IC_KAFKA_NODES:-}" ]]; then KAFKA_NODES="$IC_KAFKA_NODES"
elif [[ "${1:-}" == start || "${1:-}" == install ]]; then KAFKA_NODES=1
else KAFKA_NODES="$(cat "$RUN_DIR/kafka/nodes" 2>/dev/null || echo 1)"; fi
[[ "$KAFKA_NODES" =~ ^[1-9]$ ]] || die "IC_KAFKA_NODES must be a number of nodes from 1 to 9, got '$KAFKA_NODES'"
KAFKA_LIB="$CACHE_DIR/kafka-$KAFKA_VERSION/lib"
KAFKA_DIR="$RUN_DIR/kafka"
KAFKA_CREDENTIALS="$KAFKA_DIR/credentials"
# One SCRAM user each: the set-up super user, the matcher, one per bridge (cluster nodes alpha and
# bravo), the read-only consumer of public invoice events, the webhook relay, the operator console
# (describe only: consumer lag).
KAFKA_PRINCIPALS="${IC_KAFKA_PRINCIPALS:-admin matcher public bridge-alpha bridge-bravo webhook-relay operator-console}"
# The SCRAM users the storage holds (written at a format, extended when one is added to a running
# broker): storage without it (formatted before the broker was secured) is formatted again.
SCRAM_MARKER="$KAFKA_DIR/scram-principals"
# How many nodes the storage was formatted for (a different count formats again).
NODES_MARKER="$KAFKA_DIR/nodes"

# Per node: its directory (config, data, pid), log file and ports.
node_dir() { if (( KAFKA_NODES == 1 )); then echo "$KAFKA_DIR"; else echo "$KAFKA_DIR/node-$1"; fi; }
node_log_name() { if (( KAFKA_NODES == 1 )); then echo kafka; else echo "kafka-node-$1"; fi; }
node_log() { echo "$RUN_DIR/logs/$(node_log_name "$1").log"; }
node_pid() { echo "$(node_dir "$1")/kafka.pid"; }
node_port() { echo $((KAFKA_PORT + 100 * ($1 - 1))); }
node_controller_port() { echo $((KAFKA_CONTROLLER_PORT + 100 * ($1 - 1))); }
all_nodes() { seq 1 "$KAFKA_NODES"; }
# The client bootstrap list, comma-separated.
cmd_brokers() { local i out=(); for i in $(all_nodes); do out+=("127.0.0.1:$(node_port "$i")"); done; (IFS=,; echo "${out[*]}"); }

cmd_install() {
  if [[ -f "$KAFKA_LIB/.complete" ]]; then log "Kafka $KAFKA_VERSION jars cached in $KAFKA_LIB"; return; fi
  require_tool java "install a Java 17 runtime (Debian: openjdk-17-jre-headless)"
  require_tool mvn "install Maven (Debian: maven)"
  log "resolving Kafka $KAFKA_VERSION and its dependencies from Maven Central (first run only)"
  rm -rf "$KAFKA_LIB"; mkdir -p "$KAFKA_LIB"
  mvn -q -B -f "$INFRA_DIR/kafka/pom.xml" -Dkafka.version="$KAFKA_VERSION" \
    dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$KAFKA_LIB" >&2
  touch "$KAFKA_LIB/.complete"
}

KAFKA_JAVA=(java -Xms256m -Xmx768m -Dlog4j2.configurationFile="$KAFKA_DIR/log4j2.properties"
  -Dkafka.logs.dir="$RUN_DIR/logs" -cp "$KAFKA_LIB/*")

node_status() {
  local pid; pid="$(node_pid "$1")"
  [[ -f "$pid" ]] && kill -0 "$(cat "$pid")" 2>/dev/null && port_open "$(node_port "$1")" \
    && grep -q "Kafka Server started" "$(node_log "$1")" 2>/dev/null
}
cmd_status() { local i; for i in $(all_nodes); do node_status "$i" || return 1; done; }

random_secret() { head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n'; }

# True when the storage was formatted with SCRAM users for this node count and every principal of
# KAFKA_PRINCIPALS that it holds has its credentials file (one it does not hold yet is added by
# add_new_principals once the broker runs).
storage_current() {
  [[ -f "$(node_dir 1)/data/meta.properties" && -f "$SCRAM_MARKER" ]] || return 1
  [[ "$(cat "$NODES_MARKER" 2>/dev/null || echo 1)" == "$KAFKA_NODES" ]] || return 1
  local principal
  for principal in $KAFKA_PRINCIPALS; do
    stored_principal "$principal" || continue
    [[ -f "$KAFKA_CREDENTIALS/$principal.json" ]] || return 1
  done
}

# True when the storage holds the SCRAM user (the marker names it).
stored_principal() { [[ " $(cat "$SCRAM_MARKER" 2>/dev/null) " == *" $1 "* ]]; }

# Creates the principals of KAFKA_PRINCIPALS the running broker does not hold yet (added to the
# list after the format), as the admin, through the AlterUserScramCredentials API (Kafka's
# ConfigCommand): a random password each, written to its credentials file; nothing is restarted.
# The passwords go through files in a private temporary directory, never on a command line.
add_new_principals() {
  local principal new=()
  for principal in $KAFKA_PRINCIPALS; do stored_principal "$principal" || new+=("$principal"); done
  (( ${#new[@]} )) || return 0
  local tmp; tmp="$(mktemp -d)"; chmod 700 "$tmp"
  (umask 077; printf '%s\n' "security.protocol=SASL_PLAINTEXT" "sasl.mechanism=SCRAM-SHA-512" \
    "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username=\"admin\" password=\"$(jq -r .password "$KAFKA_CREDENTIALS/admin.json")\";" \
    > "$tmp/admin.properties")
  for principal in "${new[@]}"; do
    [[ "$principal" =~ ^[a-z0-9-]+$ ]] || { rm -rf "$tmp"; die "IC_KAFKA_PRINCIPALS: '$principal' is not [a-z0-9-]+"; }
    log "adding SCRAM user $principal to the running Kafka"
    local password; password="$(random_secret)"
    (umask 077; printf 'SCRAM-SHA-512=iterations=8192,password=%s\n' "$password" > "$tmp/scram.properties")
    if ! "${KAFKA_JAVA[@]}" -Dkafka.log.name=kafka-admin kafka.admin.ConfigCommand --bootstrap-server "$(cmd_brokers)" \
      --command-config "$tmp/admin.properties" --alter --add-config-file "$tmp/scram.properties" \
      --entity-type users --entity-name "$principal" >"$tmp/out" 2>&1; then
      # (ConfigCommand may quote the property it refused: its password is cut out.)
      sed 's/password=[^],"; ]*/password=[redacted]/g' "$tmp/out" >&2; rm -rf "$tmp"; die "could not add SCRAM user $principal"
    fi
    (umask 077; jq -n --arg u "$principal" --arg p "$password" \
      '{username:$u, password:$p, mechanism:"scram-sha-512"}' > "$KAFKA_CREDENTIALS/$principal.json")
    printf '%s' "$(cat "$SCRAM_MARKER") $principal" > "$SCRAM_MARKER"
  done
  rm -rf "$tmp"
}

# New random passwords for every principal (only before a format: the storage holds the users).
write_credentials() {
  rm -rf "$KAFKA_CREDENTIALS"
  mkdir -p "$KAFKA_CREDENTIALS"; chmod 700 "$KAFKA_CREDENTIALS"
  local principal
  for principal in $KAFKA_PRINCIPALS; do
    [[ "$principal" =~ ^[a-z0-9-]+$ ]] || die "IC_KAFKA_PRINCIPALS: '$principal' is not [a-z0-9-]+"
    (umask 077; jq -n --arg u "$principal" --arg p "$(random_secret)" \
      '{username:$u, password:$p, mechanism:"scram-sha-512"}' > "$KAFKA_CREDENTIALS/$principal.json")
  done
}

# One node's server.properties (mode 0600: it holds the admin and controller passwords).
write_node_config() {
  local i="$1" admin_password="$2" controller_password="$3"
  local dir port controller_port; dir="$(node_dir "$i")"; port="$(node_port "$i")"; controller_port="$(node_controller_port "$i")"
  mkdir -p "$dir"
  local open_listener="" open_advertised="" open_map="" open_super=""
  if [[ -n "$KAFKA_OPEN_PORT" ]]; then
    (( KAFKA_NODES == 1 )) || die "IC_KAFKA_OPEN_PORT is for the single-broker benchmark stack only"
    log "WARNING: IC_KAFKA_OPEN_PORT=$KAFKA_OPEN_PORT opens an unauthenticated super-user listener (benchmarks only)"
    open_listener=",OPEN://127.0.0.1:$KAFKA_OPEN_PORT" open_advertised=",OPEN://127.0.0.1:$KAFKA_OPEN_PORT"
    open_map=",OPEN:PLAINTEXT" open_super=";User:ANONYMOUS"
  fi
  local quorum replicas=1 min_isr=1
  if (( KAFKA_NODES == 1 )); then
    quorum="controller.quorum.bootstrap.servers=127.0.0.1:$controller_port"
  else
    local voters=() n
    for n in $(all_nodes); do voters+=("$n@127.0.0.1:$(node_controller_port "$n")"); done
    quorum="controller.quorum.voters=$(IFS=,; echo "${voters[*]}")"
    replicas=$(( KAFKA_NODES < 3 ? KAFKA_NODES : 3 ))
    min_isr=$(( replicas > 1 ? replicas - 1 : 1 ))
  fi
  (umask 077; cat > "$dir/server.properties" <<PROPS
process.roles=broker,controller
node.id=$i
$quorum
listeners=CLIENT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$controller_port$open_listener
advertised.listeners=CLIENT://127.0.0.1:$port$open_advertised
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:SASL_PLAINTEXT,CLIENT:SASL_PLAINTEXT$open_map
inter.broker.listener.name=CLIENT
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
sasl.mechanism.controller.protocol=PLAIN
listener.name.client.sasl.enabled.mechanisms=SCRAM-SHA-512
listener.name.client.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="$admin_password";
listener.name.controller.sasl.enabled.mechanisms=PLAIN
listener.name.controller.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="controller" password="$controller_password" user_controller="$controller_password";
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
allow.everyone.if.no.acl.found=false
super.users=User:admin;User:controller$open_super
log.dirs=$dir/data
num.partitions=3
default.replication.factor=$replicas
min.insync.replicas=$min_isr
offsets.topic.replication.factor=$replicas
offsets.topic.num.partitions=3
transaction.state.log.replication.factor=$replicas
transaction.state.log.min.isr=$min_isr
transaction.state.log.num.partitions=3
share.coordinator.state.topic.replication.factor=$replicas
share.coordinator.state.topic.min.isr=$min_isr
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
transaction.partition.verification.enable=false
log.retention.hours=-1
PROPS
  )
}

write_config() {
  mkdir -p "$KAFKA_DIR" "$RUN_DIR/logs"
  local admin_password controller_password i
  admin_password="$(jq -r .password "$KAFKA_CREDENTIALS/admin.json")"
  # The controller listener cannot use SCRAM in KRaft (the credentials live in the metadata log
  # it serves): PLAIN with a static user known only to these files, new at every start (the
  # same on every node, which authenticate to each other with it). While some node still runs
  # (a start after one node crashed), its password is kept, or the restarted node could not join.
  controller_password=""
  for i in $(all_nodes); do
    if node_status "$i"; then
      controller_password="$(sed -n 's/.*user_controller="\([^"]*\)".*/\1/p' "$(node_dir "$i")/server.properties" | head -1)"
      break
    fi
  done
  [[ -n "$controller_password" ]] || controller_password="$(random_secret)"
  for i in $(all_nodes); do write_node_config "$i" "$admin_password" "$controller_password"; done
  cat > "$KAFKA_DIR/log4j2.properties" <<'PROPS'
status = warn
appender.file.type = File
appender.file.name = file
appender.file.fileName = ${sys:kafka.logs.dir}/${sys:kafka.log.name}.log
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = info
rootLogger.appenderRef.file.ref = file
logger.kafka.name = kafka
logger.kafka.level = info
logger.apache.name = org.apache.kafka
logger.apache.level = warn
PROPS
}

format_storage() {
  log "formatting Kafka storage (KRaft, $KAFKA_NODES node(s), SCRAM users: $KAFKA_PRINCIPALS)"
  local cluster_id; cluster_id="$("${KAFKA_JAVA[@]}" -Dkafka.log.name=kafka-format kafka.tools.StorageTool random-uuid)"
  local scram=() principal i quorum_mode=()
  for principal in $KAFKA_PRINCIPALS; do
    scram+=(--add-scram "SCRAM-SHA-512=[name=$principal,password=$(jq -r .password "$KAFKA_CREDENTIALS/$principal.json")]")
  done
  # One node: a standalone (dynamic) quorum; several: the static voters in server.properties.
  (( KAFKA_NODES == 1 )) && quorum_mode=(--standalone)
  for i in $(all_nodes); do
    "${KAFKA_JAVA[@]}" -Dkafka.log.name=kafka-format kafka.tools.StorageTool format "${quorum_mode[@]}" -t "$cluster_id" \
      -c "$(node_dir "$i")/server.properties" "${scram[@]}" >/dev/null
    mkdir -p "$(node_dir "$i")/data"
  done
  printf '%s' "$KAFKA_PRINCIPALS" > "$SCRAM_MARKER"
  printf '%s' "$KAFKA_NODES" > "$NODES_MARKER"
}

# Launches node I in the background (config and storage must exist).
launch_node() {
  local i="$1" log_file; log_file="$(node_log "$i")"
  require_free_port "$(node_port "$i")" "Kafka broker $i"
  require_free_port "$(node_controller_port "$i")" "Kafka controller $i"
  : > "$log_file"
  daemon "${KAFKA_JAVA[@]}" -Dkafka.log.name="$(node_log_name "$i")" kafka.Kafka "$(node_dir "$i")/server.properties" \
    >"$RUN_DIR/logs/$(node_log_name "$i").stdout.log" 2>&1 &
  echo $! > "$(node_pid "$i")"
}

wait_node() {
  local i="$1"
  # A broker that dies at start (bad config, a JVM error) is reported at once, not after 120 s.
  WAIT_PID=$(cat "$(node_pid "$i")") WAIT_LOG="$(node_log "$i")" \
    wait_for "Kafka broker on :$(node_port "$i") (see $(node_log "$i"); JVM errors: $RUN_DIR/logs/$(node_log_name "$i").stdout.log)" 120 node_status "$i"
}

cmd_start() {
  cmd_install
  # A Kafka of another node count (IC_KAFKA_NODES changed since the last start) is stopped first:
  # its storage is formatted again below.
  local running_nodes; running_nodes="$(cat "$NODES_MARKER" 2>/dev/null || echo 1)"
  if [[ "$running_nodes" != "$KAFKA_NODES" ]]; then
    log "Kafka was formatted for $running_nodes node(s), $KAFKA_NODES asked: stopping the old one"
    IC_KAFKA_NODES="$running_nodes" bash "${BASH_SOURCE[0]}" stop
  fi
  if cmd_status; then log "Kafka already running on $(cmd_brokers)"; add_new_principals; return; fi
  require_tool jq "install jq (Debian: jq)"
  local format=0 i
  if ! storage_current; then
    format=1
    if [[ -f "$(node_dir 1)/data/meta.properties" ]]; then
      log "Kafka storage in $KAFKA_DIR has not got the SCRAM users '$KAFKA_PRINCIPALS' for $KAFKA_NODES node(s) (formatted before the broker was secured, for another node count, or credentials missing): formatting it again (its topics are lost)"
    fi
    rm -rf "$KAFKA_DIR/data" "$KAFKA_DIR"/node-*
    write_credentials
  fi
  write_config
  (( format )) && format_storage
  log "starting Kafka $KAFKA_VERSION on $(cmd_brokers)"
  # Nodes already running (a partial start) are left alone; the others are launched together, so
  # the controllers find their quorum.
  for i in $(all_nodes); do node_status "$i" || launch_node "$i"; done
  for i in $(all_nodes); do wait_node "$i"; done
  add_new_principals
  log "Kafka ready: $(cmd_brokers) (SASL/SCRAM-SHA-512; credentials in $KAFKA_CREDENTIALS)"
}

# Starts one node of a running cluster again (after stop-node or a crash), with its config as written.
cmd_start_node() {
  local i="${1:?usage: kafka.sh start-node I}"
  (( i >= 1 && i <= KAFKA_NODES )) || die "no Kafka node $i (IC_KAFKA_NODES=$KAFKA_NODES)"
  if node_status "$i"; then log "Kafka node $i already running"; return; fi
  log "starting Kafka node $i on 127.0.0.1:$(node_port "$i")"
  launch_node "$i"
  wait_node "$i"
}

# Stops nodes: SIGTERM to all at once (a clean shutdown; one by one, the last nodes would wait
# out their controlled shutdown without a quorum), or SIGKILL with IC_KAFKA_KILL=1 (a crash).
stop_nodes() {
  local i pid pids=()
  for i in "$@"; do
    local pid_file; pid_file="$(node_pid "$i")"
    if [[ -f "$pid_file" ]] && kill -0 "$(cat "$pid_file")" 2>/dev/null; then
      pid="$(cat "$pid_file")"; pids+=("$pid")
      if [[ "${IC_KAFKA_KILL:-0}" == 1 ]]; then log "killing Kafka node $i (SIGKILL)"; kill -9 "$pid"; else log "stopping Kafka node $i"; kill "$pid"; fi
    fi
  done
  local deadline=$((SECONDS + 60))
  for pid in "${pids[@]}"; do
    while kill -0 "$pid" 2>/dev/null; do
      (( SECONDS < deadline )) || { kill -9 "$pid"; break; }
      sleep 0.2
    done
  done
  for i in "$@"; do rm -f "$(node_pid "$i")"; done
}

cmd_stop() { stop_nodes $(all_nodes); }

case "${1:-}" in
  install) cmd_install ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status && echo "kafka: up on $(cmd_brokers) ($KAFKA_NODES node(s))" || { echo "kafka: down"; exit 1; } ;;
  brokers) cmd_brokers ;;
  stop-node) (( ${2:?usage: kafka.sh stop-node I} >= 1 && $2 <= KAFKA_NODES )) || die "no Kafka node $2"; stop_nodes "$2" ;;
  start-node) cmd_start_node "${2:-}" ;;
  *) die "usage: kafka.sh install|start|stop|status|brokers|stop-node I|start-node I" ;;
esac
