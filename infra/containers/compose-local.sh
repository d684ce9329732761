#!/usr/bin/env bash
# compose.yaml against this machine's own stack (infra/stack up): writes a deployment folder
# under .run/containers/compose/ (configs from .run/stack.json; the Kafka credentials, lnd TLS
# certs and macaroons copied for uid 1000, mode 0400) and runs podman-compose with it.
#   compose-local.sh up     start, then wait until every container's health check passes and
#                           print how long from `up` until both bridges were ready
#   compose-local.sh down   stop and remove the containers
#   compose-local.sh ps
# The matcher's secrets are those of the demo (.run/demo/secrets.json), passed by environment.
source "$(dirname "$0")/lib.sh"
ensure_podman
cd "$REPO_DIR"
PROJECT="${IC_COMPOSE_PROJECT:-invoice-coordinator}"
DEPLOY="$RUN_DIR/containers/compose"
PODMAN_COMPOSE="$(podman_compose_path)"
compose() { IC_DEPLOY_DIR="$DEPLOY" "$PODMAN_COMPOSE" -p "$PROJECT" -f "$INFRA_DIR/containers/compose.yaml" "$@"; }

write_deployment() {
  local stack="$RUN_DIR/stack.json"
  [[ -f "$stack" ]] || die "no $stack: bring the stack up first (infra/stack up)"
  rm -rf "$DEPLOY"
  mkdir -p "$DEPLOY"/{matcher,bridge-alpha,bridge-bravo}/secrets
  jq '{network: "regtest", postgresUrl, dbSchema: "compose", deployment: .kafkaDeployment,
       kafka: {brokers: .kafkaBrokers, credentialsFile: "/secrets/kafka.json"},
       cluster: [.cluster.nodes.alpha, .cluster.nodes.bravo] | map({name, pubkey}),
       virtualHopPolicy: {feeBaseMsat: 1000, feeProportionalMillionths: 100, cltvExpiryDelta: 40},
       api: {listen: "127.0.0.1:10200"}}' "$stack" > "$DEPLOY/matcher/matcher.json"
  install -o 1000 -g 1000 -m 0400 "$(jq -r .kafkaCredentials.matcher "$stack")" "$DEPLOY/matcher/secrets/kafka.json"
  for node in alpha bravo; do
    jq --arg n "$node" '.cluster.nodes[$n] as $node | {nodeName: $n,
         lnd: {grpcAddress: $node.grpcAddress, tlsCertPath: "/secrets/tls.cert", macaroonPath: "/secrets/admin.macaroon"},
         expectedPubkey: $node.pubkey, network: "regtest", deployment: .kafkaDeployment,
         kafka: {brokers: .kafkaBrokers, credentialsFile: "/secrets/kafka.json"}}' "$stack" > "$DEPLOY/bridge-$node/bridge.json"
    install -o 1000 -g 1000 -m 0400 "$(jq -r --arg n "$node" '.kafkaCredentials.bridges[$n]' "$stack")" "$DEPLOY/bridge-$node/secrets/kafka.json"
    install -o 1000 -g 1000 -m 0400 "$(jq -r --arg n "$node" '.cluster.nodes[$n].tlsCertPath' "$stack")" "$DEPLOY/bridge-$node/secrets/tls.cert"
    install -o 1000 -g 1000 -m 0400 "$(jq -r --arg n "$node" '.cluster.nodes[$n].macaroonPath' "$stack")" "$DEPLOY/bridge-$node/secrets/admin.macaroon"
  done
  chown 1000:1000 "$DEPLOY"/*/secrets && chmod 0500 "$DEPLOY"/*/secrets
}

healthy() { podman healthcheck run "$1" >/dev/null 2>&1; }

case "${1:-}" in
  up)
    write_deployment
    secrets="$RUN_DIR/demo/secrets.json"
    if [[ ! -f "$secrets" ]]; then
      mkdir -p "$(dirname "$secrets")"
      (umask 077; node -e 'const r=(n)=>require("crypto").randomBytes(n).toString("hex"); console.log(JSON.stringify({nodeKey:r(32),preimageSeed:r(32),apiToken:r(24)}))' > "$secrets")
    fi
    IC_MATCHER_NODE_KEY="$(jq -r .nodeKey "$secrets")"
    IC_MATCHER_PREIMAGE_SEED="$(jq -r .preimageSeed "$secrets")"
    IC_MATCHER_API_TOKEN="$(jq -r .apiToken "$secrets")"
    export IC_MATCHER_NODE_KEY IC_MATCHER_PREIMAGE_SEED IC_MATCHER_API_TOKEN
    started=$SECONDS
    compose up -d >"$RUN_DIR/logs/compose-up.log" 2>&1 || { tail -n 20 "$RUN_DIR/logs/compose-up.log" >&2; die "podman-compose up failed (log: $RUN_DIR/logs/compose-up.log)"; }
    # Podman runs health checks from systemd timers; without systemd they run only when asked,
    # so this waits by running each container's own HEALTHCHECK.
    for service in matcher bridge-alpha bridge-bravo; do
      name="$(podman ps -a --filter "label=com.docker.compose.project=$PROJECT" --filter "label=com.docker.compose.service=$service" --format '{{.Names}}' | head -1)"
      [[ -n "$name" ]] || die "podman-compose started no container for $service (log: $RUN_DIR/logs/compose-up.log)"
      wait_for "$name healthy" 180 healthy "$name"
      log "$name healthy $((SECONDS - started))s after 'up'"
    done
    log "both bridges ready $((SECONDS - started))s after podman-compose up (project $PROJECT; stop: $0 down)"
    ;;
  down) compose down -t 10 ;;
  ps) compose ps ;;
  *) die "usage: infra/containers/compose-local.sh up|down|ps" ;;
esac
