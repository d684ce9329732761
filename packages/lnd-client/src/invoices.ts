// lnd's own invoices (AddInvoice) and BOLT 11 decoding (DecodePayReq). The coordinator
// signs its invoices itself; these serve tests and operators that pay or inspect invoices.
import { featuresFromWire, type FeatureMap, type WireFeature } from "./features.ts";
import { routeHintFromWire, routeHintToWire, type RouteHint, type WireRouteHint } from "./route-hints.ts";
import { i64FromWire, i64ToWire, u64FromWire, u64ToWire } from "./uint64.ts";

export interface AddInvoiceRequest {
  memo?: string;
  /** 32 bytes; lnd picks a random one when absent. A secret: never log it. */
  preimage?: Uint8Array;
  /** Zero or absent for an amount-less invoice. */
  valueMsat?: bigint;
  descriptionHash?: Uint8Array;
  expirySeconds?: bigint;
  /** min_final_cltv_expiry_delta; lnd applies its default when absent. */
  cltvExpiry?: bigint;
  routeHints?: RouteHint[];
  /** Let lnd add hop hints for its private channels. */
  private?: boolean;
}

export interface AddedInvoice {
  paymentHash: Buffer;
  paymentRequest: string;
  addIndex: bigint;
  /** The BOLT 11 payment secret. */
  paymentAddr: Buffer;
}

export interface DecodedPayReq {
  /** Hex-encoded compressed public key of the payee. */
  destination: string;
  /** Hex. */
  paymentHash: string;
  numSatoshis: bigint;
  numMsat: bigint;
  /** Unix seconds. */
  timestamp: bigint;
  expirySeconds: bigint;
  description: string;
  /** Hex, empty when the invoice has a description instead. */
  descriptionHash: string;
  fallbackAddr: string;
  /** min_final_cltv_expiry_delta. */
  cltvExpiry: bigint;
  routeHints: RouteHint[];
  paymentAddr: Buffer;
  features: FeatureMap;
}

/** Whether an HTLC reached its final state (LookupHtlcResolution / FinalHtlcEvent). */
export interface HtlcResolution {
  settled: boolean;
  /** False when the HTLC was resolved on chain. */
  offchain: boolean;
}

export interface WireInvoice {
  memo?: string;
  r_preimage?: Buffer;
  value_msat?: string;
  description_hash?: Buffer;
  expiry?: string;
  cltv_expiry?: string;
  route_hints?: WireRouteHint[];
  private?: boolean;
}

export interface WireAddInvoiceResponse {
  r_hash: Buffer;
  payment_request: string;
  add_index: string;
  payment_addr: Buffer;
}

export interface WirePayReq {
  destination: string;
  payment_hash: string;
  num_satoshis: string;
  timestamp: string;
  expiry: string;
  description: string;
  description_hash: string;
  fallback_addr: string;
  cltv_expiry: string;
  route_hints: WireRouteHint[];
  payment_addr: Buffer;
  num_msat: string;
  features: Record<string, WireFeature>;
}

export interface WireLookupHtlcResolutionRequest {
  chan_id: string;
  htlc_index: string;
}

export interface WireLookupHtlcResolutionResponse {
  settled: boolean;
  offchain: boolean;
}

/** Only the fields the caller set go on the wire: lnd tells "absent" from "empty" for bytes. */
export function addInvoiceRequestToWire(request: AddInvoiceRequest): WireInvoice {
  const field = (name: string) => `Invoice.${name}`;
  const wire: WireInvoice = {};
  if (request.memo !== undefined) wire.memo = request.memo;
  if (request.preimage !== undefined) {
    if (request.preimage.length !== 32) throw new RangeError(`Invoice.r_preimage must be 32 bytes`);
    wire.r_preimage = Buffer.from(request.preimage);
  }
  if (request.valueMsat !== undefined) wire.value_msat = i64ToWire(request.valueMsat, field("value_msat"));
  if (request.descriptionHash !== undefined) wire.description_hash = Buffer.from(request.descriptionHash);
  if (request.expirySeconds !== undefined) wire.expiry = i64ToWire(request.expirySeconds, field("expiry"));
  if (request.cltvExpiry !== undefined)
    wire.cltv_expiry = u64ToWire(request.cltvExpiry, field("cltv_expiry"));
  if (request.routeHints !== undefined) wire.route_hints = request.routeHints.map(routeHintToWire);
  if (request.private !== undefined) wire.private = request.private;
  return wire;
}

export function addedInvoiceFromWire(wire: WireAddInvoiceResponse): AddedInvoice {
  return {
    paymentHash: wire.r_hash,
    paymentRequest: wire.payment_request,
    addIndex: u64FromWire(wire.add_index, "AddInvoiceResponse.add_index"),
    paymentAddr: wire.payment_addr,
  };
}

export function payReqFromWire(wire: WirePayReq): DecodedPayReq {
  const field = (name: string) => `PayReq.${name}`;
  return {
    destination: wire.destination,
    paymentHash: wire.payment_hash,
    numSatoshis: i64FromWire(wire.num_satoshis, field("num_satoshis")),
    numMsat: i64FromWire(wire.num_msat, field("num_msat")),
    timestamp: i64FromWire(wire.timestamp, field("timestamp")),
    expirySeconds: i64FromWire(wire.expiry, field("expiry")),
    description: wire.description,
    descriptionHash: wire.description_hash,
    fallbackAddr: wire.fallback_addr,
    cltvExpiry: i64FromWire(wire.cltv_expiry, field("cltv_expiry")),
    routeHints: wire.route_hints.map(routeHintFromWire),
    paymentAddr: wire.payment_addr,
    features: featuresFromWire(wire.features),
  };
}
