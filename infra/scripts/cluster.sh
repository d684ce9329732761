#!/usr/bin/env bash
# A regtest Lightning cluster: btcd, a payer lnd, and two cluster lnd nodes (alpha, bravo)
# started with --requireinterceptor --store-final-htlc-resolutions, funded, with a channel
# from the payer to each cluster node. Writes $RUN_DIR/cluster.json for services and tests.
# Usage: cluster.sh start|stop|status
# Every daemon starts through lib.sh's daemon: its own session, no inherited descriptors.
source "$(dirname "$0")/lib.sh"
BIN="$CACHE_DIR/lnd-$LND_VERSION/bin"
BTCD_DIR="$RUN_DIR/btcd"
LND_ROOT="$RUN_DIR/lnd"
BTCD_RPC_PORT="${IC_BTCD_RPC_PORT:-18556}"
BTCD_P2P_PORT="${IC_BTCD_P2P_PORT:-18555}"
BTCD_USER=ic
BTCD_PASS=ic-regtest
NODES=(payer alpha bravo)
declare -A GRPC_PORT=([payer]="${IC_LND_PAYER_PORT:-10101}" [alpha]="${IC_LND_ALPHA_PORT:-10102}" [bravo]="${IC_LND_BRAVO_PORT:-10103}")
declare -A P2P_PORT=([payer]="${IC_LND_PAYER_P2P_PORT:-19801}" [alpha]="${IC_LND_ALPHA_P2P_PORT:-19802}" [bravo]="${IC_LND_BRAVO_P2P_PORT:-19803}")
# Sized so a payment of 1.5M sat cannot fit one channel and must split across alpha and bravo.
CHANNEL_SAT="${IC_CHANNEL_SAT:-1000000}"
# Any valid regtest (testnet-version) address: coinbase of the very first block only, so lnd
# sees a recent tip before it has an address of its own.
BOOTSTRAP_MINING_ADDR="mipcBbFg9gMiCh81Kj8tqqdgoZub1ZJRfn"
CLUSTER_JSON="$RUN_DIR/cluster.json"

btcd_rpc() {
  local method="$1" params="${2:-[]}"
  curl -sf --max-time 20 --cacert "$BTCD_DIR/rpc.cert" -u "$BTCD_USER:$BTCD_PASS" \
    -H 'content-type: text/plain' --data "{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"$method\",\"params\":$params}" \
    "https://127.0.0.1:$BTCD_RPC_PORT"
}
mine() { btcd_rpc generate "[$1]" >/dev/null; }
block_height() { btcd_rpc getblockcount | jq -r .result; }

lncli_of() {
  local n="$1"; shift
  timeout 30 "$BIN/lncli" --lnddir="$LND_ROOT/$n" --network=regtest --rpcserver="127.0.0.1:${GRPC_PORT[$n]}" "$@"
}

btcd_running() { [[ -f "$BTCD_DIR/btcd.pid" ]] && kill -0 "$(cat "$BTCD_DIR/btcd.pid")" 2>/dev/null && btcd_rpc getblockcount; }

start_btcd() {
  local mining_addr="$1"
  require_free_port "$BTCD_RPC_PORT" "btcd RPC"
  require_free_port "$BTCD_P2P_PORT" "btcd P2P"
  mkdir -p "$BTCD_DIR" "$RUN_DIR/logs"
  touch "$BTCD_DIR/btcd.conf"
  daemon "$BIN/btcd" --configfile="$BTCD_DIR/btcd.conf" --regtest --txindex --datadir="$BTCD_DIR/data" \
    --logdir="$BTCD_DIR/logs" --rpccert="$BTCD_DIR/rpc.cert" --rpckey="$BTCD_DIR/rpc.key" \
    --rpcuser="$BTCD_USER" --rpcpass="$BTCD_PASS" --rpclisten="127.0.0.1:$BTCD_RPC_PORT" \
    --listen="127.0.0.1:$BTCD_P2P_PORT" --nodnsseed --miningaddr="$mining_addr" --debuglevel=info \
    >"$RUN_DIR/logs/btcd.log" 2>&1 &
  echo $! > "$BTCD_DIR/btcd.pid"
  WAIT_PID=$(cat "$BTCD_DIR/btcd.pid") WAIT_LOG="$RUN_DIR/logs/btcd.log" wait_for "btcd RPC on :$BTCD_RPC_PORT (see $RUN_DIR/logs/btcd.log)" 60 btcd_running
}

