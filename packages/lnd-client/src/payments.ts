// Sending: SendPaymentV2/TrackPaymentV2 (lnd finds routes), QueryRoutes + SendToRouteV2
// (the caller shapes the route, e.g. one MPP part through one chosen cluster node).
import { customRecordsFromWire, customRecordsToWire, type CustomRecords } from "./custom-records.ts";
import type { FeatureBitName } from "./features.ts";
import { routeHintToWire, type RouteHint, type WireRouteHint } from "./route-hints.ts";
import { i64FromWire, i64ToWire, u64FromWire, u64ToWire } from "./uint64.ts";

/** BOLT 4 payment_data as lnd puts it in a final hop. */
export interface MppRecord {
  /** The invoice's payment secret, 32 bytes. */
  paymentAddr: Buffer;
  totalAmtMsat: bigint;
}

export interface Hop {
  chanId: bigint;
  /** Absolute CLTV expiry of the HTLC this hop receives. */
  expiry: number;
  amtToForwardMsat: bigint;
  feeMsat: bigint;
  /** Hex-encoded compressed public key. */
  pubKey: string;
  mppRecord: MppRecord | undefined;
  customRecords: CustomRecords;
  metadata: Buffer;
  /** Blinded paths only. */
  totalAmtMsat: bigint;
}

export interface Route {
  totalTimeLock: number;
  hops: Hop[];
  totalFeesMsat: bigint;
  totalAmtMsat: bigint;
  firstHopAmountMsat: bigint;
}

/** lnrpc.Failure.FailureCode names (BOLT 4 failures renumbered by lnd). */
export type FailureCode =
  | "RESERVED"
  | "INCORRECT_OR_UNKNOWN_PAYMENT_DETAILS"
  | "INCORRECT_PAYMENT_AMOUNT"
  | "FINAL_INCORRECT_CLTV_EXPIRY"
  | "FINAL_INCORRECT_HTLC_AMOUNT"
  | "FINAL_EXPIRY_TOO_SOON"
  | "INVALID_REALM"
  | "EXPIRY_TOO_SOON"
  | "INVALID_ONION_VERSION"
  | "INVALID_ONION_HMAC"
  | "INVALID_ONION_KEY"
  | "AMOUNT_BELOW_MINIMUM"
  | "FEE_INSUFFICIENT"
  | "INCORRECT_CLTV_EXPIRY"
  | "CHANNEL_DISABLED"
  | "TEMPORARY_CHANNEL_FAILURE"
  | "REQUIRED_NODE_FEATURE_MISSING"
  | "REQUIRED_CHANNEL_FEATURE_MISSING"
  | "UNKNOWN_NEXT_PEER"
  | "TEMPORARY_NODE_FAILURE"
  | "PERMANENT_NODE_FAILURE"
  | "PERMANENT_CHANNEL_FAILURE"
  | "EXPIRY_TOO_FAR"
  | "MPP_TIMEOUT"
  | "INVALID_ONION_PAYLOAD"
  | "INVALID_ONION_BLINDING"
  | "INTERNAL_FAILURE"
  | "UNKNOWN_FAILURE"
  | "UNREADABLE_FAILURE";

export interface Failure {
  code: FailureCode;
  htlcMsat: bigint;
  onionSha256: Buffer;
  cltvExpiry: number;
  flags: number;
  /** Position in the route of the failing node; 0 is the sender. */
  failureSourceIndex: number;
  height: number;
}

export type HtlcAttemptStatus = "IN_FLIGHT" | "SUCCEEDED" | "FAILED";

export interface HtlcAttempt {
  attemptId: bigint;
  status: HtlcAttemptStatus;
  route: Route | undefined;
  attemptTimeNs: bigint;
  resolveTimeNs: bigint;
  failure: Failure | undefined;
  preimage: Buffer;
}

export type PaymentStatus = "UNKNOWN" | "IN_FLIGHT" | "SUCCEEDED" | "FAILED" | "INITIATED";

export type PaymentFailureReason =
  | "FAILURE_REASON_NONE"
  | "FAILURE_REASON_TIMEOUT"
  | "FAILURE_REASON_NO_ROUTE"
  | "FAILURE_REASON_ERROR"
  | "FAILURE_REASON_INCORRECT_PAYMENT_DETAILS"
  | "FAILURE_REASON_INSUFFICIENT_BALANCE"
  | "FAILURE_REASON_CANCELED";

export interface Payment {
  /** Hex. */
  paymentHash: string;
  /** Hex; all zeros until the payment succeeded. */
  paymentPreimage: string;
  valueSat: bigint;
  valueMsat: bigint;
  paymentRequest: string;
  status: PaymentStatus;
  feeSat: bigint;
  feeMsat: bigint;
  creationTimeNs: bigint;
  htlcs: HtlcAttempt[];
  paymentIndex: bigint;
  failureReason: PaymentFailureReason;
}

