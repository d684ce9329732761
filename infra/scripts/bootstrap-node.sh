#!/usr/bin/env bash
# Installs pnpm from the npm registry into the cache (the machine has node and npm only),
# then the workspace's dependencies, then builds the libsecp256k1 addon (cached; a failure there
# is reported and the slower prebuilt secp256k1 backend is used). Idempotent; prints the pnpm
# path on stdout.
source "$(dirname "$0")/lib.sh"
require_tool node "install Node.js 20 or newer"
require_tool npm "install npm (comes with Node.js)"
PNPM_VERSION="$(node -p "require('$REPO_DIR/package.json').packageManager.split('@')[1]")"
PNPM_DIR="$CACHE_DIR/pnpm-$PNPM_VERSION"
PNPM="$PNPM_DIR/node_modules/.bin/pnpm"
if [[ ! -x "$PNPM" ]]; then
  log "installing pnpm $PNPM_VERSION from the npm registry into $PNPM_DIR"
  mkdir -p "$PNPM_DIR"
  npm install --silent --no-audit --no-fund --prefix "$PNPM_DIR" "pnpm@$PNPM_VERSION" >&2
fi
cd "$REPO_DIR"
stamp="$REPO_DIR/node_modules/.ic-install-stamp"
want="$(find . -maxdepth 3 \( -name package.json -o -name pnpm-lock.yaml -o -name pnpm-workspace.yaml \) -not -path '*/node_modules/*' | sort | xargs cat | sha256sum | cut -c1-16)"
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
  log "installing workspace dependencies with pnpm"
  frozen=()
  [[ -f pnpm-lock.yaml && "${CI:-}" == "true" ]] && frozen=(--frozen-lockfile)
  "$PNPM" install --reporter=append-only --store-dir "$CACHE_DIR/pnpm-store" "${frozen[@]}" >&2
  echo "$want" > "$stamp"
fi
if ! bash "$INFRA_DIR/scripts/build-libsecp256k1-addon.sh" >&2; then
  log "warning: the libsecp256k1 addon did not build (see above); the matcher will fall back to the prebuilt npm secp256k1 backend (slower), and the unit tests that need the addon will fail"
fi
# The operator console's page (Vite build into services/operator-console/dist; skipped in well
# under a second when its sources did not change).
if ! node_modules/.bin/tsx services/operator-console/src/build-web.ts >&2; then
  log "warning: the operator console's page did not build (see above); the console will not start"
fi
echo "$PNPM"
