#!/usr/bin/env bash
# Apache Kafka (the real broker) resolved from Maven Central with Maven, run with Java 17 in
# KRaft combined mode (broker + controller) on 127.0.0.1, secured (docs/architecture.md, "Trust
# on the bus"): clients authenticate with SASL/SCRAM-SHA-512 (SASL_PLAINTEXT on loopback; a
# production listener is SASL_SSL), the StandardAuthorizer denies whatever no ACL allows. SCRAM
# users (IC_KAFKA_PRINCIPALS) are created when the storage is formatted, with random passwords
# written to $RUN_DIR/kafka/credentials/<principal>.json (mode 0600). Topics and ACLs are made by
# the provisioning CLI (packages/event-log/src/provisioning), which `infra/stack up` runs.
# Usage: kafka.sh install|start|stop|status
source "$(dirname "$0")/lib.sh"
KAFKA_PORT="${IC_KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${IC_KAFKA_CONTROLLER_PORT:-9093}"
# Benchmarks only (test/bench/e2e-latency.bench.ts, security on vs off): an extra listener without
# authentication whose anonymous clients are super users, so no ACL applies to them. Off unless
# set when Kafka starts; never in a deployment.
KAFKA_OPEN_PORT="${IC_KAFKA_OPEN_PORT:-}"
KAFKA_LIB="$CACHE_DIR/kafka-$KAFKA_VERSION/lib"
KAFKA_DIR="$RUN_DIR/kafka"
KAFKA_LOG="$RUN_DIR/logs/kafka.log"
KAFKA_PID="$KAFKA_DIR/kafka.pid"
KAFKA_CREDENTIALS="$KAFKA_DIR/credentials"
# One SCRAM user each: the set-up super user, the matcher, one per bridge (cluster nodes alpha and
# bravo), the read-only consumer of public invoice events.
KAFKA_PRINCIPALS="${IC_KAFKA_PRINCIPALS:-admin matcher public bridge-alpha bridge-bravo}"
# Written after a format with these SCRAM users: storage formatted
# without them (before the broker was secured) is formatted again.
SCRAM_MARKER="$KAFKA_DIR/scram-principals"

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

cmd_status() {
  [[ -f "$KAFKA_PID" ]] && kill -0 "$(cat "$KAFKA_PID")" 2>/dev/null && port_open "$KAFKA_PORT" \
    && grep -q "Kafka Server started" "$KAFKA_LOG" 2>/dev/null
}