export function isFinalPayment(payment: Payment): boolean {
  return payment.status === "SUCCEEDED" || payment.status === "FAILED";
}

export interface SendPaymentRequest {
  /** BOLT 11 invoice; when absent, dest, amtMsat and paymentHash are required. */
  paymentRequest?: string;
  dest?: Uint8Array;
  amtMsat?: bigint;
  paymentHash?: Uint8Array;
  paymentAddr?: Uint8Array;
  finalCltvDelta?: number;
  /** lnd applies 60 s when absent or zero. */
  timeoutSeconds?: number;
  /** Absent or zero means zero-fee routes only (lnd's rule), so set it for multi-hop routes. */
  feeLimitMsat?: bigint;
  cltvLimit?: number;
  routeHints?: RouteHint[];
  destFeatures?: FeatureBitName[];
  maxParts?: number;
  maxShardSizeMsat?: bigint;
  outgoingChanIds?: bigint[];
  lastHopPubkey?: Uint8Array;
  allowSelfPayment?: boolean;
  /** Stream only the final update. */
  noInflightUpdates?: boolean;
}

export interface QueryRoutesRequest {
  /** Hex-encoded compressed public key of the destination, e.g. the virtual node. */
  pubKey: string;
  amtMsat: bigint;
  /** lnd adds no safety padding here, unlike SendPaymentV2: include a few blocks. */
  finalCltvDelta?: number;
  feeLimitMsat?: bigint;
  routeHints?: RouteHint[];
  destFeatures?: FeatureBitName[];
  outgoingChanIds?: bigint[];
  lastHopPubkey?: Uint8Array;
  ignoredNodes?: Uint8Array[];
  sourcePubKey?: string;
  useMissionControl?: boolean;
  cltvLimit?: number;
}

export interface SendToRouteRequest {
  paymentHash: Uint8Array;
  route: Route;
  /** Keep the payment open after a temporary failure so further parts can be sent. */
  skipTempErr?: boolean;
}

// ---- wire shapes -----------------------------------------------------------------------

export interface WireMppRecord {
  payment_addr: Buffer;
  total_amt_msat: string;
}

export interface WireHop {
  chan_id: string;
  expiry: number;
  amt_to_forward_msat: string;
  fee_msat: string;
  pub_key: string;
  mpp_record?: WireMppRecord | null;
  custom_records?: Record<string, Buffer>;
  metadata?: Buffer;
  total_amt_msat?: string;
}

export interface WireRoute {
  total_time_lock: number;
  hops: WireHop[];
  total_fees_msat: string;
  total_amt_msat: string;
  first_hop_amount_msat?: string;
}

export interface WireFailure {
  code: FailureCode;
  htlc_msat: string;
  onion_sha_256: Buffer;
  cltv_expiry: number;
  flags: number;
  failure_source_index: number;
  height: number;
}

export interface WireHtlcAttempt {
  attempt_id: string;
  status: HtlcAttemptStatus;
  route: WireRoute | null;
  attempt_time_ns: string;
  resolve_time_ns: string;
  failure: WireFailure | null;
  preimage: Buffer;
}

export interface WirePayment {
  payment_hash: string;
  payment_preimage: string;
  value_sat: string;
  value_msat: string;
  payment_request: string;
  status: PaymentStatus;
  fee_sat: string;
  fee_msat: string;
  creation_time_ns: string;
  htlcs: WireHtlcAttempt[];
  payment_index: string;
  failure_reason: PaymentFailureReason;
}

export interface WireSendPaymentRequest {
  payment_request?: string;
  dest?: Buffer;
  amt_msat?: string;
  payment_hash?: Buffer;
  payment_addr?: Buffer;
  final_cltv_delta?: number;
  timeout_seconds?: number;
  fee_limit_msat?: string;
  cltv_limit?: number;
  route_hints?: WireRouteHint[];
  dest_features?: FeatureBitName[];
  max_parts?: number;
  max_shard_size_msat?: string;
  outgoing_chan_ids?: string[];
  last_hop_pubkey?: Buffer;
  allow_self_payment?: boolean;
  no_inflight_updates?: boolean;
}

export interface WireTrackPaymentRequest {
  payment_hash: Buffer;
  no_inflight_updates: boolean;
}

export interface WireQueryRoutesRequest {
  pub_key: string;
  amt_msat: string;
  final_cltv_delta?: number;
  fee_limit?: { fixed_msat: string };
  route_hints?: WireRouteHint[];
  dest_features?: FeatureBitName[];
  outgoing_chan_ids?: string[];
  last_hop_pubkey?: Buffer;
  ignored_nodes?: Buffer[];
  source_pub_key?: string;
  use_mission_control?: boolean;
  cltv_limit?: number;
}

