#!/usr/bin/env bash
# Builds the service images from infra/containers/Containerfile, with Podman (default) or with
# Docker (IC_CONTAINER_ENGINE=docker: the project's own dockerd, started by docker.sh if none runs;
# `docker build` through the buildx plugin, BuildKit):
#   $IMAGE_PREFIX/{invoice-matcher,interceptor-bridge,coordinator-cli,webhook-relay,operator-console}:<version> (and :latest)
# Base image: IC_BASE_IMAGE if set (pulled if missing, e.g. node:20-bookworm-slim where a registry
# answers), else the official image if it is already in local storage, else the local stand-in
# that build-base-image.sh makes without a registry. Layers stay in the engine's store and the pnpm
# store / addon download in build cache mounts: a second run rebuilds only what changed.
# Usage: build-images.sh [service...]   (default: all of them). Prints one line per image.
source "$(dirname "$0")/lib.sh"
ensure_engine
cd "$REPO_DIR"

official="docker.io/library/node:20-bookworm-slim"
base="${IC_BASE_IMAGE:-}"
if [[ -z "$base" ]]; then
  if engine_image_exists "$official"; then base="$official"; else base="$(bash "$INFRA_DIR/containers/build-base-image.sh")"; fi
elif ! engine_image_exists "$base"; then
  log "pulling base image $base"
  engine pull "$base" >&2 || die "base image $base is not in local storage and cannot be pulled (no registry reachable?): unset IC_BASE_IMAGE to build the local stand-in (infra/containers/build-base-image.sh), or load the image first ($CONTAINER_ENGINE load -i node-20-bookworm-slim.tar)"
fi
host_arch="$(engine_arch)"
base_arch="$(engine image inspect --format '{{.Architecture}}' "$base")"
[[ "$base_arch" == "$host_arch" ]] ||
  die "base image $base is built for $base_arch but this machine runs $host_arch: its Node.js and the libsecp256k1 addon would not run here. Use a $host_arch image ($CONTAINER_ENGINE pull --platform linux/$host_arch ...), or build the local stand-in (unset IC_BASE_IMAGE)"
base_node="$(engine run --rm --network none --entrypoint node "$base" -v 2>/dev/null)" ||
  die "base image $base has no working node: it must be a Node.js 20 image (like $official)"
[[ "$base_node" == v20.* ]] || die "base image $base has Node.js $base_node; the services need Node.js 20"

# The export of the tree and the build logs, one folder per engine (both may build at once).
work="$CONTAINERS_CACHE"
[[ "$CONTAINER_ENGINE" == docker ]] && work="$DOCKER_CACHE"
mkdir -p "$work"

# The tsx the images run with must be the one the workspace is tested with.
workspace_tsx="$(node -p "require('./node_modules/tsx/package.json').version" 2>/dev/null || sed -n 's/^  tsx@\([0-9.]*\):$/\1/p' pnpm-lock.yaml | head -1)"
image_tsx="$(node -p "require('./infra/containers/tsx-runtime/package.json').dependencies.tsx")"
[[ "$workspace_tsx" == "$image_tsx" ]] ||
  die "infra/containers/tsx-runtime pins tsx $image_tsx but the workspace uses $workspace_tsx: set the same version there and run 'npm install --package-lock-only' in that folder"

# The build context: the committed tree at HEAD (git archive), so an image is exactly one
# revision and half-done edits in the working tree stay out; IC_IMAGE_CONTEXT=worktree builds
# the working tree instead (then the revision label says -dirty when it differs from HEAD).
# Layers are cached by content, so a fresh export reuses every layer whose inputs did not change.
context_kind="${IC_IMAGE_CONTEXT:-head}"
revision="$(git rev-parse HEAD 2>/dev/null || echo unknown)"
case "$context_kind" in
  head)
    [[ "$revision" != unknown ]] || die "not a git checkout: build the working tree with IC_IMAGE_CONTEXT=worktree"
    context="$work/context"
    rm -rf "$context" && mkdir -p "$context"
    git archive --format=tar HEAD | tar -x -C "$context"
    ;;
  worktree)
    context="$REPO_DIR"
    if [[ "$revision" != unknown && -n "$(git status --porcelain -- packages services proto schemas infra/containers pnpm-lock.yaml 2>/dev/null)" ]]; then
      revision="$revision-dirty"
    fi
    ;;
  *) die "IC_IMAGE_CONTEXT must be head or worktree, got '$context_kind'" ;;
esac
source_url="${IC_IMAGE_SOURCE:-$(git remote get-url origin 2>/dev/null || echo https://example.invalid/invoice-coordinator)}"
# The machine's CA bundle for the build steps that download (npm registry, crates.io), as a build
# secret: never stored in a layer. Needed where a TLS-inspecting proxy signs with its own CA.
ca_args=()
for ca in "${IC_BUILD_CA_BUNDLE:-}" "${NODE_EXTRA_CA_CERTS:-}" "${SSL_CERT_FILE:-}" /etc/ssl/certs/ca-certificates.crt; do
  if [[ -n "$ca" && -f "$ca" ]]; then ca_args=(--secret "id=ca-bundle,src=$ca"); break; fi
done
services=("$@")
(( ${#services[@]} > 0 )) || services=("${SERVICES[@]}")
build_one() {
  local service="$1" version image started size
  version="$(node -p "require('./services/$service/package.json').version")"
  image="$IMAGE_PREFIX/$service"
  started=$SECONDS
  log "building $image:$version ($revision) from $base with $CONTAINER_ENGINE"
  # Host network for the build steps only (apt, npm registry, crates.io): the bridge network is not needed to build.
  # Podman: --format docker keeps HEALTHCHECK; Docker's images always have it.
  local engine_args=(--format docker --layers)
  [[ "$CONTAINER_ENGINE" == docker ]] && engine_args=(--progress plain)
  if ! engine build "${engine_args[@]}" --network host -f "$context/infra/containers/Containerfile" --target "$service" \
      "${ca_args[@]}" --build-arg "BASE_IMAGE=$base" --build-arg "VERSION=$version" --build-arg "REVISION=$revision" --build-arg "SOURCE=$source_url" \
      -t "$image:$version" -t "$image:latest" "$context" >"$work/build-$service.log" 2>&1; then
    tail -n 30 "$work/build-$service.log" >&2
    log "building $image failed (whole log: $work/build-$service.log)"
    return 1
  fi
  size="$(engine image inspect --format '{{.Size}}' "$image:$version")"
  echo "$image:$version $((size / 1000000)) MB built in $((SECONDS - started))s ($CONTAINER_ENGINE)"
}

for service in "${services[@]}"; do
  [[ -f "services/$service/package.json" ]] || die "no service '$service' (services: ${SERVICES[*]})"
done
# The first build makes the shared stages (toolchain, addon, tsx); the others then run side by
# side and find those stages in the layer cache.
build_one "${services[0]}" || die "image build failed"
pids=()
for service in "${services[@]:1}"; do
  build_one "$service" > "$work/build-$service.result" &
  pids+=($!)
done
failed=0
for i in "${!pids[@]}"; do
  wait "${pids[$i]}" || failed=1
  cat "$work/build-${services[$((i + 1))]}.result"
done
(( failed == 0 )) || die "image build failed"