random_secret() { head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n'; }

# True when the storage holds exactly the SCRAM users of KAFKA_PRINCIPALS and every one has its
# credentials file.
storage_current() {
  [[ -f "$KAFKA_DIR/data/meta.properties" && -f "$SCRAM_MARKER" ]] || return 1
  [[ "$(cat "$SCRAM_MARKER")" == "$KAFKA_PRINCIPALS" ]] || return 1
  local principal
  for principal in $KAFKA_PRINCIPALS; do [[ -f "$KAFKA_CREDENTIALS/$principal.json" ]] || return 1; done
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

write_config() {
  mkdir -p "$KAFKA_DIR" "$RUN_DIR/logs"
  local admin_password controller_password
  admin_password="$(jq -r .password "$KAFKA_CREDENTIALS/admin.json")"
  # The controller listener cannot use SCRAM in KRaft (the credentials live in the metadata log
  # it serves): PLAIN with a static user known only to this file, new at every start.
  controller_password="$(random_secret)"
  local open_listener="" open_advertised="" open_map="" open_super=""
  if [[ -n "$KAFKA_OPEN_PORT" ]]; then
    log "WARNING: IC_KAFKA_OPEN_PORT=$KAFKA_OPEN_PORT opens an unauthenticated super-user listener (benchmarks only)"
    open_listener=",OPEN://127.0.0.1:$KAFKA_OPEN_PORT" open_advertised=",OPEN://127.0.0.1:$KAFKA_OPEN_PORT"
    open_map=",OPEN:PLAINTEXT" open_super=";User:ANONYMOUS"
  fi
  (umask 077; cat > "$KAFKA_DIR/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=CLIENT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT$open_listener
advertised.listeners=CLIENT://127.0.0.1:$KAFKA_PORT$open_advertised
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
log.dirs=$KAFKA_DIR/data
num.partitions=3
offsets.topic.replication.factor=1
offsets.topic.num.partitions=3
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=3
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
transaction.partition.verification.enable=false
log.retention.hours=-1
PROPS
  )
  cat > "$KAFKA_DIR/log4j2.properties" <<'PROPS'
status = warn
appender.file.type = File
appender.file.name = file
appender.file.fileName = ${sys:kafka.logs.dir}/kafka.log
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

cmd_start() {
  cmd_install
  if cmd_status; then log "Kafka already running on 127.0.0.1:$KAFKA_PORT"; return; fi
  require_free_port "$KAFKA_PORT" "Kafka broker"
  require_free_port "$KAFKA_CONTROLLER_PORT" "Kafka controller"
  require_tool jq "install jq (Debian: jq)"
  local format=0
  if ! storage_current; then
    format=1
    if [[ -f "$KAFKA_DIR/data/meta.properties" ]]; then
      log "Kafka storage in $KAFKA_DIR/data has not got the SCRAM users '$KAFKA_PRINCIPALS' (formatted before the broker was secured, or credentials missing): formatting it again (its topics are lost)"
    fi
    rm -rf "$KAFKA_DIR/data"
    write_credentials
  fi
  write_config
  if (( format )); then
    log "formatting Kafka storage (KRaft, standalone controller, SCRAM users: $KAFKA_PRINCIPALS)"
    local cluster_id; cluster_id="$("${KAFKA_JAVA[@]}" kafka.tools.StorageTool random-uuid)"
    local scram=() principal
    for principal in $KAFKA_PRINCIPALS; do
      scram+=(--add-scram "SCRAM-SHA-512=[name=$principal,password=$(jq -r .password "$KAFKA_CREDENTIALS/$principal.json")]")
    done
    "${KAFKA_JAVA[@]}" kafka.tools.StorageTool format --standalone -t "$cluster_id" \
      -c "$KAFKA_DIR/server.properties" "${scram[@]}" >/dev/null
    mkdir -p "$KAFKA_DIR/data"
    printf '%s' "$KAFKA_PRINCIPALS" > "$SCRAM_MARKER"
  fi
  log "starting Kafka $KAFKA_VERSION on 127.0.0.1:$KAFKA_PORT"
  : > "$KAFKA_LOG"
  nohup "${KAFKA_JAVA[@]}" kafka.Kafka "$KAFKA_DIR/server.properties" >"$RUN_DIR/logs/kafka.stdout.log" 2>&1 &
  echo $! > "$KAFKA_PID"
  # A broker that dies at start (bad config, a JVM error) is reported at once, not after 120 s.
  WAIT_PID=$(cat "$KAFKA_PID") WAIT_LOG="$KAFKA_LOG" \
    wait_for "Kafka broker on :$KAFKA_PORT (see $KAFKA_LOG; JVM errors: $RUN_DIR/logs/kafka.stdout.log)" 120 cmd_status
  log "Kafka ready: 127.0.0.1:$KAFKA_PORT (SASL/SCRAM-SHA-512; credentials in $KAFKA_CREDENTIALS)"
}

cmd_stop() {
  if [[ -f "$KAFKA_PID" ]] && kill -0 "$(cat "$KAFKA_PID")" 2>/dev/null; then
    log "stopping Kafka"
    local pid; pid="$(cat "$KAFKA_PID")"
    kill "$pid"
    local deadline=$((SECONDS + 60))
    while kill -0 "$pid" 2>/dev/null; do
      (( SECONDS < deadline )) || { kill -9 "$pid"; break; }
      sleep 0.2
    done
  fi
  rm -f "$KAFKA_PID"
}

case "${1:-}" in
  install) cmd_install ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status && echo "kafka: up on 127.0.0.1:$KAFKA_PORT" || { echo "kafka: down"; exit 1; } ;;
  *) die "usage: kafka.sh install|start|stop|status" ;;
esac
