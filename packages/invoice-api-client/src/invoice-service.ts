// The invoice API's contract in the port's own types: the matcher implements InvoiceService over
// Postgres + Kafka and serves it over gRPC (its server translates requests into these calls and
// these errors into gRPC status codes, with no business rules); the client here implements it
// over gRPC, so code written against the port runs unchanged in process or remote.

export type InvoiceMode = "auto" | "hold";

/** SETTLE_FAILED: terminal, lnd failed at least one part it was told to settle (htlcs[].status says which). */
export type InvoiceStatus = "OPEN" | "ACCEPTED" | "SETTLE_REQUESTED" | "SETTLED" | "SETTLE_FAILED" | "CANCELLED" | "EXPIRED";

export interface InvoiceHtlcView {
  nodeId: string;
  chanId: bigint;
  htlcId: bigint;
  amountMsat: bigint;
  status: string;
}

export interface InvoiceView {
  paymentHash: string;
  externalRef: string;
  bolt11: string;
  status: InvoiceStatus;
  mode: InvoiceMode;
  /** null: amount-less invoice. */
  amountMsat: bigint | null;
  /** Sum of the HTLCs of the accepted/settled set (0 before). */
  amountPaidMsat: bigint;
  createdAtMs: number;
  expiresAtMs: number;
  htlcs: InvoiceHtlcView[];
}

export interface CreateInvoiceRequest {
  /** Chosen by the caller; creating again with the same reference returns the same invoice. */
  externalRef: string;
  /** Absent: amount-less. */
  amountMsat?: bigint;
  /** Exactly one of description and descriptionHash (32 bytes) may be given (none: empty description). */
  description?: string;
  descriptionHash?: Uint8Array;
  /** Default 3600. */
  expirySeconds?: number;
  mode: InvoiceMode;
}

export type InvoiceEventKind = "CREATED" | "ACCEPTED" | "SETTLE_REQUESTED" | "SETTLED" | "SETTLE_FAILED" | "CANCELLED" | "EXPIRED";

/** `invoice` is the invoice as of this event (its status and amounts at that moment), also when replayed later. */
export interface InvoiceEventView {
  /** Global, strictly increasing; resume a subscription after the last one seen. */
  sequence: bigint;
  kind: InvoiceEventKind;
  invoice: InvoiceView;
  atMs: number;
}

export interface ClusterNodeView {
  name: string;
  pubkey: string;
  virtualScid: bigint;
  /** The node's bridge has a live member in its command consumer group. */
  bridgeConnected: boolean;
}

export interface CoordinatorInfo {
  coordinatorPubkey: string;
  network: string;
  nodes: ClusterNodeView[];
}

export type InvoiceServiceErrorCode = "invalid_argument" | "not_found" | "failed_precondition" | "already_exists" | "unavailable";

/** A refused request; the message is safe to return to the caller (never contains secrets). */
export class InvoiceServiceError extends Error {
  override readonly name = "InvoiceServiceError";
  constructor(
    readonly code: InvoiceServiceErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface InvoiceService {
  createInvoice(request: CreateInvoiceRequest): Promise<{ invoice: InvoiceView; created: boolean }>;
  lookupInvoice(query: { paymentHash: string } | { externalRef: string }): Promise<InvoiceView>;
  /** Ordered by creation; pageToken is opaque to callers. */
  listInvoices(request: { limit: number; pageToken?: string }): Promise<{ invoices: InvoiceView[]; nextPageToken?: string }>;
  /** Hold invoices only; idempotent (settling a settle-requested/settled invoice returns it). */
  settleInvoice(paymentHash: string): Promise<InvoiceView>;
  /** Idempotent; refused once the invoice is settle-requested. */
  cancelInvoice(paymentHash: string): Promise<InvoiceView>;
  /** Events with sequence > afterSequence, then live ones, until the signal aborts. */
  subscribeInvoices(afterSequence: bigint, signal: AbortSignal): AsyncIterable<InvoiceEventView>;
  getInfo(): Promise<CoordinatorInfo>;
}
