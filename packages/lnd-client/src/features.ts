// Feature bits as lnd reports them (GetInfo, PayReq, ListPeers): a map from BOLT 9 bit
// number to its name and whether lnd knows it.

export interface Feature {
  name: string;
  isRequired: boolean;
  isKnown: boolean;
}

/** Keyed by BOLT 9 bit number (e.g. 14 payment_secret required, 17 basic_mpp optional). */
export type FeatureMap = ReadonlyMap<number, Feature>;

export interface WireFeature {
  name: string;
  is_required: boolean;
  is_known: boolean;
}

export function featuresFromWire(wire: Record<string, WireFeature>): FeatureMap {
  const features = new Map<number, Feature>();
  for (const [bit, feature] of Object.entries(wire)) {
    features.set(Number(bit), {
      name: feature.name,
      isRequired: feature.is_required,
      isKnown: feature.is_known,
    });
  }
  return features;
}

/** lnrpc.FeatureBit names, for SendPayment/QueryRoutes dest_features. */
export type FeatureBitName =
  | "DATALOSS_PROTECT_REQ"
  | "DATALOSS_PROTECT_OPT"
  | "INITIAL_ROUING_SYNC"
  | "UPFRONT_SHUTDOWN_SCRIPT_REQ"
  | "UPFRONT_SHUTDOWN_SCRIPT_OPT"
  | "GOSSIP_QUERIES_REQ"
  | "GOSSIP_QUERIES_OPT"
  | "TLV_ONION_REQ"
  | "TLV_ONION_OPT"
  | "EXT_GOSSIP_QUERIES_REQ"
  | "EXT_GOSSIP_QUERIES_OPT"
  | "STATIC_REMOTE_KEY_REQ"
  | "STATIC_REMOTE_KEY_OPT"
  | "PAYMENT_ADDR_REQ"
  | "PAYMENT_ADDR_OPT"
  | "MPP_REQ"
  | "MPP_OPT"
  | "WUMBO_CHANNELS_REQ"
  | "WUMBO_CHANNELS_OPT"
  | "ANCHORS_REQ"
  | "ANCHORS_OPT"
  | "ANCHORS_ZERO_FEE_HTLC_REQ"
  | "ANCHORS_ZERO_FEE_HTLC_OPT"
  | "ROUTE_BLINDING_REQUIRED"
  | "ROUTE_BLINDING_OPTIONAL"
  | "AMP_REQ"
  | "AMP_OPT";
