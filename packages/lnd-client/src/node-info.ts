// GetInfo and the State service: what a caller checks before trusting a node (version,
// network, identity, --requireinterceptor and --store-final-htlc-resolutions).
import { featuresFromWire, type FeatureMap, type WireFeature } from "./features.ts";
import { i64FromWire } from "./uint64.ts";

export interface NodeInfo {
  version: string;
  commitHash: string;
  /** Hex-encoded compressed public key. */
  identityPubkey: string;
  alias: string;
  color: string;
  numPendingChannels: number;
  numActiveChannels: number;
  numInactiveChannels: number;
  numPeers: number;
  blockHeight: number;
  blockHash: string;
  /** Unix seconds. */
  bestHeaderTimestamp: bigint;
  syncedToChain: boolean;
  syncedToGraph: boolean;
  /** "mainnet", "testnet", "testnet4", "signet", "simnet", "regtest"; lnd reports exactly one chain. */
  network: string | undefined;
  uris: string[];
  features: FeatureMap;
  /** lnd runs with --requireinterceptor: held HTLCs survive interceptor restarts. */
  requireHtlcInterceptor: boolean;
  /** lnd runs with --store-final-htlc-resolutions: lookupHtlcResolution works. */
  storeFinalHtlcResolutions: boolean;
  walletSynced: boolean;
}

/** lnrpc.WalletState. Only SERVER_ACTIVE means every RPC service is usable. */
export type WalletState =
  "NON_EXISTING" | "LOCKED" | "UNLOCKED" | "RPC_ACTIVE" | "SERVER_ACTIVE" | "WAITING_TO_START";

/** lnrpc.GetInfoResponse as proto-loader hands it over (our subset's fields). */
export interface WireGetInfoResponse {
  version: string;
  commit_hash: string;
  identity_pubkey: string;
  alias: string;
  color: string;
  num_pending_channels: number;
  num_active_channels: number;
  num_inactive_channels: number;
  num_peers: number;
  block_height: number;
  block_hash: string;
  best_header_timestamp: string;
  synced_to_chain: boolean;
  synced_to_graph: boolean;
  chains: { chain: string; network: string }[];
  uris: string[];
  features: Record<string, WireFeature>;
  require_htlc_interceptor: boolean;
  store_final_htlc_resolutions: boolean;
  wallet_synced: boolean;
}

export interface WireGetStateResponse {
  state: WalletState;
}

export function nodeInfoFromWire(wire: WireGetInfoResponse): NodeInfo {
  return {
    version: wire.version,
    commitHash: wire.commit_hash,
    identityPubkey: wire.identity_pubkey,
    alias: wire.alias,
    color: wire.color,
    numPendingChannels: wire.num_pending_channels,
    numActiveChannels: wire.num_active_channels,
    numInactiveChannels: wire.num_inactive_channels,
    numPeers: wire.num_peers,
    blockHeight: wire.block_height,
    blockHash: wire.block_hash,
    bestHeaderTimestamp: i64FromWire(wire.best_header_timestamp, "GetInfoResponse.best_header_timestamp"),
    syncedToChain: wire.synced_to_chain,
    syncedToGraph: wire.synced_to_graph,
    network: wire.chains[0]?.network,
    uris: wire.uris,
    features: featuresFromWire(wire.features),
    requireHtlcInterceptor: wire.require_htlc_interceptor,
    storeFinalHtlcResolutions: wire.store_final_htlc_resolutions,
    walletSynced: wire.wallet_synced,
  };
}
