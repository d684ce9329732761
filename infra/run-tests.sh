#!/usr/bin/env bash
# The test command (README, .ci/run): sets up everything on a fresh machine, then runs
#   checks (typecheck, lint, schema compatibility), the unit suite (no I/O), then brings up the
#   real stack (PostgreSQL, Kafka, btcd + regtest lnd) and runs the integration and e2e suites,
#   then the container suite (the services as Podman containers: Podman is installed from
#   Debian's packages if missing and the images are built once per run, cached across runs;
#   where Podman cannot be installed the suite fails, saying why), then the short chaos run
#   (infra/run-chaos.sh 60 6: Kafka switched to three brokers, faults injected, money-safety checks).
# Ends with "N passed, N failed" summed over all suites; exits non-zero on any failure.
# Options: IC_SUITES="unit int e2e container chaos" to choose suites; the docker suite (compose.yaml
# on Docker's own engine, started and stopped by the suite) runs only when named: IC_SUITES=docker.
# With CI=true (.ci/run) the stack is stopped at the end, also after a failed start or an
# interruption, unless IC_KEEP_STACK=1; otherwise it stays up for the next run (infra/stack down stops it).
source "$(dirname "$0")/scripts/lib.sh"
cd "$REPO_DIR"
SUITES="${IC_SUITES:-unit int e2e container chaos}"
RESULTS="$RUN_DIR/test-results"
rm -rf "$RESULTS"; mkdir -p "$RESULTS" "$RUN_DIR/logs"
started=$SECONDS

if ! bash infra/scripts/bootstrap-node.sh >/dev/null; then
  log "setting up pnpm and the workspace dependencies failed (see above)"
  echo "bootstrap=failed" >> "$RESULTS/checks.txt"
  exec node infra/scripts/summarize-tests.mjs "$RESULTS"
fi
export PATH="$REPO_DIR/node_modules/.bin:$PATH"
# The operator console's browser test drives Debian's chromium (installed here when missing).
if [[ " $SUITES " == *" e2e "* ]] && ! bash infra/scripts/install-chromium.sh; then
  log "chromium could not be installed: the operator console's browser test (e2e) will fail"
fi

check() {
  local name="$1"; shift
  log "check: $name"
  if "$@"; then echo "$name=passed" >> "$RESULTS/checks.txt"; else echo "$name=failed" >> "$RESULTS/checks.txt"; fi
}
# Both programs: the Node code, and the operator console's page (browser code, its own tsconfig with DOM types).
check typecheck bash -c 'tsc -p tsconfig.json --noEmit && tsc -p services/operator-console/web/tsconfig.json'
check lint eslint --max-warnings=0 .
[[ -f schemas/check-compatibility.ts ]] && check schema-compatibility tsx schemas/check-compatibility.ts

# The exit code is kept: vitest fails a run on an unhandled error that no test reports.
run_suite() {
  local suite="$1" rc=0
  log "suite: $suite"
  vitest run --project "$suite" --reporter=default --reporter=json --outputFile="$RESULTS/$suite.json" || rc=$?
  echo "$rc" > "$RESULTS/$suite.exit"
}

stack_started=0
stack_touched=0
stop_stack() {
  if [[ $stack_touched == 1 && "${IC_KEEP_STACK:-0}" != 1 && "${CI:-}" == true ]]; then
    stack_touched=0
    bash infra/stack down || true
  fi
}
trap stop_stack EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
for suite in $SUITES; do
  if [[ "$suite" != unit && $stack_started == 0 ]]; then
    log "bringing up the real stack (first run on a machine builds lnd and downloads Kafka: several minutes)"
    stack_touched=1
    if bash infra/stack up; then
      stack_started=1
      export IC_STACK_CONFIG="$RUN_DIR/stack.json"
      # The same schema check, by the stack's schema registry: its BACKWARD rules on /schemas, and
      # the embedded deployment's subjects against the files.
      [[ -f schemas/check-compatibility.ts ]] && check schema-registry-compatibility tsx schemas/check-compatibility.ts \
        --registry "$(jq -r .schemaRegistryUrl "$RUN_DIR/stack.json")" --deployment "${IC_DEPLOYMENT:-ic}"
    else
      log "the stack did not come up: see $RUN_DIR/logs/; the remaining suites count as failed"
      echo "stack-up=failed" >> "$RESULTS/checks.txt"
      break
    fi
  fi
  run_suite "$suite"
done

stop_stack
log "tests took $((SECONDS - started))s"
ran=()
for suite in $SUITES; do ran+=("$suite"); done
node infra/scripts/summarize-tests.mjs "$RESULTS" "${ran[@]}"