stop_pid_file() {
  local f="$1" what="$2"
  [[ -f "$f" ]] || return 0
  local pid; pid="$(cat "$f")"
  if kill -0 "$pid" 2>/dev/null; then
    log "stopping $what"
    kill "$pid"
    local deadline=$((SECONDS + 60))
    while kill -0 "$pid" 2>/dev/null; do
      (( SECONDS < deadline )) || { kill -9 "$pid"; break; }
      sleep 0.2
    done
  fi
  rm -f "$f"
}

lnd_args() {
  local n="$1"
  local args=(--lnddir="$LND_ROOT/$n" --bitcoin.regtest --bitcoin.node=btcd
    --btcd.rpchost="127.0.0.1:$BTCD_RPC_PORT" --btcd.rpcuser="$BTCD_USER" --btcd.rpcpass="$BTCD_PASS"
    --btcd.rpccert="$BTCD_DIR/rpc.cert" --rpclisten="127.0.0.1:${GRPC_PORT[$n]}" --listen="127.0.0.1:${P2P_PORT[$n]}"
    --norest --noseedbackup --nobootstrap --alias="$n" --debuglevel="${IC_LND_DEBUGLEVEL:-info}"
    --trickledelay=50 --bitcoin.defaultchanconfs=1 --db.batch-commit-interval=10ms
    --tlsextraip=127.0.0.1 --tlsextradomain=localhost)
  if [[ "$n" != payer ]]; then args+=(--requireinterceptor --store-final-htlc-resolutions); fi
  # Benchmarks and diagnosis only, for every node alike (native and coordinator payments stay
  # comparable): IC_LND_DEBUGLEVEL (e.g. "info,HSWC=trace,PEER=debug,INVC=debug") and
  # IC_LND_EXTRA_ARGS (space-separated lnd flags, e.g. "--channel-commit-interval=10ms").
  # Both apply at the next start of a node (cluster.sh stop-node/start-node NAME).
  if [[ -n "${IC_LND_EXTRA_ARGS:-}" ]]; then read -r -a extra <<<"$IC_LND_EXTRA_ARGS"; args+=("${extra[@]}"); fi
  printf '%s\n' "${args[@]}"
}

lnd_active() { [[ "$(lncli_of "$1" state 2>/dev/null | jq -r .state)" == SERVER_ACTIVE ]]; }

start_lnd() {
  local n="$1"
  require_free_port "${GRPC_PORT[$n]}" "lnd $n gRPC"
  require_free_port "${P2P_PORT[$n]}" "lnd $n P2P"
  mkdir -p "$LND_ROOT/$n"
  mapfile -t args < <(lnd_args "$n")
  daemon "$BIN/lnd" "${args[@]}" >>"$RUN_DIR/logs/lnd-$n.log" 2>&1 &
  echo $! > "$LND_ROOT/$n/lnd.pid"
}

lnd_running() { [[ -f "$LND_ROOT/$1/lnd.pid" ]] && kill -0 "$(cat "$LND_ROOT/$1/lnd.pid")" 2>/dev/null; }

synced() { [[ "$(lncli_of "$1" getinfo 2>/dev/null | jq -r '.synced_to_chain')" == true ]] \
  && [[ "$(lncli_of "$1" getinfo | jq -r .block_height)" == "$(block_height)" ]]; }

all_synced() { for n in "${NODES[@]}"; do synced "$n" || return 1; done; }

channel_active() {
  local peer_pub="$1"
  [[ "$(lncli_of payer listchannels --active_only | jq --arg p "$peer_pub" '[.channels[] | select(.remote_pubkey==$p)] | length')" -ge 1 ]]
}

