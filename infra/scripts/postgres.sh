#!/usr/bin/env bash
# PostgreSQL from Debian's packages, as a private cluster under $RUN_DIR/postgres on 127.0.0.1.
# Usage: postgres.sh install|start|stop|status
source "$(dirname "$0")/lib.sh"
PG_PORT="${IC_PG_PORT:-55432}"
PG_DATA="$RUN_DIR/postgres/data"
PG_LOG="$RUN_DIR/logs/postgres.log"
PG_DB="invoice_coordinator"
PG_USER="ic"

pg_bin() {
  local d; d="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
  [[ -n "$d" ]] || return 1
  echo "$d"
}

as_postgres() { runuser -u postgres -- "$@"; }

cmd_install() {
  if pg_bin >/dev/null; then log "PostgreSQL $(ls /usr/lib/postgresql | sort -V | tail -n1) already installed"; return; fi
  require_tool apt-get "PostgreSQL comes from Debian's packages; install it by hand on non-Debian systems"
  log "installing PostgreSQL from Debian's packages"
  [[ "$(id -u)" == 0 ]] || die "installing PostgreSQL needs root (apt-get install postgresql)"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
  # The package starts a system cluster on 5432; we run our own and leave that one alone.
}

cmd_status() { port_open "$PG_PORT" && "$(pg_bin)/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT"; }

cmd_start() {
  cmd_install
  local bin; bin="$(pg_bin)"
  if cmd_status; then log "PostgreSQL already running on 127.0.0.1:$PG_PORT"; return; fi
  require_free_port "$PG_PORT" PostgreSQL
  [[ "$(id -u)" == 0 ]] || die "starting PostgreSQL needs root: the private cluster runs as the postgres user (runuser)"
  mkdir -p "$RUN_DIR/postgres" "$RUN_DIR/logs"
  chown postgres "$RUN_DIR/postgres"; touch "$PG_LOG"; chown postgres "$PG_LOG"
  # The postgres user must be able to reach the run directory.
  chmod o+x "$RUN_DIR" "$RUN_DIR/logs"
  as_postgres test -w "$RUN_DIR/postgres" -a -w "$PG_LOG" \
    || die "the postgres user cannot reach $RUN_DIR: a parent directory is not searchable by others (a repo under /root, say); chmod o+x it or set IC_RUN_DIR to a directory outside"
  if [[ ! -f "$PG_DATA/PG_VERSION" ]]; then
    log "initialising PostgreSQL data directory $PG_DATA"
    as_postgres "$bin/initdb" -D "$PG_DATA" -U postgres --auth=trust -E UTF8 >/dev/null
  fi
  log "starting PostgreSQL on 127.0.0.1:$PG_PORT"
  as_postgres "$bin/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t 60 \
    -o "-h 127.0.0.1 -p $PG_PORT -k $RUN_DIR/postgres -c fsync=on -c max_connections=200" start >/dev/null
  wait_for "PostgreSQL on :$PG_PORT" 60 cmd_status
  local psql=("$bin/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -v ON_ERROR_STOP=1 -qAt)
  if [[ "$("${psql[@]}" -c "select 1 from pg_roles where rolname='$PG_USER'")" != 1 ]]; then
    "${psql[@]}" -c "create role $PG_USER login createdb"
  fi
  if [[ "$("${psql[@]}" -c "select 1 from pg_database where datname='$PG_DB'")" != 1 ]]; then
    "${psql[@]}" -c "create database $PG_DB owner $PG_USER"
  fi
  log "PostgreSQL ready: postgres://$PG_USER@127.0.0.1:$PG_PORT/$PG_DB"
}

cmd_stop() {
  local bin; bin="$(pg_bin)" || return 0
  if [[ -f "$PG_DATA/postmaster.pid" ]]; then
    log "stopping PostgreSQL"
    as_postgres "$bin/pg_ctl" -D "$PG_DATA" -m fast -w stop >/dev/null || true
  fi
}

case "${1:-}" in
  install) cmd_install ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status && echo "postgres: up on 127.0.0.1:$PG_PORT" || { echo "postgres: down"; exit 1; } ;;
  url) echo "postgres://$PG_USER@127.0.0.1:$PG_PORT/$PG_DB" ;;
  *) die "usage: postgres.sh install|start|stop|status|url" ;;
esac
