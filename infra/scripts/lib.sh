#!/usr/bin/env bash
# Shared shell helpers for the infra scripts: paths, logging, tool checks.
set -euo pipefail

INFRA_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REPO_DIR="$(cd "$INFRA_DIR/.." && pwd)"
# Slow builds and downloads (lnd, btcd, Kafka jars, pnpm store) live here and are reused.
CACHE_DIR="${IC_CACHE_DIR:-$HOME/.cache/invoice-coordinator}"
# Everything a running stack writes (data, logs, generated config) lives here.
RUN_DIR="${IC_RUN_DIR:-$REPO_DIR/.run}"

LND_VERSION="v0.21.2-beta"
KAFKA_VERSION="4.1.1"
# Apicurio Registry (the schema registry, Confluent-compatible API): infra/schema-registry/pom.xml.
SCHEMA_REGISTRY_VERSION="2.4.2.Final"

# Runs "$@" as a daemon, for a caller that redirects its output and puts it in the background
# (`daemon CMD ARGS >>LOG 2>&1 &`; $! is then the daemon's own pid): in a session of its own
# (setsid: a Ctrl-C in the terminal, or the end of the process group of a test that restarted a
# node, does not reach it), immune to SIGHUP (nohup), and without the file descriptors above 2 its
# caller inherited. Without that, a lock taken around a test (`flock /tmp/ic-lnd.lock ...`) that
# restarts an lnd is held by that lnd for as long as it runs.
daemon() {
  local fd
  for fd in "/proc/$BASHPID/fd/"*; do
    fd="${fd##*/}"
    if (( fd > 2 )); then eval "exec ${fd}>&-" 2>/dev/null || true; fi
  done
  exec setsid nohup "$@"
}

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

require_tool() {
  local tool="$1" hint="$2"
  command -v "$tool" >/dev/null 2>&1 || die "required tool '$tool' is missing: $hint"
}

# Fails clearly when a TCP port on 127.0.0.1 is already taken by another process.
require_free_port() {
  local port="$1" what="$2"
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    die "port $port (for $what) is already in use on 127.0.0.1; stop whatever listens there (ss -ltnp 'sport = :$port') or run 'infra/stack down'"
  fi
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Polls a command until it succeeds or the deadline passes. Never a fixed sleep for readiness:
# the short pause between polls only spaces out the checks.
wait_for() {
  local what="$1" timeout_s="$2"; shift 2
  local deadline=$((SECONDS + timeout_s))
  until "$@" >/dev/null 2>&1; do
    if (( SECONDS >= deadline )); then die "timed out after ${timeout_s}s waiting for $what"; fi
    # WAIT_PID: the process we wait on; if it died, say so at once with the end of its log.
    if [[ -n "${WAIT_PID:-}" ]] && ! kill -0 "$WAIT_PID" 2>/dev/null; then
      [[ -n "${WAIT_LOG:-}" ]] && tail -n 15 "$WAIT_LOG" >&2
      die "process $WAIT_PID exited while waiting for $what"
    fi
    sleep 0.2
  done
}
