#!/usr/bin/env bash
# Shared by the container scripts: Podman's settings on these machines, and the image names.
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"

CONTAINERS_CACHE="$CACHE_DIR/containers"
IMAGE_PREFIX="${IC_IMAGE_PREFIX:-localhost/invoice-coordinator}"
# The local stand-in for node:20-bookworm-slim (build-base-image.sh), used when no registry answers.
LOCAL_BASE_IMAGE="${IC_LOCAL_BASE_IMAGE:-localhost/ic-node20-bookworm-slim:local}"
SERVICES=(invoice-matcher interceptor-bridge coordinator-cli webhook-relay operator-console)

# crun refuses this machine's hybrid cgroup layout and the default ulimits are too high for it
# (docs: ../shared/DESIGN.md §12): runc and capped ulimits, in a containers.conf of our own that
# only our podman calls read (an operator's own /etc/containers/containers.conf stays as it is).
use_containers_conf() {
  if [[ -z "${CONTAINERS_CONF:-}" ]]; then
    mkdir -p "$CONTAINERS_CACHE"
    local conf="$CONTAINERS_CACHE/containers.conf" want
    want='# Written by infra/containers/lib.sh: podman on these machines needs runc and capped ulimits.
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=8192:8192"]

[engine]
runtime = "runc"'
    # Many podman calls run at once (the tests): write only when different, through a file of one's own.
    if [[ "$(cat "$conf" 2>/dev/null)" != "$want" ]]; then
      local tmp
      tmp="$(mktemp "$conf.XXXXXX")"
      printf '%s\n' "$want" > "$tmp" && mv -f "$tmp" "$conf"
    fi
    export CONTAINERS_CONF="$conf"
  fi
}

