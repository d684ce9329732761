// Peer connections (ConnectPeer, ListPeers).
import { featuresFromWire, type FeatureMap, type WireFeature } from "./features.ts";
import { i64FromWire, u64FromWire, u64ToWire } from "./uint64.ts";

export interface ConnectPeerRequest {
  /** Hex-encoded compressed public key. */
  pubkey: string;
  /** "host:port" of the peer's p2p listener. */
  host: string;
  /** Reconnect forever in the background instead of connecting synchronously. */
  perm?: boolean;
  timeoutSeconds?: bigint;
}

export interface Peer {
  pubkey: string;
  address: string;
  bytesSent: bigint;
  bytesRecv: bigint;
  satSent: bigint;
  satRecv: bigint;
  inbound: boolean;
  /** Microseconds. */
  pingTimeMicros: bigint;
  features: FeatureMap;
  flapCount: number;
}

export interface WireConnectPeerRequest {
  addr: { pubkey: string; host: string };
  perm: boolean;
  timeout: string;
}

export interface WirePeer {
  pub_key: string;
  address: string;
  bytes_sent: string;
  bytes_recv: string;
  sat_sent: string;
  sat_recv: string;
  inbound: boolean;
  ping_time: string;
  features: Record<string, WireFeature>;
  flap_count: number;
}

export interface WireListPeersResponse {
  peers: WirePeer[];
}

export function connectPeerRequestToWire(request: ConnectPeerRequest): WireConnectPeerRequest {
  return {
    addr: { pubkey: request.pubkey, host: request.host },
    perm: request.perm ?? false,
    timeout: u64ToWire(request.timeoutSeconds ?? 0n, "ConnectPeerRequest.timeout"),
  };
}

export function peerFromWire(wire: WirePeer): Peer {
  const field = (name: string) => `Peer.${name}`;
  return {
    pubkey: wire.pub_key,
    address: wire.address,
    bytesSent: u64FromWire(wire.bytes_sent, field("bytes_sent")),
    bytesRecv: u64FromWire(wire.bytes_recv, field("bytes_recv")),
    satSent: i64FromWire(wire.sat_sent, field("sat_sent")),
    satRecv: i64FromWire(wire.sat_recv, field("sat_recv")),
    inbound: wire.inbound,
    pingTimeMicros: i64FromWire(wire.ping_time, field("ping_time")),
    features: featuresFromWire(wire.features),
    flapCount: wire.flap_count,
  };
}
