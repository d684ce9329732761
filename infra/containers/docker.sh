#!/usr/bin/env bash
# Docker's own engine on a machine where none runs (these machines; see lib.sh and README.md):
#   docker.sh start          install Debian's docker.io if missing, build the compose and buildx CLI
#                            plugins once (Go module proxy; cached), start dockerd with data, exec
#                            roots and socket of its own under ~/.cache/invoice-coordinator/docker/
#                            (host networking only), and load the local base image
#   docker.sh stop           stop the running containers (SIGTERM), then dockerd
#   docker.sh status         whether dockerd runs, its version, the plugins, the containers
#   docker.sh env            the exports for your shell: eval "$(infra/containers/docker.sh env)"
#   docker.sh docker ARGS    docker with those settings, e.g. docker.sh docker compose ls
# IC_DOCKER_HOST=unix:///var/run/docker.sock uses an engine of your own (never started or stopped here).
source "$(dirname "$0")/lib.sh"
use_docker_settings

case "${1:-}" in
  start)
    ensure_docker
    # The base image (the local stand-in for node:20-bookworm-slim) in the engine's store.
    IC_CONTAINER_ENGINE=docker bash "$INFRA_DIR/containers/build-base-image.sh" >/dev/null
    ;;
  stop) stop_docker_engine ;;
  status)
    if docker_engine_running; then
      echo "dockerd $(docker version --format '{{.Server.Version}}') on $DOCKER_HOST${IC_DOCKER_HOST:+ (IC_DOCKER_HOST)}"
      docker compose version 2>/dev/null || echo "no docker compose plugin (docker.sh start builds it)"
      docker buildx version 2>/dev/null || echo "no docker buildx plugin (docker.sh start builds it)"
      docker ps -a --format 'table {{.Names}}\t{{.Image}}\t{{.Status}}'
    else
      echo "no Docker engine answers on $DOCKER_HOST (start: infra/containers/docker.sh start)"
      exit 3
    fi
    ;;
  env) printf 'export DOCKER_HOST=%q DOCKER_CONFIG=%q DOCKER_BUILDKIT=1\n' "$DOCKER_HOST" "$DOCKER_CONFIG" ;;
  docker) shift; exec docker "$@" ;;
  *) die "usage: infra/containers/docker.sh start|stop|status|env|docker ARGS" ;;
esac
