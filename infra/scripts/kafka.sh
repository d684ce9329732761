#!/usr/bin/env bash
# Apache Kafka (the real broker) resolved from Maven Central with Maven, run with Java 17 in
# KRaft combined mode (broker + controller) on 127.0.0.1.
# Usage: kafka.sh install|start|stop|status
source "$(dirname "$0")/lib.sh"
KAFKA_PORT="${IC_KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${IC_KAFKA_CONTROLLER_PORT:-9093}"
KAFKA_LIB="$CACHE_DIR/kafka-$KAFKA_VERSION/lib"
KAFKA_DIR="$RUN_DIR/kafka"
KAFKA_LOG="$RUN_DIR/logs/kafka.log"
KAFKA_PID="$KAFKA_DIR/kafka.pid"

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

write_config() {
  mkdir -p "$KAFKA_DIR" "$RUN_DIR/logs"
  cat > "$KAFKA_DIR/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
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
  write_config
  if [[ ! -f "$KAFKA_DIR/data/meta.properties" ]]; then
    log "formatting Kafka storage (KRaft, standalone controller)"
    local cluster_id; cluster_id="$("${KAFKA_JAVA[@]}" kafka.tools.StorageTool random-uuid)"
    "${KAFKA_JAVA[@]}" kafka.tools.StorageTool format --standalone -t "$cluster_id" \
      -c "$KAFKA_DIR/server.properties" >/dev/null
  fi
  log "starting Kafka $KAFKA_VERSION on 127.0.0.1:$KAFKA_PORT"
  : > "$KAFKA_LOG"
  nohup "${KAFKA_JAVA[@]}" kafka.Kafka "$KAFKA_DIR/server.properties" >"$RUN_DIR/logs/kafka.stdout.log" 2>&1 &
  echo $! > "$KAFKA_PID"
  # A broker that dies at start (bad config, a JVM error) is reported at once, not after 120 s.
  WAIT_PID=$(cat "$KAFKA_PID") WAIT_LOG="$KAFKA_LOG" \
    wait_for "Kafka broker on :$KAFKA_PORT (see $KAFKA_LOG; JVM errors: $RUN_DIR/logs/kafka.stdout.log)" 120 cmd_status
  log "Kafka ready: 127.0.0.1:$KAFKA_PORT"
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
