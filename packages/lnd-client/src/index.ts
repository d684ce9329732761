// @ic/lnd-client: a typed gRPC client for the parts of lnd the invoice coordinator uses.
export { connectLnd, LND_MIN_PING_INTERVAL_MS, type ConnectLndOptions } from "./connect-lnd.ts";
export type { CallOptions, LndClient, PaymentUpdates } from "./lnd-client.ts";
export { LndError, type LndErrorKind } from "./lnd-error.ts";
export type { LndStream } from "./lnd-stream.ts";
export { LND_PROTO_DIR } from "./lnd-protos.ts";

export type { NodeInfo, WalletState } from "./node-info.ts";
export type { Feature, FeatureBitName, FeatureMap } from "./features.ts";
export type { AddressType, WalletBalance } from "./wallet.ts";
export type { ConnectPeerRequest, Peer } from "./peers.ts";
export type {
  Amount,
  Channel,
  ChannelBalance,
  ChannelPoint,
  ListChannelsRequest,
  OpenChannelRequest,
  PendingChannel,
  PendingChannels,
  PendingHtlc,
} from "./channels.ts";
export type { HopHint, RouteHint } from "./route-hints.ts";
export type { AddedInvoice, AddInvoiceRequest, DecodedPayReq, HtlcResolution } from "./invoices.ts";
export type { CustomRecords } from "./custom-records.ts";
export {
  isFinalPayment,
  type Failure,
  type FailureCode,
  type Hop,
  type HtlcAttempt,
  type HtlcAttemptStatus,
  type MppRecord,
  type Payment,
  type PaymentFailureReason,
  type PaymentStatus,
  type QueryRoutesRequest,
  type Route,
  type SendPaymentRequest,
  type SendToRouteRequest,
} from "./payments.ts";
export type { FailureDetail, HtlcEvent, HtlcEventType, HtlcInfo } from "./htlc-events.ts";
export type { BlockEpoch } from "./block-epochs.ts";
export {
  circuitKeyId,
  FAILURE_MESSAGE_LENGTH,
  type CircuitKey,
  type HtlcInterceptorStream,
  type InterceptedHtlc,
  type InterceptFailureCode,
  type InterceptResolution,
} from "./htlc-interceptor.ts";