export interface WireQueryRoutesResponse {
  routes: WireRoute[];
  success_prob: number;
}

export interface WireSendToRouteRequest {
  payment_hash: Buffer;
  route: WireRoute;
  skip_temp_err: boolean;
}

// ---- conversions -----------------------------------------------------------------------

export function routeFromWire(wire: WireRoute): Route {
  return {
    totalTimeLock: wire.total_time_lock,
    hops: wire.hops.map(hopFromWire),
    totalFeesMsat: i64FromWire(wire.total_fees_msat, "Route.total_fees_msat"),
    totalAmtMsat: i64FromWire(wire.total_amt_msat, "Route.total_amt_msat"),
    firstHopAmountMsat: i64FromWire(wire.first_hop_amount_msat ?? "0", "Route.first_hop_amount_msat"),
  };
}

function hopFromWire(wire: WireHop): Hop {
  const field = (name: string) => `Hop.${name}`;
  return {
    chanId: u64FromWire(wire.chan_id, field("chan_id")),
    expiry: wire.expiry,
    amtToForwardMsat: i64FromWire(wire.amt_to_forward_msat, field("amt_to_forward_msat")),
    feeMsat: i64FromWire(wire.fee_msat, field("fee_msat")),
    pubKey: wire.pub_key,
    mppRecord: wire.mpp_record
      ? {
          paymentAddr: wire.mpp_record.payment_addr,
          totalAmtMsat: i64FromWire(wire.mpp_record.total_amt_msat, "MPPRecord.total_amt_msat"),
        }
      : undefined,
    customRecords: customRecordsFromWire(wire.custom_records ?? {}, field("custom_records")),
    metadata: wire.metadata ?? Buffer.alloc(0),
    totalAmtMsat: u64FromWire(wire.total_amt_msat ?? "0", field("total_amt_msat")),
  };
}

/** Optional parts (MPP record, records, metadata) go on the wire only when they carry data. */
export function routeToWire(route: Route): WireRoute {
  return {
    total_time_lock: route.totalTimeLock,
    hops: route.hops.map(hopToWire),
    total_fees_msat: i64ToWire(route.totalFeesMsat, "Route.total_fees_msat"),
    total_amt_msat: i64ToWire(route.totalAmtMsat, "Route.total_amt_msat"),
  };
}

function hopToWire(hop: Hop): WireHop {
  const field = (name: string) => `Hop.${name}`;
  const wire: WireHop = {
    chan_id: u64ToWire(hop.chanId, field("chan_id")),
    expiry: hop.expiry,
    amt_to_forward_msat: i64ToWire(hop.amtToForwardMsat, field("amt_to_forward_msat")),
    fee_msat: i64ToWire(hop.feeMsat, field("fee_msat")),
    pub_key: hop.pubKey,
  };
  if (hop.mppRecord) {
    if (hop.mppRecord.paymentAddr.length !== 32)
      throw new RangeError("MPPRecord.payment_addr must be 32 bytes");
    wire.mpp_record = {
      payment_addr: Buffer.from(hop.mppRecord.paymentAddr),
      total_amt_msat: i64ToWire(hop.mppRecord.totalAmtMsat, "MPPRecord.total_amt_msat"),
    };
  }
  if (hop.customRecords.size > 0)
    wire.custom_records = customRecordsToWire(hop.customRecords, field("custom_records"));
  if (hop.metadata.length > 0) wire.metadata = Buffer.from(hop.metadata);
  if (hop.totalAmtMsat !== 0n) wire.total_amt_msat = u64ToWire(hop.totalAmtMsat, field("total_amt_msat"));
  return wire;
}

function failureFromWire(wire: WireFailure): Failure {
  return {
    code: wire.code,
    htlcMsat: u64FromWire(wire.htlc_msat, "Failure.htlc_msat"),
    onionSha256: wire.onion_sha_256,
    cltvExpiry: wire.cltv_expiry,
    flags: wire.flags,
    failureSourceIndex: wire.failure_source_index,
    height: wire.height,
  };
}

export function htlcAttemptFromWire(wire: WireHtlcAttempt): HtlcAttempt {
  const field = (name: string) => `HTLCAttempt.${name}`;
  return {
    attemptId: u64FromWire(wire.attempt_id, field("attempt_id")),
    status: wire.status,
    route: wire.route ? routeFromWire(wire.route) : undefined,
    attemptTimeNs: i64FromWire(wire.attempt_time_ns, field("attempt_time_ns")),
    resolveTimeNs: i64FromWire(wire.resolve_time_ns, field("resolve_time_ns")),
    failure: wire.failure ? failureFromWire(wire.failure) : undefined,
    preimage: wire.preimage,
  };
}

