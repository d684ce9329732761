#!/usr/bin/env bash
# The schema registry: Apicurio Registry (Apache-2.0), built once from its jars on Maven Central
# into a runnable Quarkus application (infra/schema-registry/pom.xml) and cached, run with Java 17
# on 127.0.0.1 with its SQL storage in the stack's PostgreSQL (its own database and user, so
# schema ids survive restarts). Clients use its Confluent-compatible API, $(url) below:
# http://127.0.0.1:IC_SCHEMA_REGISTRY_PORT/apis/ccompat/v7 (docs/architecture.md, "Schemas and the
# registry"). Subjects and their compatibility are registered by the provisioning CLI.
# Usage: schema-registry.sh install|start|stop|status|url
source "$(dirname "$0")/lib.sh"
REGISTRY_PORT="${IC_SCHEMA_REGISTRY_PORT:-18081}"
REGISTRY_DIR="$RUN_DIR/schema-registry"
REGISTRY_LOG="$RUN_DIR/logs/schema-registry.log"
REGISTRY_PID="$REGISTRY_DIR/registry.pid"
REGISTRY_DB="schema_registry"
REGISTRY_DB_USER="schema_registry"
# A new build whenever the build files change.
BUILD_HASH="$(cat "$INFRA_DIR/schema-registry/pom.xml" "$INFRA_DIR/schema-registry/src/main/resources/application.properties" | sha256sum | cut -c1-12)"
REGISTRY_APP="$CACHE_DIR/schema-registry-$SCHEMA_REGISTRY_VERSION-$BUILD_HASH"

cmd_url() { echo "http://127.0.0.1:$REGISTRY_PORT/apis/ccompat/v7"; }

cmd_install() {
  if [[ -f "$REGISTRY_APP/.complete" ]]; then log "schema registry (Apicurio Registry $SCHEMA_REGISTRY_VERSION) cached in $REGISTRY_APP"; return; fi
  require_tool java "install a Java 17 runtime (Debian: openjdk-17-jdk-headless)"
  require_tool mvn "install Maven (Debian: maven)"
  log "building the schema registry (Apicurio Registry $SCHEMA_REGISTRY_VERSION) from Maven Central (first run only, a minute or two)"
  local build="$REGISTRY_APP.build" build_log="$RUN_DIR/logs/schema-registry-build.log"
  mkdir -p "$RUN_DIR/logs"
  rm -rf "$build" "$REGISTRY_APP"; mkdir -p "$build"
  cp -r "$INFRA_DIR/schema-registry/." "$build/"
  if ! mvn -B -f "$build/pom.xml" -DskipTests package >"$build_log" 2>&1; then
    grep -E '^\[ERROR\]' "$build_log" | head -n 8 >&2
    die "the schema registry build failed (full log: $build_log)"
  fi
  mv "$build/target/quarkus-app" "$REGISTRY_APP"
  rm -rf "$build"
  touch "$REGISTRY_APP/.complete"
}

cmd_status() {
  [[ -f "$REGISTRY_PID" ]] && kill -0 "$(cat "$REGISTRY_PID")" 2>/dev/null \
    && curl -sf -o /dev/null --max-time 2 "$(cmd_url)/subjects"
}

# Its database and login in the stack's PostgreSQL (idempotent). The password is new at every
# start, kept in $REGISTRY_DIR/db-password (mode 0600).
ensure_database() {
  local pg_url pg_host_port pg_host pg_port bin
  pg_url="$(bash "$INFRA_DIR/scripts/postgres.sh" url)"
  bash "$INFRA_DIR/scripts/postgres.sh" status >/dev/null || die "PostgreSQL is not running (the registry keeps its schemas there): run infra/stack up"
  pg_host_port="${pg_url#*@}"; pg_host_port="${pg_host_port%%/*}"
  pg_host="${pg_host_port%:*}"; pg_port="${pg_host_port##*:}"
  bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
  local psql=("$bin/psql" -h "$pg_host" -p "$pg_port" -U postgres -v ON_ERROR_STOP=1 -qAt)
  local password; password="$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  mkdir -p "$REGISTRY_DIR"; chmod 700 "$REGISTRY_DIR"
  if [[ "$("${psql[@]}" -c "select 1 from pg_roles where rolname='$REGISTRY_DB_USER'")" != 1 ]]; then
    "${psql[@]}" -c "create role $REGISTRY_DB_USER login" >/dev/null
  fi
  "${psql[@]}" -c "alter role $REGISTRY_DB_USER password '$password'" >/dev/null
  if [[ "$("${psql[@]}" -c "select 1 from pg_database where datname='$REGISTRY_DB'")" != 1 ]]; then
    "${psql[@]}" -c "create database $REGISTRY_DB owner $REGISTRY_DB_USER" >/dev/null
  fi
  (umask 077; printf '%s' "$password" > "$REGISTRY_DIR/db-password")
  echo "jdbc:postgresql://$pg_host:$pg_port/$REGISTRY_DB"
}

cmd_start() {
  cmd_install
  if cmd_status; then log "schema registry already running: $(cmd_url)"; return; fi
  require_tool curl "install curl (Debian: curl)"
  require_free_port "$REGISTRY_PORT" "the schema registry"
  local jdbc_url; jdbc_url="$(ensure_database)"
  mkdir -p "$RUN_DIR/logs"; : > "$REGISTRY_LOG"
  log "starting the schema registry (Apicurio Registry $SCHEMA_REGISTRY_VERSION) on $(cmd_url), storage $jdbc_url"
  # Runtime settings as system properties (they outrank the packaged application.properties);
  # the database password through the environment, not the command line.
  REGISTRY_DATASOURCE_PASSWORD="$(cat "$REGISTRY_DIR/db-password")" daemon java -Xms64m -Xmx384m \
    -Dquarkus.http.host=127.0.0.1 -Dquarkus.http.port="$REGISTRY_PORT" \
    -Dquarkus.datasource.jdbc.url="$jdbc_url" "-D%prod.quarkus.datasource.jdbc.url=$jdbc_url" \
    "-D%prod.quarkus.datasource.username=$REGISTRY_DB_USER" \
    "-D%prod.quarkus.datasource.jdbc.initial-size=2" "-D%prod.quarkus.datasource.jdbc.min-size=2" \
    "-D%prod.quarkus.datasource.jdbc.max-size=20" \
    -jar "$REGISTRY_APP/quarkus-run.jar" >>"$REGISTRY_LOG" 2>&1 &
  echo $! > "$REGISTRY_PID"
  WAIT_PID=$(cat "$REGISTRY_PID") WAIT_LOG="$REGISTRY_LOG" \
    wait_for "the schema registry on :$REGISTRY_PORT (see $REGISTRY_LOG)" 120 cmd_status
  log "schema registry ready: $(cmd_url) (log: $REGISTRY_LOG)"
}

cmd_stop() {
  [[ -f "$REGISTRY_PID" ]] || return 0
  local pid; pid="$(cat "$REGISTRY_PID")"
  if kill -0 "$pid" 2>/dev/null; then
    log "stopping the schema registry"
    kill "$pid"
    local deadline=$((SECONDS + 30))
    while kill -0 "$pid" 2>/dev/null; do
      (( SECONDS < deadline )) || { kill -9 "$pid"; break; }
      sleep 0.2
    done
  fi
  rm -f "$REGISTRY_PID"
}

case "${1:-}" in
  install) cmd_install ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status && echo "schema-registry: up on $(cmd_url)" || { echo "schema-registry: down"; exit 1; } ;;
  url) cmd_url ;;
  *) die "usage: schema-registry.sh install|start|stop|status|url" ;;
esac