# Podman, runc, catatonit (--init) and friends from Debian's packages when missing.
ensure_podman() {
  local missing=()
  command -v podman >/dev/null 2>&1 || missing+=(podman)
  command -v runc >/dev/null 2>&1 || missing+=(runc)
  command -v catatonit >/dev/null 2>&1 || [[ -x /usr/libexec/podman/catatonit ]] || missing+=(catatonit)
  command -v podman-compose >/dev/null 2>&1 || missing+=(podman-compose)
  command -v netavark >/dev/null 2>&1 || [[ -x /usr/lib/podman/netavark || -x /usr/libexec/podman/netavark ]] || missing+=(netavark aardvark-dns)
  command -v iptables >/dev/null 2>&1 || missing+=(iptables)
  if (( ${#missing[@]} > 0 )); then
    command -v apt-get >/dev/null 2>&1 ||
      die "podman is missing (${missing[*]}) and this is not a Debian-like system: install Podman 4 with runc and catatonit"
    [[ $(id -u) == 0 ]] || die "podman is missing (${missing[*]}): run as root so Debian's packages can be installed, or install them yourself"
    log "installing ${missing[*]} from Debian's packages"
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >&2 ||
      { apt-get update >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >&2; } ||
      die "installing ${missing[*]} with apt-get failed (see above)"
  fi
  use_containers_conf
}

# podman-compose that can run compose.yaml: Debian bookworm's 1.0.3 adds the project network to
# network_mode: host services ("cannot set multiple networks without bridge network mode"), so
# an older one is replaced by PyPI's (pinned) in a virtualenv under the cache. Prints its path.
PODMAN_COMPOSE_VERSION="1.6.0"
podman_compose_path() {
  local system venv="$CONTAINERS_CACHE/podman-compose-venv"
  system="$(command -v podman-compose || true)"
  if [[ -n "$system" ]] && "$system" --version 2>/dev/null | grep -Eq 'podman-compose(r)? version +(1\.([1-9]|[1-9][0-9])|[2-9])\.'; then
    echo "$system"; return
  fi
  if [[ ! -x "$venv/bin/podman-compose" ]] || ! "$venv/bin/podman-compose" --version 2>/dev/null | grep -q "version $PODMAN_COMPOSE_VERSION"; then
    log "installing podman-compose $PODMAN_COMPOSE_VERSION from PyPI into $venv (Debian's ${system:+$("$system" --version 2>/dev/null | grep -o 'version *[0-9.]*' | head -1) }cannot run host-network services)"
    python3 -m venv "$venv" >&2 || die "python3 -m venv failed: install Debian's python3-venv"
    "$venv/bin/pip" install -q "podman-compose==$PODMAN_COMPOSE_VERSION" >&2 || die "pip could not install podman-compose $PODMAN_COMPOSE_VERSION"
  fi
  echo "$venv/bin/podman-compose"
}

# --- the container engine the scripts drive: podman (default) or docker (IC_CONTAINER_ENGINE) ---
CONTAINER_ENGINE="${IC_CONTAINER_ENGINE:-podman}"
case "$CONTAINER_ENGINE" in
  podman | docker) ;;
  *) die "IC_CONTAINER_ENGINE must be podman or docker, got '$CONTAINER_ENGINE'" ;;
esac

# Docker on these machines (docs: ../shared/DESIGN.md §12): no engine runs by default, so the
# project runs Docker's own (Debian's docker.io: dockerd, containerd, runc) by hand with data, exec
# roots, pid file and socket of its own under the cache, host networking only (no bridge, no
# iptables rules: the services use network_mode host). The CLI plugins `docker compose` and
# `docker buildx` (the modern client's `docker build` needs buildx for RUN --mount) are built
# once from the Go module proxy into a DOCKER_CONFIG of our own. IC_DOCKER_HOST=unix:///... uses
# an engine of your own instead (then nothing is started or stopped).
DOCKER_CACHE="$CACHE_DIR/docker"
DOCKER_SOCKET="$DOCKER_CACHE/run/docker.sock"
DOCKER_PIDFILE="$DOCKER_CACHE/run/dockerd.pid"
DOCKER_COMPOSE_VERSION="v5.6.0"   # github.com/docker/compose/v5
DOCKER_BUILDX_VERSION="v0.38.2"   # github.com/docker/buildx

use_docker_settings() {
  export DOCKER_HOST="${IC_DOCKER_HOST:-unix://$DOCKER_SOCKET}"
  export DOCKER_CONFIG="${IC_DOCKER_CONFIG:-$DOCKER_CACHE/config}"
  # The Debian client (20.10) builds with BuildKit only when asked; the modern one hands `docker build` to buildx.
  export DOCKER_BUILDKIT=1
  mkdir -p "$DOCKER_CONFIG/cli-plugins"
}

docker_engine_running() { docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

# dockerd, containerd, runc and docker-init (for `init: true`) from Debian's docker.io when missing.
ensure_docker_installed() {
  local missing=()
  for tool in dockerd containerd runc docker-init docker; do command -v "$tool" >/dev/null 2>&1 || missing+=("$tool"); done
  (( ${#missing[@]} == 0 )) && return 0
  command -v apt-get >/dev/null 2>&1 ||
    die "Docker is missing (${missing[*]}) and this is not a Debian-like system: install Docker Engine (dockerd, containerd, runc) or set IC_DOCKER_HOST to a running engine"
  [[ $(id -u) == 0 ]] || die "Docker is missing (${missing[*]}): run as root so Debian's docker.io can be installed, or install it yourself"
  log "installing Debian's docker.io (dockerd, containerd, runc, tini) for ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends docker.io >&2 ||
    { apt-get update >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends docker.io >&2; } ||
    die "installing docker.io with apt-get failed (see above)"
}

# One CLI plugin, built from the Go module proxy once (cached by version), linked into DOCKER_CONFIG.
# Built inside the module's own tree: compose's go.mod has exclude directives, which `go install
# pkg@version` refuses.
ensure_docker_plugin() {
  local name="$1" module="$2" version="$3" pkg="$4" ldflags="$5"
  local bin="$DOCKER_CACHE/plugins/docker-$name-$version" target="$DOCKER_CONFIG/cli-plugins/docker-$name"
  if [[ ! -x "$bin" ]]; then
    require_tool go "the docker $name plugin is built from the Go module proxy: install Go >= 1.26 (or put a docker-$name plugin into $DOCKER_CONFIG/cli-plugins)"
    local started=$SECONDS src dir
    log "building the docker $name plugin $version from the Go module proxy ($module; once, 2-5 min on 2 cores with cold Go caches; cached in $DOCKER_CACHE/plugins)"
    src="$(go mod download -json "$module@$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
    [[ -n "$src" && -d "$src" ]] || die "go mod download $module@$version failed"
    dir="$(mktemp -d "$DOCKER_CACHE/plugins/src.XXXXXX")"
    cp -r "$src/." "$dir/" && chmod -R u+w "$dir"
    if ! (cd "$dir" && nice -n 5 go build -trimpath -ldflags "-s -w $ldflags" -o "$bin.tmp" "$pkg") >"$DOCKER_CACHE/plugins/build-$name.log" 2>&1; then
      tail -n 20 "$DOCKER_CACHE/plugins/build-$name.log" >&2; rm -rf "$dir"
      die "building the docker $name plugin failed (log: $DOCKER_CACHE/plugins/build-$name.log)"
    fi
    rm -rf "$dir"
    mv -f "$bin.tmp" "$bin"
    log "built docker $name $version in $((SECONDS - started))s"
  fi
  ln -sfn "$bin" "$target"
}

ensure_docker_plugins() {
  mkdir -p "$DOCKER_CACHE/plugins"
  ensure_docker_plugin compose github.com/docker/compose/v5 "$DOCKER_COMPOSE_VERSION" ./cmd \
    "-X github.com/docker/compose/v5/internal.Version=$DOCKER_COMPOSE_VERSION"
  ensure_docker_plugin buildx github.com/docker/buildx "$DOCKER_BUILDX_VERSION" ./cmd/buildx \
    "-X github.com/docker/buildx/version.Version=$DOCKER_BUILDX_VERSION"
}

# Starts the project's own dockerd unless an engine already answers (ours or IC_DOCKER_HOST's).
start_docker_engine() {
  docker_engine_running && return 0
  [[ -z "${IC_DOCKER_HOST:-}" ]] || die "no Docker engine answers at IC_DOCKER_HOST=$IC_DOCKER_HOST"
  ensure_docker_installed
  local started=$SECONDS pid
  mkdir -p "$DOCKER_CACHE"/{data,exec,run}
  if [[ -f "$DOCKER_PIDFILE" ]] && kill -0 "$(cat "$DOCKER_PIDFILE")" 2>/dev/null; then
    die "dockerd $(cat "$DOCKER_PIDFILE") runs but does not answer on $DOCKER_SOCKET (log: $DOCKER_CACHE/dockerd.log); stop it: infra/containers/docker.sh stop"
  fi
  rm -f "$DOCKER_PIDFILE" "$DOCKER_SOCKET"
  log "starting dockerd (data $DOCKER_CACHE/data, socket $DOCKER_SOCKET, host networking only; log $DOCKER_CACHE/dockerd.log)"
  # Its own data/exec roots and socket: nothing of a system-wide Docker is touched. No default
  # bridge and no iptables rules: the coordinator's containers use the host's network.
  setsid dockerd --data-root "$DOCKER_CACHE/data" --exec-root "$DOCKER_CACHE/exec" --pidfile "$DOCKER_PIDFILE" \
    --host "unix://$DOCKER_SOCKET" --bridge=none --iptables=false --ip6tables=false --ip-forward=false \
    --ip-masq=false --userland-proxy=false >>"$DOCKER_CACHE/dockerd.log" 2>&1 < /dev/null &
  pid=$!
  WAIT_PID=$pid WAIT_LOG="$DOCKER_CACHE/dockerd.log" wait_for "dockerd on $DOCKER_SOCKET" 60 docker_engine_running
  log "dockerd $(docker version --format '{{.Server.Version}}') up in $((SECONDS - started))s (pid $pid; stop: infra/containers/docker.sh stop)"
}

# Stops the project's dockerd. Running containers are stopped first (SIGTERM, 10 s): with
# `restart: unless-stopped` a container the daemon merely killed would start again, holding lnd's
# interceptor, with the next dockerd.
stop_docker_engine() {
  [[ -z "${IC_DOCKER_HOST:-}" ]] || die "IC_DOCKER_HOST is set: that engine is not the project's to stop"
  local pid running
  if docker_engine_running; then
    running="$(docker ps -q)"
    if [[ -n "$running" ]]; then
      log "stopping the running containers first: $(docker ps --format '{{.Names}}' | tr '\n' ' ')"
      # shellcheck disable=SC2086
      docker stop -t 10 $running >/dev/null
    fi
  fi
  [[ -f "$DOCKER_PIDFILE" ]] || { log "dockerd is not running (no $DOCKER_PIDFILE)"; return 0; }
  pid="$(cat "$DOCKER_PIDFILE")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    wait_for "dockerd $pid to exit" 60 bash -c "! kill -0 $pid 2>/dev/null"
    log "dockerd $pid stopped"
  fi
  rm -f "$DOCKER_PIDFILE"
}

# Docker installed, plugins built, the engine answering (started here when it does not).
ensure_docker() {
  use_docker_settings
  ensure_docker_installed
  ensure_docker_plugins
  start_docker_engine
}

# The engine's commands the build and compose scripts need, for either engine.
ensure_engine() { if [[ "$CONTAINER_ENGINE" == docker ]]; then ensure_docker; else ensure_podman; fi; }
engine() { "$CONTAINER_ENGINE" "$@"; }
engine_image_exists() {
  if [[ "$CONTAINER_ENGINE" == docker ]]; then docker image inspect "$1" >/dev/null 2>&1; else podman image exists "$1"; fi
}
engine_arch() {
  if [[ "$CONTAINER_ENGINE" == docker ]]; then docker version --format '{{.Server.Arch}}'; else podman info --format '{{.Host.Arch}}'; fi
}
