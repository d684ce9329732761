#!/usr/bin/env bash
# The run command (README): sets up everything on a fresh machine, brings the stack up
# (PostgreSQL, Kafka, btcd + regtest lnd), starts the invoice matcher (+ API) and one bridge per
# cluster node, and pays a coordinator invoice across two cluster nodes, printing what happened.
source "$(dirname "$0")/scripts/lib.sh"
cd "$REPO_DIR"
bash infra/scripts/bootstrap-node.sh >/dev/null
bash infra/stack up
exec node_modules/.bin/tsx test/demo/run-demo.ts
