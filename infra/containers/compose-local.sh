#!/usr/bin/env bash
# compose.yaml against this machine's own stack (infra/stack up): writes a deployment folder
# under .run/containers/compose/ (configs from .run/stack.json; the Kafka credentials, lnd TLS
# certs and macaroons copied for uid 1000, mode 0400) and runs compose with it: podman-compose
# (default) or `docker compose` with IC_CONTAINER_ENGINE=docker (the project's own dockerd,
# started by docker.sh when none runs; images from build-images.sh with the same engine).
#   compose-local.sh up [--console] [--webhooks]   start, then wait until every container's health
#                           check passes and print how long from `up` until both bridges were ready;
#                           --console also starts the operator console (compose profile `console`) on
#                           127.0.0.1:${IC_COMPOSE_CONSOLE_PORT:-9480}, signed in with the API token;
#                           --webhooks the webhook relay (profile `webhooks`), posting the invoice
#                           events to ${IC_COMPOSE_WEBHOOK_URL:-http://127.0.0.1:9499/webhooks}
#                           (endpoint `local`, its HMAC secret in .run/containers/webhook-local.secret)
#   compose-local.sh down   stop and remove the containers (the console's and relay's too)
#   compose-local.sh ps
# The matcher's secrets are those of the demo (.run/demo/secrets.json), passed by environment,
# unless IC_MATCHER_NODE_KEY, IC_MATCHER_PREIMAGE_SEED and IC_MATCHER_API_TOKEN are all set.
# For a deployment of its own (the tests): IC_COMPOSE_PROJECT (also names the folder),
# IC_COMPOSE_DEPLOYMENT (Kafka deployment; default the stack's), IC_COMPOSE_DB_SCHEMA (compose),
# IC_COMPOSE_API_PORT (10200), IC_COMPOSE_CONSOLE_PORT (9480), and compose.yaml's
# IC_MATCHER_METRICS_PORT, IC_BRIDGE_ALPHA_METRICS_PORT, IC_BRIDGE_BRAVO_METRICS_PORT,
# IC_WEBHOOK_METRICS_PORT (9467).
# Every config names the stack's schema registry (stack.json schemaRegistryUrl).
source "$(dirname "$0")/lib.sh"
if [[ "$CONTAINER_ENGINE" == docker && "${1:-}" != up ]]; then
  # down/ps never start an engine: with none running there are no containers.
  use_docker_settings
  docker_engine_running || { log "no Docker engine answers on $DOCKER_HOST: no containers to ${1:-list}"; exit 0; }
else
  ensure_engine
fi
cd "$REPO_DIR"
PROJECT="${IC_COMPOSE_PROJECT:-invoice-coordinator}"
DEPLOY="$RUN_DIR/containers/compose"
[[ "$PROJECT" == invoice-coordinator ]] || DEPLOY="$RUN_DIR/containers/compose-$PROJECT"
# The console's service is in the profile `console`, the webhook relay's in `webhooks`: `up
# --console` / `up --webhooks` start them; down and ps always name both profiles, so their
# containers are stopped and listed with the others.
usage="usage: infra/containers/compose-local.sh up [--console] [--webhooks]|down|ps"
with_console=false
with_webhooks=false
if [[ "${1:-}" == up ]]; then
  for option in "${@:2}"; do
    case "$option" in
      --console) with_console=true ;;
      --webhooks) with_webhooks=true ;;
      *) die "$usage" ;;
    esac
  done