pubkey_of() { lncli_of "$1" getinfo | jq -r .identity_pubkey; }
confirmed_balance() { lncli_of payer walletbalance | jq -r .confirmed_balance; }
has_funds() { (( $(confirmed_balance) >= 3 * CHANNEL_SAT )); }

write_cluster_json() {
  local nodes_json="{}"
  for n in "${NODES[@]}"; do
    nodes_json="$(jq --arg n "$n" --arg grpc "127.0.0.1:${GRPC_PORT[$n]}" --arg p2p "127.0.0.1:${P2P_PORT[$n]}" \
      --arg cert "$LND_ROOT/$n/tls.cert" --arg mac "$LND_ROOT/$n/data/chain/bitcoin/regtest/admin.macaroon" \
      --arg pub "$(pubkey_of "$n")" --arg role "$([[ $n == payer ]] && echo payer || echo cluster)" \
      --arg dir "$LND_ROOT/$n" --arg pid "$LND_ROOT/$n/lnd.pid" \
      '.[$n] = {name:$n, role:$role, grpcAddress:$grpc, p2pAddress:$p2p, tlsCertPath:$cert, macaroonPath:$mac, pubkey:$pub, lndDir:$dir, pidFile:$pid}' \
      <<<"$nodes_json")"
  done
  jq -n --argjson nodes "$nodes_json" --arg rpc "127.0.0.1:$BTCD_RPC_PORT" --arg cert "$BTCD_DIR/rpc.cert" \
    --arg user "$BTCD_USER" --arg pass "$BTCD_PASS" --arg lnd "$LND_VERSION" --arg bin "$BIN" \
    --argjson chan "$CHANNEL_SAT" \
    '{network:"regtest", lndVersion:$lnd, binDir:$bin, channelCapacitySat:$chan,
      btcd:{rpcAddress:$rpc, rpcCertPath:$cert, rpcUser:$user, rpcPass:$pass}, nodes:$nodes}' > "$CLUSTER_JSON.tmp"
  mv "$CLUSTER_JSON.tmp" "$CLUSTER_JSON"
}

# An lnd that was connected to btcd across the restart above can stay in RPC_ACTIVE for good,
# its log ending at "Waiting for chain backend to finish sync" (seen here on a fresh stack). It
# gets 60 s, then one restart (its wallet and data stay), then 180 s more.
wait_lnd_active_or_restart() {
  local n="$1" deadline=$((SECONDS + 60))
  until lnd_active "$n"; do
    lnd_running "$n" || die "lnd $n exited while starting (see $RUN_DIR/logs/lnd-$n.log)"
    if (( SECONDS >= deadline )); then
      log "lnd $n is not SERVER_ACTIVE after 60 s (log: $(tail -1 "$RUN_DIR/logs/lnd-$n.log" | cut -c1-120)); restarting it once"
      stop_pid_file "$LND_ROOT/$n/lnd.pid" "lnd $n"
      start_lnd "$n"
      WAIT_PID=$(cat "$LND_ROOT/$n/lnd.pid") WAIT_LOG="$RUN_DIR/logs/lnd-$n.log" \
        wait_for "lnd $n SERVER_ACTIVE after its restart (see $RUN_DIR/logs/lnd-$n.log)" 180 lnd_active "$n"
      return
    fi
    sleep 0.5
  done
}

cmd_status() {
  btcd_running >/dev/null || return 1
  for n in "${NODES[@]}"; do lnd_running "$n" && lnd_active "$n" || return 1; done
  [[ -f "$CLUSTER_JSON" ]]
}

payer_address() { lncli_of payer newaddress p2wkh 2>/dev/null | jq -er .address; }

