#!/usr/bin/env bash
# Shared by the container scripts: Podman's settings on these machines, and the image names.
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"

CONTAINERS_CACHE="$CACHE_DIR/containers"
IMAGE_PREFIX="${IC_IMAGE_PREFIX:-localhost/invoice-coordinator}"
# The local stand-in for node:20-bookworm-slim (build-base-image.sh), used when no registry answers.
LOCAL_BASE_IMAGE="${IC_LOCAL_BASE_IMAGE:-localhost/ic-node20-bookworm-slim:local}"
SERVICES=(invoice-matcher interceptor-bridge coordinator-cli webhook-relay)

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