else
  [[ $# -le 1 ]] || die "$usage"
  with_console=true
  with_webhooks=true
fi
profile_args=()
[[ "$with_console" == true ]] && profile_args+=(--profile console)
[[ "$with_webhooks" == true ]] && profile_args+=(--profile webhooks)
if [[ "$CONTAINER_ENGINE" == docker ]]; then
  # A `docker compose build` would build from the local base image too (no registry to pull from).
  compose() {
    IC_DEPLOY_DIR="$DEPLOY" IC_BASE_IMAGE="${IC_BASE_IMAGE:-$LOCAL_BASE_IMAGE}" \
      docker compose -p "$PROJECT" -f "$INFRA_DIR/containers/compose.yaml" "${profile_args[@]}" "$@"
  }
  # Docker runs the images' health checks itself.
  healthy() { [[ "$(docker inspect --format '{{if .State.Health}}{{.State.Health.Status}}{{end}}' "$1" 2>/dev/null)" == healthy ]]; }
  up_args=(up -d --no-build --pull never)
else
  PODMAN_COMPOSE="$(podman_compose_path)"
  compose() { IC_DEPLOY_DIR="$DEPLOY" "$PODMAN_COMPOSE" -p "$PROJECT" -f "$INFRA_DIR/containers/compose.yaml" "${profile_args[@]}" "$@"; }
  # Podman runs health checks from systemd timers; without systemd they run only when asked,
  # so the wait runs each container's own HEALTHCHECK.
  healthy() { podman healthcheck run "$1" >/dev/null 2>&1; }
  up_args=(up -d)
fi

write_deployment() {
  local stack="$RUN_DIR/stack.json"
  [[ -f "$stack" ]] || die "no $stack: bring the stack up first (infra/stack up)"
  rm -rf "$DEPLOY"
  jq -e '.schemaRegistryUrl' "$stack" >/dev/null || die "$stack names no schemaRegistryUrl: bring the stack up again (infra/stack up adds the schema registry)"
  mkdir -p "$DEPLOY"/{matcher,bridge-alpha,bridge-bravo,console,webhook-relay}/secrets
  jq --arg deployment "${IC_COMPOSE_DEPLOYMENT:-}" --arg schema "${IC_COMPOSE_DB_SCHEMA:-compose}" \
     --arg listen "127.0.0.1:${IC_COMPOSE_API_PORT:-10200}" \
     '{network: "regtest", postgresUrl, dbSchema: $schema,
       deployment: (if $deployment == "" then .kafkaDeployment else $deployment end),
       schemaRegistryUrl,
       kafka: {brokers: .kafkaBrokers, credentialsFile: "/secrets/kafka.json"},
       cluster: [.cluster.nodes.alpha, .cluster.nodes.bravo] | map({name, pubkey}),
       virtualHopPolicy: {feeBaseMsat: 1000, feeProportionalMillionths: 100, cltvExpiryDelta: 40},
       api: {listen: $listen}}' "$stack" > "$DEPLOY/matcher/matcher.json"
  install -o 1000 -g 1000 -m 0400 "$(jq -r .kafkaCredentials.matcher "$stack")" "$DEPLOY/matcher/secrets/kafka.json"
  for node in alpha bravo; do
    jq --arg n "$node" --arg deployment "${IC_COMPOSE_DEPLOYMENT:-}" '.cluster.nodes[$n] as $node | {nodeName: $n,
         lnd: {grpcAddress: $node.grpcAddress, tlsCertPath: "/secrets/tls.cert", macaroonPath: "/secrets/admin.macaroon"},
         expectedPubkey: $node.pubkey, network: "regtest",
         deployment: (if $deployment == "" then .kafkaDeployment else $deployment end),
         schemaRegistryUrl,
         kafka: {brokers: .kafkaBrokers, credentialsFile: "/secrets/kafka.json"}}' "$stack" > "$DEPLOY/bridge-$node/bridge.json"
    install -o 1000 -g 1000 -m 0400 "$(jq -r --arg n "$node" '.kafkaCredentials.bridges[$n]' "$stack")" "$DEPLOY/bridge-$node/secrets/kafka.json"
    install -o 1000 -g 1000 -m 0400 "$(jq -r --arg n "$node" '.cluster.nodes[$n].tlsCertPath' "$stack")" "$DEPLOY/bridge-$node/secrets/tls.cert"
    install -o 1000 -g 1000 -m 0400 "$(jq -r --arg n "$node" '.cluster.nodes[$n].macaroonPath' "$stack")" "$DEPLOY/bridge-$node/secrets/admin.macaroon"
  done
  # The console: the API, both bridges' and the matcher's metrics, Kafka (lag) as its own principal.
  jq --arg deployment "${IC_COMPOSE_DEPLOYMENT:-}" --arg listen "127.0.0.1:${IC_COMPOSE_CONSOLE_PORT:-9480}" \
     --arg api "127.0.0.1:${IC_COMPOSE_API_PORT:-10200}" --arg matcher "${IC_MATCHER_METRICS_PORT:-9464}" \
     --arg alpha "${IC_BRIDGE_ALPHA_METRICS_PORT:-9465}" --arg bravo "${IC_BRIDGE_BRAVO_METRICS_PORT:-9466}" \
     '{listen: $listen, api: {address: $api},
       deployment: (if $deployment == "" then .kafkaDeployment else $deployment end),
       bridges: [{node: "alpha", metricsUrl: "http://127.0.0.1:\($alpha)/metrics"}, {node: "bravo", metricsUrl: "http://127.0.0.1:\($bravo)/metrics"}],
       matchers: [{name: "matcher", metricsUrl: "http://127.0.0.1:\($matcher)/metrics"}],
       kafka: {brokers: .kafkaBrokers, credentialsFile: "/secrets/kafka.json"}}' "$stack" > "$DEPLOY/console/console.json"
  jq -e .kafkaCredentials.operatorConsole "$stack" >/dev/null ||
    die "$stack names no kafkaCredentials.operatorConsole: bring the stack up again (infra/stack up adds the principal without a restart)"
  install -o 1000 -g 1000 -m 0400 "$(jq -r .kafkaCredentials.operatorConsole "$stack")" "$DEPLOY/console/secrets/kafka.json"
  # The webhook relay: the invoice events to one endpoint (`local`), as its own principal.
  jq -e .kafkaCredentials.webhookRelay "$stack" >/dev/null ||
    die "$stack names no kafkaCredentials.webhookRelay: bring the stack up again (infra/stack up)"
  jq --arg deployment "${IC_COMPOSE_DEPLOYMENT:-}" --arg url "${IC_COMPOSE_WEBHOOK_URL:-http://127.0.0.1:9499/webhooks}" \
     '{deployment: (if $deployment == "" then .kafkaDeployment else $deployment end),
       schemaRegistryUrl,
       kafka: {brokers: .kafkaBrokers, credentialsFile: "/secrets/kafka.json"},
       endpoints: [{name: "local", url: $url, secretFile: "/secrets/local.secret"}]}' "$stack" > "$DEPLOY/webhook-relay/relay.json"
  install -o 1000 -g 1000 -m 0400 "$(jq -r .kafkaCredentials.webhookRelay "$stack")" "$DEPLOY/webhook-relay/secrets/kafka.json"
  # The endpoint's HMAC secret: made once, kept for the receiver to check signatures with.
  local webhook_secret="$RUN_DIR/containers/webhook-local.secret"
  [[ -s "$webhook_secret" ]] || (umask 077; openssl rand -hex 32 > "$webhook_secret")
  install -o 1000 -g 1000 -m 0400 "$webhook_secret" "$DEPLOY/webhook-relay/secrets/local.secret"
  chown 1000:1000 "$DEPLOY"/*/secrets && chmod 0500 "$DEPLOY"/*/secrets
}

