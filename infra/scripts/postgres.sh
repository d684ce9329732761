#!/usr/bin/env bash
# PostgreSQL from Debian's packages, as a private cluster under $RUN_DIR/postgres on 127.0.0.1.
# Usage: postgres.sh install|start|stop|status
source "$(dirname "$0")/lib.sh"
# Below Linux's ephemeral range (32768-60999): a default inside it (we had 55432) can be taken as
# the source port of any outgoing loopback connection, and the TIME_WAIT it leaves made
# PostgreSQL fail to bind for a minute ("Address already in use") after a unit-test run.
PG_PORT="${IC_PG_PORT:-15432}"
# The cluster runs as the postgres user, which must reach its directory. Under $RUN_DIR when it
# can; otherwise (a checkout under /root, say) in a postgres-owned directory named after $RUN_DIR,
# linked from $RUN_DIR/postgres so it is still found there.
PG_FALLBACK_HOME="/var/lib/postgresql/invoice-coordinator-$(printf %s "$RUN_DIR" | sha256sum | cut -c1-12)"
pg_home() { if [[ -d "$PG_FALLBACK_HOME" ]]; then echo "$PG_FALLBACK_HOME"; else echo "$RUN_DIR/postgres"; fi; }
PG_HOME="$(pg_home)"
PG_DATA="$PG_HOME/data"
PG_LOG="$PG_HOME/postgres.log"
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
  mkdir -p "$RUN_DIR/logs"
  if [[ "$PG_HOME" == "$RUN_DIR/postgres" ]]; then
    mkdir -p "$PG_HOME"; chown postgres "$PG_HOME"; chmod o+x "$RUN_DIR"
    if ! as_postgres test -w "$PG_HOME"; then
      log "the postgres user cannot reach $RUN_DIR (a parent directory is not searchable by others); using $PG_FALLBACK_HOME"
      rm -rf "$RUN_DIR/postgres"
      PG_HOME="$PG_FALLBACK_HOME"; PG_DATA="$PG_HOME/data"; PG_LOG="$PG_HOME/postgres.log"
    fi
  fi
  if [[ "$PG_HOME" == "$PG_FALLBACK_HOME" ]]; then
    mkdir -p "$PG_HOME"; chown postgres "$PG_HOME"; chmod 700 "$PG_HOME"
    ln -sfn "$PG_HOME" "$RUN_DIR/postgres"
  fi
  touch "$PG_LOG"; chown postgres "$PG_LOG"
  ln -sfn "$PG_LOG" "$RUN_DIR/logs/postgres.log"
  as_postgres test -w "$PG_HOME" -a -w "$PG_LOG" || die "the postgres user cannot write $PG_HOME"
  if [[ ! -f "$PG_DATA/PG_VERSION" ]]; then
    log "initialising PostgreSQL data directory $PG_DATA"
    as_postgres "$bin/initdb" -D "$PG_DATA" -U postgres --auth=trust -E UTF8 >/dev/null
  fi
  log "starting PostgreSQL on 127.0.0.1:$PG_PORT"
  if ! as_postgres "$bin/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t 60 \
    -o "-h 127.0.0.1 -p $PG_PORT -k $PG_HOME -c fsync=on -c max_connections=200" start >/dev/null; then
    tail -n 8 "$PG_LOG" >&2
    die "PostgreSQL did not start (the end of $PG_LOG is above)"
  fi
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

# Deletes the cluster's data (stack reset), wherever it lives.
cmd_purge() { cmd_stop; rm -rf "$PG_FALLBACK_HOME" "$RUN_DIR/postgres"; }

case "${1:-}" in
  install) cmd_install ;;
  purge) cmd_purge ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status && echo "postgres: up on 127.0.0.1:$PG_PORT" || { echo "postgres: down"; exit 1; } ;;
  url) echo "postgres://$PG_USER@127.0.0.1:$PG_PORT/$PG_DB" ;;
  *) die "usage: postgres.sh install|start|stop|status|url|purge" ;;
esac
