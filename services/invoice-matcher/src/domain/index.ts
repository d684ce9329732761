// The invoice matcher's pure core. Adapters import from here only. How its values are written to
// Postgres and Kafka (JSON) is not the core's business: ../serialization/.
export { decide, invoiceDecider, type InvoiceDecider } from "./decide.ts";
export { evolve, initialState, rebuildState, heldHtlcs, setAmountMsat, findHtlc } from "./state.ts";
export type { InvoiceState, InvoiceRecord, InvoiceStatus, HtlcRecord, HtlcStatus } from "./state.ts";
export type {
  InvoiceEvent,
  InvoiceEventType,
  InvoiceCreated,
  HtlcAccepted,
  HtlcRejected,
  InvoiceAccepted,
  InvoiceSettleRequested,
  MppSetTimedOut,
  InvoiceCancelled,
  InvoiceExpired,
  HtlcSettled,
  HtlcFailed,
  SettleRequestedHtlcFailed,
  InvoiceReopened,
  InvoiceSettled,
  InvoiceSettleFailed,
  HtlcArrival,
  AcceptedPayload,
  HtlcRejectionReason,
  InvoiceCancelReason,
  ReofferedHtlcField,
} from "./events.ts";
export type {
  MatcherInput,
  MatcherInputType,
  CreateInvoice,
  HtlcArrived,
  Tick,
  SettleInvoice,
  CancelInvoice,
  HtlcFinal,
  HtlcPayload,
  PeelResult,
} from "./inputs.ts";
export { settleHtlc, failHtlc, type MatcherCommand, type SettleExpectation, type SettleHtlc, type FailHtlc } from "./commands.ts";
export { MatcherInvariantError, type Decision, type InputRejection, type InputRejectionCode } from "./decision.ts";
export type { HtlcFailure, HtlcFailureKind, OnionPeelFailure, OpaqueValue } from "./htlc-failure.ts";
export { htlcKeyId, sameHtlcKey, type HtlcKey, type HtlcKeyId } from "./htlc-key.ts";
export { invoiceTermsProblem, sameInvoiceTerms, type InvoiceTerms, type InvoiceMode } from "./invoice-terms.ts";
export {
  validateMatcherConfig,
  MatcherConfigError,
  DEFAULT_MATCHER_CONFIG,
  MIN_MPP_TIMEOUT_MS,
  type MatcherConfig,
  type MatcherConfigInput,
  type VirtualHopPolicy,
} from "./matcher-config.ts";
export { virtualHopFeeMsat, virtualHopViolation, type VirtualHopViolation } from "./virtual-hop-policy.ts";
