#!/usr/bin/env bash
# Builds packages/libsecp256k1-addon: our Node-API binding (src/libsecp256k1_addon.c) linked with
# a current libsecp256k1, taken from the secp256k1-sys crate on crates.io (the upstream tree with
# prefixed symbols; pinned below by version and SHA-256). The result is cached under
# $CACHE_DIR/libsecp256k1-addon/<key>/ (key = sources, flags, compiler, Node-API headers) and
# copied to packages/libsecp256k1-addon/build/libsecp256k1_addon.node, where the loader looks.
# Idempotent: a second run with nothing changed only copies the cached file (or does nothing).
# Needs gcc, curl, tar and the node-api-headers package (a devDependency, installed by pnpm).
source "$(dirname "$0")/lib.sh"

CRATE_VERSION="0.14.1"
CRATE_SHA256="f6b2992d4a3cd244539a7d5d0966aadbe5ca7fb868a5d7e38c29499b9e709bbd"
CRATE_URL="https://static.crates.io/crates/secp256k1-sys/secp256k1-sys-$CRATE_VERSION.crate"

PKG_DIR="$REPO_DIR/packages/libsecp256k1-addon"
SOURCE="$PKG_DIR/src/libsecp256k1_addon.c"
OUTPUT="$PKG_DIR/build/libsecp256k1_addon.node"
CC="${CC:-gcc}"

require_tool "$CC" "install a C compiler (Debian package gcc)"
require_tool curl "install curl (Debian package curl)"
require_tool tar "install tar"
HEADERS="$(cd "$PKG_DIR" && node -p "require('node-api-headers').include_dir" 2>/dev/null)" ||
  die "the node-api-headers package is missing: run the workspace install (infra/scripts/bootstrap-node.sh) first"
[[ -f "$HEADERS/node_api.h" ]] || die "node_api.h not found in $HEADERS"

# The library is built as upstream's rust binding builds it (default table sizes, ECDH and
# recovery modules, external default callbacks), with -O3 and hidden symbols: only the module's
# Node-API entry point is exported, so it cannot clash with the npm secp256k1 addon in one process.
LIB_FLAGS=(-O3 -fPIC -fvisibility=hidden -std=c99 -Wno-unused-function -Wno-unused-parameter
  -DSECP256K1_NO_API_VISIBILITY_ATTRIBUTES -DENABLE_MODULE_ECDH=1 -DENABLE_MODULE_RECOVERY=1
  -DECMULT_WINDOW_SIZE=15 -DCOMB_BLOCKS=43 -DCOMB_TEETH=6 -DUSE_EXTERNAL_DEFAULT_CALLBACKS=1 '-Dprintf(...)=')
ADDON_FLAGS=(-O3 -fPIC -fvisibility=hidden -std=gnu11 -Wall -Wextra -Werror -DNAPI_VERSION=8
  -DSECP256K1_NO_API_VISIBILITY_ATTRIBUTES)

key="$( { echo "$CRATE_VERSION $CRATE_SHA256"; cat "$SOURCE" "${BASH_SOURCE[0]}"; "$CC" --version | head -1; cat "$HEADERS/node_api.h"; } | sha256sum | cut -c1-16)"
CACHED="$CACHE_DIR/libsecp256k1-addon/$key/libsecp256k1_addon.node"

install_output() {
  mkdir -p "$(dirname "$OUTPUT")"
  if ! cmp -s "$CACHED" "$OUTPUT"; then
    cp "$CACHED" "$OUTPUT.tmp" && mv "$OUTPUT.tmp" "$OUTPUT"
  fi
}

if [[ -f "$CACHED" ]]; then
  install_output
  exit 0
fi

crate="$CACHE_DIR/downloads/secp256k1-sys-$CRATE_VERSION.crate"
if [[ ! -f "$crate" ]] || ! echo "$CRATE_SHA256  $crate" | sha256sum -c --quiet - 2>/dev/null; then
  log "downloading libsecp256k1 (secp256k1-sys $CRATE_VERSION) from crates.io"
  mkdir -p "$(dirname "$crate")"
  curl -fsSL --retry 3 -o "$crate.tmp" "$CRATE_URL" || die "cannot download $CRATE_URL"
  echo "$CRATE_SHA256  $crate.tmp" | sha256sum -c --quiet - || die "checksum mismatch for $CRATE_URL (expected $CRATE_SHA256)"
  mv "$crate.tmp" "$crate"
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
tar -xzf "$crate" -C "$work"
LIB="$work/secp256k1-sys-$CRATE_VERSION/depend/secp256k1"
revision="$(grep -v '^#' "$work/secp256k1-sys-$CRATE_VERSION/depend/secp256k1-HEAD-revision.txt" | head -1 | cut -c1-12)"
log "compiling libsecp256k1 ${revision} and the Node-API addon (5-10 s on 2 cores)"
INCLUDES=(-I"$LIB" -I"$LIB/include" -I"$LIB/src")
pids=()
for unit in secp256k1 precomputed_ecmult precomputed_ecmult_gen; do
  "$CC" "${LIB_FLAGS[@]}" "${INCLUDES[@]}" -c "$LIB/src/$unit.c" -o "$work/$unit.o" &
  pids+=($!)
done
"$CC" "${ADDON_FLAGS[@]}" -I"$HEADERS" -I"$LIB/include" \
  "-DLIBSECP256K1_DESCRIPTION=\"libsecp256k1 $revision (secp256k1-sys $CRATE_VERSION)\"" \
  -c "$SOURCE" -o "$work/addon.o"
for pid in "${pids[@]}"; do wait "$pid" || die "compiling libsecp256k1 failed (see the compiler output above)"; done
"$CC" -shared -fPIC -o "$work/libsecp256k1_addon.node" "$work/addon.o" "$work/secp256k1.o" "$work/precomputed_ecmult.o" "$work/precomputed_ecmult_gen.o"
node -e "const a = require(process.argv[1]); if (typeof a.ecdh !== 'function') process.exit(1)" "$work/libsecp256k1_addon.node" ||
  die "the built addon does not load in this Node.js"

mkdir -p "$(dirname "$CACHED")"
mv "$work/libsecp256k1_addon.node" "$CACHED.tmp" && mv "$CACHED.tmp" "$CACHED"
install_output
log "built $OUTPUT (cached in $CACHED)"
