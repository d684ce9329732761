#!/usr/bin/env bash
# podman with this project's settings (containers.conf: runc, capped ulimits; see lib.sh), for
# the demo, the tests and by hand: infra/containers/podman.sh ps -a --filter label=io.invoice-coordinator.role
source "$(dirname "$0")/lib.sh"
ensure_podman
exec podman "$@"
