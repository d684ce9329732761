// The typed values of the event log's records, one interface per schema in /schemas.
// Convention (see schemas/README.md): uint64 fields (amounts, scids, htlc ids) are bigint here
// and canonical decimal strings on the wire, converted by the "decimal-uint64" logical type;
// hashes and public keys stay lowercase hex strings; byte fields are Buffers; Avro long
// fields (timestamps, sequences) are numbers and stay far below 2^53.
// Nullable fields are always present, null when absent, so a producer cannot forget one.

/** Schema names, as in the file names `schemas/<name>.v<N>.avsc` and the ic-schema header. */
export const SCHEMA_NAMES = [
  "htlc-intercepted",
  "htlc-command",
  "htlc-outcome",
  "invoice-event",
  "matcher-event",
  "bridge-status",
] as const;

export interface CircuitKey {
  readonly chanId: bigint;
  readonly htlcId: bigint;
}

export interface HtlcIntercepted {
  /** lnd node public key, 33 bytes hex. */
  readonly nodeId: string;
  readonly circuitKey: CircuitKey;
  /** 32 bytes hex. */
  readonly paymentHash: string;
  readonly incomingAmountMsat: bigint;
  readonly outgoingAmountMsat: bigint;
  readonly incomingExpiry: number;
  readonly outgoingExpiry: number;
  readonly autoFailHeight: number;
  readonly outgoingRequestedChanId: bigint;
  /** Exactly 1366 bytes. */
  readonly onionBlob: Buffer;
  /** TLV type (decimal uint64 string) -> raw value. */
  readonly customRecords: Readonly<Record<string, Buffer>>;
  readonly blockHeight: number;
  readonly interceptedAtMs: number;
  readonly bridgeInstanceId: string;
}

export type HtlcAction = "SETTLE" | "FAIL";

export type LndFailureCode =
  | "TEMPORARY_CHANNEL_FAILURE"
  | "INVALID_ONION_VERSION"
  | "INVALID_ONION_HMAC"
  | "INVALID_ONION_KEY";

export interface HtlcCommand {
  readonly commandId: string;
  readonly nodeId: string;
  readonly circuitKey: CircuitKey;
  readonly paymentHash: string;
  readonly action: HtlcAction;
  /** 32 bytes, iff action is SETTLE. Secret until settled. */
  readonly preimage: Buffer | null;
  /** 292-byte encrypted BOLT 4 error packet; with FAIL, exactly one of this and failureCode. */
  readonly failureMessage: Buffer | null;
  readonly failureCode: LndFailureCode | null;
  /**
   * v2, SETTLE: the incoming amount (msat) and incoming expiry of the HTLC the settle decision
   * was about, as the matcher received them in its HtlcIntercepted record. The bridge settles
   * only an HTLC lnd offered under circuitKey with exactly these values. null for FAIL and in
   * records written with v1 (a bridge refuses such a SETTLE).
   */
  readonly expectedIncomingAmountMsat: bigint | null;
  readonly expectedIncomingExpiry: number | null;
  readonly issuedAtMs: number;
}

export type HtlcOutcomeKind =
  | "SETTLE_SENT"
  | "FAIL_SENT"
  | "RESUMED"
  | "SKIPPED_NOT_HELD"
  | "FINAL_SETTLED"
  | "FINAL_FAILED"
  /** v2: the bridge refused a SETTLE for an HTLC lnd offered with other values, and failed it. */
  | "SETTLE_REFUSED_MISMATCH";

export interface HtlcOutcome {
  readonly nodeId: string;
  readonly circuitKey: CircuitKey;
  readonly paymentHash: string;
  readonly kind: HtlcOutcomeKind;
  readonly commandId: string | null;
  /** v2: for SETTLE_REFUSED_MISMATCH, the differing field and both values; null otherwise. No secrets. */
  readonly reason: string | null;
  readonly atMs: number;
}

export type InvoiceEventKind =
  | "CREATED"
  | "ACCEPTED"
  | "SETTLE_REQUESTED"
  | "SETTLED"
  | "CANCELLED"
  | "EXPIRED"
  /** v2: lnd reported every part of the set final and failed at least one it was told to settle. Terminal. */
  | "SETTLE_FAILED";

export interface InvoiceHtlc {
  readonly nodeId: string;
  readonly chanId: bigint;
  readonly htlcId: bigint;
  readonly amountMsat: bigint;
  /** v2, SETTLE_FAILED only: whether lnd settled (true) or failed (false) this part; null otherwise and in v1 records. */
  readonly settled: boolean | null;
}

export interface InvoiceEvent {
  readonly eventId: string;
  readonly sequence: number;
  readonly paymentHash: string;
  readonly kind: InvoiceEventKind;
  readonly externalRef: string | null;
  readonly bolt11: string | null;
  /** null: amount-less invoice. */
  readonly amountMsat: bigint | null;
  readonly amountPaidMsat: bigint | null;
  readonly htlcs: readonly InvoiceHtlc[];
  /** v2, SETTLE_FAILED only: what the parts lnd settled / failed carried; null otherwise and in v1 records. */
  readonly amountSettledMsat: bigint | null;
  readonly amountFailedMsat: bigint | null;
  readonly reason: string | null;
  readonly atMs: number;
}

export interface MatcherEvent {
  readonly eventId: string;
  readonly paymentHash: string;
  readonly type: string;
  readonly sequence: number;
  /** The domain event as JSON, uint64 values as decimal strings. */
  readonly payloadJson: string;
  readonly atMs: number;
}

/**
 * Liveness of one bridge and its node's best block: best effort, each one supersedes the last
 * (short retention). The matcher takes its block height from these (only ever rising).
 */
export interface BridgeStatus {
  /** lnd node public key, 33 bytes hex; the record key. */
  readonly nodeId: string;
  readonly bridgeInstanceId: string;
  /** lnd's best block as the bridge knows it. */
  readonly blockHeight: number;
  readonly interceptorStreamOpen: boolean;
  readonly heldHtlcs: number;
  readonly publishBacklog: number;
  readonly atMs: number;
}

/** Schema name -> typed value of its current version. */
export interface EventRecords {
  "htlc-intercepted": HtlcIntercepted;
  "htlc-command": HtlcCommand;
  "htlc-outcome": HtlcOutcome;
  "invoice-event": InvoiceEvent;
  "matcher-event": MatcherEvent;
  "bridge-status": BridgeStatus;
}

export type SchemaName = keyof EventRecords;

// Compile-time guard: SCHEMA_NAMES lists exactly the keys of EventRecords.
type Missing = Exclude<SchemaName, (typeof SCHEMA_NAMES)[number]>;
type Extra = Exclude<(typeof SCHEMA_NAMES)[number], SchemaName>;
const schemaNamesAreComplete: [Missing, Extra] extends [never, never] ? true : false = true;
void schemaNamesAreComplete;
