// gRPC requests -> the port's inputs. Each parser reads one decoded message from start to
// end, checks its shape (types, enums, exactly one of two fields), and throws InvalidApiArgument
// naming the first bad field. Limits and business rules (idempotency, states, terms conflicts)
// stay in the port.
import type {
  CreateInvoiceRequest,
  InvoiceMode,
  WireAddInvoiceRequest,
  WireListInvoicesRequest,
  WireLookupInvoiceRequest,
  WirePaymentHashRequest,
  WireSubscribeInvoicesRequest,
} from "@ic/invoice-api-client";
import { MAX_EXPIRY_SECONDS } from "../invoice-service/create-invoice-limits.ts";

/** A request field the API refuses; the message names the field and is safe to return. */
export class InvalidApiArgument extends Error {
  override readonly name = "InvalidApiArgument";
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;

const UINT64_MAX = 2n ** 64n - 1n;
const HEX_32_BYTES = /^[0-9a-fA-F]{64}$/;

// Shape only: the limits of the terms (external_ref, amount, description, expiry) are the
// port's (invoice-service/create-invoice-limits.ts), checked once there; its refusal comes back
// as INVALID_ARGUMENT with the same kind of message. Proto3 cannot tell an absent scalar from its
// zero, so 0 and "" mean absent here.
export function parseAddInvoiceRequest(wire: WireAddInvoiceRequest): CreateInvoiceRequest {
  const mode = parseMode(wire.mode);
  const amountMsat = parseUint64(wire.amount_msat, "amount_msat");
  const expirySeconds = parseInt64(wire.expiry_seconds, "expiry_seconds");
  // The port holds seconds as a number: a value past 2^53 could not reach it unchanged.
  if (expirySeconds > BigInt(Number.MAX_SAFE_INTEGER) || expirySeconds < BigInt(Number.MIN_SAFE_INTEGER))
    throw new InvalidApiArgument("expiry_seconds", `expiry_seconds must be 1 to ${MAX_EXPIRY_SECONDS} (one year), got ${expirySeconds}`);

  const request: CreateInvoiceRequest = { externalRef: wire.external_ref, mode };
  if (amountMsat > 0n) request.amountMsat = amountMsat;
  if (wire.description.length > 0) request.description = wire.description;
  if (wire.description_hash.length > 0) request.descriptionHash = new Uint8Array(wire.description_hash);
  if (expirySeconds !== 0n) request.expirySeconds = Number(expirySeconds);
  return request;
}

export function parseLookupInvoiceRequest(wire: WireLookupInvoiceRequest): { paymentHash: string } | { externalRef: string } {
  const byHash = wire.payment_hash.length > 0;
  const byRef = wire.external_ref.length > 0;
  if (byHash && byRef) throw new InvalidApiArgument("payment_hash", "give payment_hash or external_ref, not both");
  if (byHash) return { paymentHash: parsePaymentHash(wire.payment_hash) };
  if (byRef) return { externalRef: wire.external_ref };
  throw new InvalidApiArgument("payment_hash", "give payment_hash or external_ref");
}

export function parseListInvoicesRequest(wire: WireListInvoicesRequest): { limit: number; pageToken?: string } {
  const pageSize = wire.page_size;
  if (!Number.isInteger(pageSize) || pageSize < 0 || pageSize > MAX_PAGE_SIZE)
    throw new InvalidApiArgument("page_size", `page_size must be 0 (default ${DEFAULT_PAGE_SIZE}) to ${MAX_PAGE_SIZE}, got ${pageSize}`);
  const request: { limit: number; pageToken?: string } = { limit: pageSize === 0 ? DEFAULT_PAGE_SIZE : pageSize };
  if (wire.page_token.length > 0) request.pageToken = wire.page_token;
  return request;
}

export function parsePaymentHashRequest(wire: WirePaymentHashRequest): string {
  return parsePaymentHash(wire.payment_hash);
}

export function parseSubscribeInvoicesRequest(wire: WireSubscribeInvoicesRequest): bigint {
  return parseUint64(wire.after_sequence, "after_sequence");
}

/** Lowercase hex, the form the port and every answer use; either case is accepted. */
export function parsePaymentHash(value: string, field = "payment_hash"): string {
  if (value.length === 0) throw new InvalidApiArgument(field, `${field} is required (64 hex characters)`);
  if (!HEX_32_BYTES.test(value)) {
    const problem = value.length === 64 ? "contains a character that is not hex" : `has ${value.length} characters`;
    throw new InvalidApiArgument(field, `${field} must be 32 bytes as 64 hex characters; it ${problem}`);
  }
  return value.toLowerCase();
}

function parseMode(value: string | number): InvoiceMode {
  if (value === "AUTO_SETTLE") return "auto";
  if (value === "HOLD") return "hold";
  if (value === "INVOICE_MODE_UNSPECIFIED" || value === 0)
    throw new InvalidApiArgument("mode", "mode is required: AUTO_SETTLE or HOLD");
  throw new InvalidApiArgument("mode", `mode must be AUTO_SETTLE or HOLD, got ${String(value)}`);
}

// proto-loader hands 64-bit integers over as decimal strings; anything else means a caller
// bypassed it, and is refused rather than guessed at.
function parseUint64(value: string, field: string): bigint {
  const parsed = parseDecimal(value, field);
  if (parsed < 0n || parsed > UINT64_MAX) throw new InvalidApiArgument(field, `${field} must be an unsigned 64-bit integer`);
  return parsed;
}

function parseInt64(value: string, field: string): bigint {
  return parseDecimal(value, field);
}

function parseDecimal(value: string, field: string): bigint {
  if (typeof value !== "string" || !/^-?\d{1,20}$/.test(value))
    throw new InvalidApiArgument(field, `${field} must be a 64-bit integer`);
  return BigInt(value);
}