case "${1:-}" in
  up)
    write_deployment
    if [[ -z "${IC_MATCHER_NODE_KEY:-}" || -z "${IC_MATCHER_PREIMAGE_SEED:-}" || -z "${IC_MATCHER_API_TOKEN:-}" ]]; then
      secrets="$RUN_DIR/demo/secrets.json"
      if [[ ! -f "$secrets" ]]; then
        mkdir -p "$(dirname "$secrets")"
        (umask 077; node -e 'const r=(n)=>require("crypto").randomBytes(n).toString("hex"); console.log(JSON.stringify({nodeKey:r(32),preimageSeed:r(32),apiToken:r(24)}))' > "$secrets")
      fi
      IC_MATCHER_NODE_KEY="$(jq -r .nodeKey "$secrets")"
      IC_MATCHER_PREIMAGE_SEED="$(jq -r .preimageSeed "$secrets")"
      IC_MATCHER_API_TOKEN="$(jq -r .apiToken "$secrets")"
    fi
    # The console signs in to the API (and operators to the console) with the API's token.
    IC_CONSOLE_API_AUTH_TOKEN="$IC_MATCHER_API_TOKEN"
    export IC_MATCHER_NODE_KEY IC_MATCHER_PREIMAGE_SEED IC_MATCHER_API_TOKEN IC_CONSOLE_API_AUTH_TOKEN
    mkdir -p "$RUN_DIR/logs"
    up_log="$RUN_DIR/logs/compose-up-$PROJECT.log"
    started=$SECONDS
    # Docker's compose waits for the matcher's health (depends_on) before it starts the bridges.
    compose "${up_args[@]}" >"$up_log" 2>&1 || { tail -n 20 "$up_log" >&2; die "$CONTAINER_ENGINE compose up failed (log: $up_log)"; }
    services=(matcher bridge-alpha bridge-bravo)
    if [[ "$with_console" == true ]]; then services+=(console); fi
    if [[ "$with_webhooks" == true ]]; then services+=(webhook-relay); fi
    for service in "${services[@]}"; do
      name="$(engine ps -a --filter "label=com.docker.compose.project=$PROJECT" --filter "label=com.docker.compose.service=$service" --format '{{.Names}}' | head -1)"
      [[ -n "$name" ]] || die "compose started no container for $service (log: $up_log)"
      wait_for "$name healthy" 180 healthy "$name"
      log "$name healthy $((SECONDS - started))s after 'up'"
      if [[ "$service" == bridge-bravo ]]; then bridges_ready=$((SECONDS - started)); fi
    done
    log "both bridges ready ${bridges_ready}s after $CONTAINER_ENGINE compose up (project $PROJECT; stop: $0 down)"
    if [[ "$with_console" == true ]]; then
      log "operator console: http://127.0.0.1:${IC_COMPOSE_CONSOLE_PORT:-9480}/ (sign in with the API token: IC_MATCHER_API_TOKEN, or apiToken in $RUN_DIR/demo/secrets.json)"
    fi
    if [[ "$with_webhooks" == true ]]; then
      log "webhook relay: invoice events to ${IC_COMPOSE_WEBHOOK_URL:-http://127.0.0.1:9499/webhooks} (endpoint local, HMAC secret in $RUN_DIR/containers/webhook-local.secret; readiness on 127.0.0.1:${IC_WEBHOOK_METRICS_PORT:-9467}/readyz)"
    fi
    ;;
  down) compose down -t 10 ;;
  ps) compose ps ;;
  *) die "$usage" ;;
esac
