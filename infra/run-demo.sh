#!/usr/bin/env bash
# The run command (README): sets up everything on a fresh machine, brings the stack up
# (PostgreSQL, Kafka, btcd + regtest lnd), starts the invoice matcher (+ API) and one bridge per
# cluster node, and pays a coordinator invoice across two cluster nodes, printing what happened.
#   --containers   the services and the operator console as Podman containers (installs Podman
#                  from Debian's packages if missing, builds the images of infra/containers,
#                  cached); host networking, as the stack listens on 127.0.0.1 only. The
#                  containers are stopped afterwards,
#   --keep         unless this is given too.
source "$(dirname "$0")/scripts/lib.sh"
cd "$REPO_DIR"
containers=0
demo_args=()
for arg in "$@"; do
  case "$arg" in
    --containers) containers=1; demo_args+=(--containers) ;;
    --keep) demo_args+=(--keep) ;;
    *) die "usage: infra/run-demo.sh [--containers [--keep]]" ;;
  esac
done
bash infra/scripts/bootstrap-node.sh >/dev/null
if [[ $containers == 1 ]]; then
  log "building the service images (infra/containers/build-images.sh; cached: only what changed is rebuilt)"
  built="$(bash infra/containers/build-images.sh)"
  sed 's/^/[demo] image /' <<<"$built"
fi
bash infra/stack up
exec node_modules/.bin/tsx test/demo/run-demo.ts "${demo_args[@]}"
