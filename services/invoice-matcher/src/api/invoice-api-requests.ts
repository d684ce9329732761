// gRPC requests -> the port's inputs. Each parser reads one decoded message from start to
// end, checks every field the port cannot check better, and throws InvalidApiArgument naming
// the first bad field. Business rules (idempotency, states, terms conflicts) stay in the port.
import type { CreateInvoiceRequest, InvoiceMode } from "../invoice-service/invoice-service.ts";
import type {
  WireAddInvoiceRequest,
  WireListInvoicesRequest,
  WireLookupInvoiceRequest,
  WirePaymentHashRequest,
  WireSubscribeInvoicesRequest,
} from "./invoice-api-wire.ts";

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

/** 21 million bitcoin: no invoice can ask for more than the money supply. */
export const MAX_AMOUNT_MSAT = 21_000_000n * 100_000_000n * 1000n;
/** BOLT 11 field lengths are 10 bits of 5-bit words: 1023 * 5 / 8 = 639 whole bytes. */
export const MAX_DESCRIPTION_BYTES = 639;
export const DESCRIPTION_HASH_BYTES = 32;
/** A year: an invoice open longer is an operator mistake, not a use case. */
export const MAX_EXPIRY_SECONDS = 365 * 24 * 3600;
export const MAX_EXTERNAL_REF_BYTES = 256;
export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;

const UINT64_MAX = 2n ** 64n - 1n;
const HEX_32_BYTES = /^[0-9a-fA-F]{64}$/;
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/;

export function parseAddInvoiceRequest(wire: WireAddInvoiceRequest): CreateInvoiceRequest {
  const externalRef = parseExternalRef(wire.external_ref, "external_ref");
  const mode = parseMode(wire.mode);

  const amountMsat = parseUint64(wire.amount_msat, "amount_msat");
  if (amountMsat > MAX_AMOUNT_MSAT)
    throw new InvalidApiArgument("amount_msat", `amount_msat must be at most ${MAX_AMOUNT_MSAT} (21 million bitcoin), got ${amountMsat}`);

  const description = wire.description;
  const descriptionHash = wire.description_hash;
  if (description.length > 0 && descriptionHash.length > 0)
    throw new InvalidApiArgument("description", "give description or description_hash, not both");
  const descriptionBytes = Buffer.byteLength(description, "utf8");
  if (descriptionBytes > MAX_DESCRIPTION_BYTES)
    throw new InvalidApiArgument(
      "description",
      `description must be at most ${MAX_DESCRIPTION_BYTES} UTF-8 bytes (the BOLT 11 limit), got ${descriptionBytes}; send a longer one as description_hash`,
    );
  if (descriptionHash.length > 0 && descriptionHash.length !== DESCRIPTION_HASH_BYTES)
    throw new InvalidApiArgument(
      "description_hash",
      `description_hash must be ${DESCRIPTION_HASH_BYTES} bytes (the SHA-256 of the description), got ${descriptionHash.length}`,
    );

  const expirySeconds = parseInt64(wire.expiry_seconds, "expiry_seconds");
  if (expirySeconds < 0n)
    throw new InvalidApiArgument("expiry_seconds", `expiry_seconds must not be negative, got ${expirySeconds}`);
  if (expirySeconds > BigInt(MAX_EXPIRY_SECONDS))
    throw new InvalidApiArgument("expiry_seconds", `expiry_seconds must be at most ${MAX_EXPIRY_SECONDS} (one year), got ${expirySeconds}`);

  const request: CreateInvoiceRequest = { externalRef, mode };
  if (amountMsat > 0n) request.amountMsat = amountMsat;
  if (description.length > 0) request.description = description;
  if (descriptionHash.length > 0) request.descriptionHash = new Uint8Array(descriptionHash);
  if (expirySeconds > 0n) request.expirySeconds = Number(expirySeconds);
  return request;
}

export function parseLookupInvoiceRequest(wire: WireLookupInvoiceRequest): { paymentHash: string } | { externalRef: string } {
  const byHash = wire.payment_hash.length > 0;
  const byRef = wire.external_ref.length > 0;
  if (byHash && byRef) throw new InvalidApiArgument("payment_hash", "give payment_hash or external_ref, not both");
  if (byHash) return { paymentHash: parsePaymentHash(wire.payment_hash) };
  if (byRef) return { externalRef: parseExternalRef(wire.external_ref, "external_ref") };
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

function parseExternalRef(value: string, field: string): string {
  if (value.length === 0) throw new InvalidApiArgument(field, `${field} is required (your reference for the invoice, e.g. an order id)`);
  const bytes = Buffer.byteLength(value, "utf8");
  if (bytes > MAX_EXTERNAL_REF_BYTES)
    throw new InvalidApiArgument(field, `${field} must be at most ${MAX_EXTERNAL_REF_BYTES} UTF-8 bytes, got ${bytes}`);
  if (CONTROL_CHARACTER.test(value)) throw new InvalidApiArgument(field, `${field} must not contain control characters`);
  return value;
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
