#!/usr/bin/env bash
# The chaos run (issue 10, docs/operations.md): brings up the stack with a three-broker Kafka
# (IC_KAFKA_NODES, default 3), then runs test/chaos/chaos-run.ts: two matchers and one bridge per
# cluster node as separate processes, [payments] payments of every kind from the payer while
# [faults] faults are injected (kill -9 of a bridge, a matcher, a Kafka broker; a Postgres restart;
# an lnd node restart; a Kafka outage), then checks lnd's and the coordinator's records and prints
# one JSON line. Exit 0 only if no money-safety check failed and every fault was applied.
#   bash infra/run-chaos.sh [payments=60] [faults=6]
# The stack stays up afterwards (infra/stack down stops it; the next plain `infra/stack up` goes
# back to one broker, formatting Kafka again).
source "$(dirname "$0")/scripts/lib.sh"
cd "$REPO_DIR"
bash infra/scripts/bootstrap-node.sh >/dev/null
export IC_KAFKA_NODES="${IC_KAFKA_NODES:-3}"
bash infra/stack up
export IC_STACK_CONFIG="$RUN_DIR/stack.json"
exec node_modules/.bin/tsx test/chaos/chaos-run.ts "${1:-60}" "${2:-6}"
