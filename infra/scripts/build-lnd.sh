#!/usr/bin/env bash
# Builds pinned lnd, lncli and btcd from the Go module proxy into $CACHE_DIR/lnd-<version>/bin.
# Idempotent: a second run with the same version reuses the binaries (and needs no Go).
source "$(dirname "$0")/lib.sh"

BIN_DIR="$CACHE_DIR/lnd-$LND_VERSION/bin"
if [[ -x "$BIN_DIR/lnd" && -x "$BIN_DIR/lncli" && -x "$BIN_DIR/btcd" ]]; then
  log "lnd $LND_VERSION, lncli and btcd already built in $BIN_DIR"
  exit 0
fi
require_tool go "install Go 1.25 or newer (https://go.dev/doc/install; infra/lnd-build/go.mod needs it)"
mkdir -p "$BIN_DIR"
log "building lnd $LND_VERSION, lncli and btcd from the Go module proxy (first run only; several minutes)"
cd "$INFRA_DIR/lnd-build"
TAGS="signrpc walletrpc chainrpc invoicesrpc peersrpc routerrpc"
export GOFLAGS="-mod=mod"
go build -trimpath -tags "$TAGS" -o "$BIN_DIR/lnd.tmp" github.com/lightningnetwork/lnd/cmd/lnd
go build -trimpath -tags "$TAGS" -o "$BIN_DIR/lncli.tmp" github.com/lightningnetwork/lnd/cmd/lncli
go build -trimpath -o "$BIN_DIR/btcd.tmp" github.com/btcsuite/btcd
for b in lnd lncli btcd; do mv "$BIN_DIR/$b.tmp" "$BIN_DIR/$b"; done
log "built: $("$BIN_DIR/lnd" --version)"