cmd_start() {
  for b in btcd lnd lncli; do
    [[ -x "$BIN/$b" ]] || die "$b is not built; run infra/scripts/build-lnd.sh (infra/stack up does)"
  done
  require_tool jq "install jq (Debian: jq)"
  require_tool curl "install curl (Debian: curl)"
  if cmd_status 2>/dev/null; then log "regtest cluster already running"; return; fi
  # btcd deletes its regtest database at every start, so a cluster never outlives its btcd:
  # every start builds a new chain, new wallets and new channels.
  cmd_stop
  rm -rf "$BTCD_DIR" "$LND_ROOT" "$CLUSTER_JSON"
  log "starting btcd (regtest) on 127.0.0.1:$BTCD_RPC_PORT"
  start_btcd "$BOOTSTRAP_MINING_ADDR"
  for n in "${NODES[@]}"; do log "starting lnd $n on 127.0.0.1:${GRPC_PORT[$n]}"; start_lnd "$n"; done
  # The payer's wallet answers NewAddress before the chain has blocks (state RPC_ACTIVE); btcd
  # can only mine to an address given at its start, so restart it, still at genesis, with that address.
  WAIT_PID=$(cat "$LND_ROOT/payer/lnd.pid") WAIT_LOG="$RUN_DIR/logs/lnd-payer.log" \
    wait_for "lnd payer wallet (see $RUN_DIR/logs/lnd-payer.log)" 120 payer_address
  local addr; addr="$(payer_address)"
  log "restarting btcd at genesis to mine to the payer's wallet ($addr)"
  stop_pid_file "$BTCD_DIR/btcd.pid" btcd
  start_btcd "$addr"
  log "mining 500 blocks (segwit activates at 432 on regtest; coinbase maturity)"
  mine 500
  for n in "${NODES[@]}"; do wait_lnd_active_or_restart "$n"; done
  wait_for "lnd nodes synced to the chain" 180 all_synced
  wait_for "payer wallet funds" 120 has_funds
  for n in alpha bravo; do
    local pub; pub="$(pubkey_of "$n")"
    lncli_of payer connect "$pub@127.0.0.1:${P2P_PORT[$n]}" >/dev/null
    log "opening a ${CHANNEL_SAT} sat channel payer -> $n"
    lncli_of payer openchannel --node_key="$pub" --local_amt="$CHANNEL_SAT" >/dev/null
    mine 1
  done
  mine 6
  wait_for "lnd nodes synced to the chain" 120 all_synced
  for n in alpha bravo; do wait_for "channel payer -> $n active" 120 channel_active "$(pubkey_of "$n")"; done
  write_cluster_json
  log "regtest cluster ready at height $(block_height): $CLUSTER_JSON"
}

cmd_stop() {
  for n in "${NODES[@]}"; do stop_pid_file "$LND_ROOT/$n/lnd.pid" "lnd $n"; done
  stop_pid_file "$BTCD_DIR/btcd.pid" btcd
}

# Stops one lnd node (its data stays) / starts it again and waits until it is active and the
# payer's channel to it is back: used by the fail-over e2e test.
cmd_stop_node() { stop_pid_file "$LND_ROOT/$1/lnd.pid" "lnd $1"; }
cmd_start_node() {
  local n="$1"
  lnd_running "$n" && return 0
  log "starting lnd $n again"
  start_lnd "$n"
  WAIT_PID=$(cat "$LND_ROOT/$n/lnd.pid") WAIT_LOG="$RUN_DIR/logs/lnd-$n.log" \
    wait_for "lnd $n SERVER_ACTIVE" 180 lnd_active "$n"
  if [[ "$n" != payer ]]; then wait_for "channel payer -> $n active" 180 channel_active "$(pubkey_of "$n")"; fi
}

case "${1:-}" in
  start) cmd_start ;;
  stop-node) cmd_stop_node "${2:?node name}" ;;
  start-node) cmd_start_node "${2:?node name}" ;;
  stop) cmd_stop ;;
  status) cmd_status && echo "cluster: up" || { echo "cluster: down"; exit 1; } ;;
  mine) mine "${2:-1}" ;;
  *) die "usage: cluster.sh start|stop|status|mine [n]|stop-node NAME|start-node NAME" ;;
esac