export function paymentFromWire(wire: WirePayment): Payment {
  const field = (name: string) => `Payment.${name}`;
  return {
    paymentHash: wire.payment_hash,
    paymentPreimage: wire.payment_preimage,
    valueSat: i64FromWire(wire.value_sat, field("value_sat")),
    valueMsat: i64FromWire(wire.value_msat, field("value_msat")),
    paymentRequest: wire.payment_request,
    status: wire.status,
    feeSat: i64FromWire(wire.fee_sat, field("fee_sat")),
    feeMsat: i64FromWire(wire.fee_msat, field("fee_msat")),
    creationTimeNs: i64FromWire(wire.creation_time_ns, field("creation_time_ns")),
    htlcs: wire.htlcs.map(htlcAttemptFromWire),
    paymentIndex: u64FromWire(wire.payment_index, field("payment_index")),
    failureReason: wire.failure_reason,
  };
}

export function sendPaymentRequestToWire(request: SendPaymentRequest): WireSendPaymentRequest {
  const field = (name: string) => `SendPaymentRequest.${name}`;
  const wire: WireSendPaymentRequest = {};
  if (request.paymentRequest !== undefined) wire.payment_request = request.paymentRequest;
  if (request.dest !== undefined) wire.dest = Buffer.from(request.dest);
  if (request.amtMsat !== undefined) wire.amt_msat = i64ToWire(request.amtMsat, field("amt_msat"));
  if (request.paymentHash !== undefined) wire.payment_hash = Buffer.from(request.paymentHash);
  if (request.paymentAddr !== undefined) wire.payment_addr = Buffer.from(request.paymentAddr);
  if (request.finalCltvDelta !== undefined) wire.final_cltv_delta = request.finalCltvDelta;
  if (request.timeoutSeconds !== undefined) wire.timeout_seconds = request.timeoutSeconds;
  if (request.feeLimitMsat !== undefined)
    wire.fee_limit_msat = i64ToWire(request.feeLimitMsat, field("fee_limit_msat"));
  if (request.cltvLimit !== undefined) wire.cltv_limit = request.cltvLimit;
  if (request.routeHints !== undefined) wire.route_hints = request.routeHints.map(routeHintToWire);
  if (request.destFeatures !== undefined) wire.dest_features = request.destFeatures;
  if (request.maxParts !== undefined) wire.max_parts = request.maxParts;
  if (request.maxShardSizeMsat !== undefined) {
    wire.max_shard_size_msat = u64ToWire(request.maxShardSizeMsat, field("max_shard_size_msat"));
  }
  if (request.outgoingChanIds !== undefined) {
    wire.outgoing_chan_ids = request.outgoingChanIds.map((id) => u64ToWire(id, field("outgoing_chan_ids")));
  }
  if (request.lastHopPubkey !== undefined) wire.last_hop_pubkey = Buffer.from(request.lastHopPubkey);
  if (request.allowSelfPayment !== undefined) wire.allow_self_payment = request.allowSelfPayment;
  if (request.noInflightUpdates !== undefined) wire.no_inflight_updates = request.noInflightUpdates;
  return wire;
}

export function queryRoutesRequestToWire(request: QueryRoutesRequest): WireQueryRoutesRequest {
  const field = (name: string) => `QueryRoutesRequest.${name}`;
  const wire: WireQueryRoutesRequest = {
    pub_key: request.pubKey,
    amt_msat: i64ToWire(request.amtMsat, field("amt_msat")),
  };
  if (request.finalCltvDelta !== undefined) wire.final_cltv_delta = request.finalCltvDelta;
  if (request.feeLimitMsat !== undefined) {
    wire.fee_limit = { fixed_msat: i64ToWire(request.feeLimitMsat, field("fee_limit.fixed_msat")) };
  }
  if (request.routeHints !== undefined) wire.route_hints = request.routeHints.map(routeHintToWire);
  if (request.destFeatures !== undefined) wire.dest_features = request.destFeatures;
  if (request.outgoingChanIds !== undefined) {
    wire.outgoing_chan_ids = request.outgoingChanIds.map((id) => u64ToWire(id, field("outgoing_chan_ids")));
  }
  if (request.lastHopPubkey !== undefined) wire.last_hop_pubkey = Buffer.from(request.lastHopPubkey);
  if (request.ignoredNodes !== undefined)
    wire.ignored_nodes = request.ignoredNodes.map((node) => Buffer.from(node));
  if (request.sourcePubKey !== undefined) wire.source_pub_key = request.sourcePubKey;
  if (request.useMissionControl !== undefined) wire.use_mission_control = request.useMissionControl;
  if (request.cltvLimit !== undefined) wire.cltv_limit = request.cltvLimit;
  return wire;
}

export function sendToRouteRequestToWire(request: SendToRouteRequest): WireSendToRouteRequest {
  return {
    payment_hash: Buffer.from(request.paymentHash),
    route: routeToWire(request.route),
    skip_temp_err: request.skipTempErr ?? false,
  };
}
