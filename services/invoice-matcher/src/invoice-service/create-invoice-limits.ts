// The limits of a CreateInvoiceRequest: one set, part of the port's contract, checked once by
// the service (application/invoice-service-impl.ts, and the API-test fake alike). The gRPC API
// checks only the message's shape (types, enums, exactly-one-of) and passes the port's refusal
// on as INVALID_ARGUMENT; every message starts with the wire field's name.
import type { CreateInvoiceRequest } from "@ic/invoice-api-client";

/** 21 million bitcoin: no invoice can ask for more than the money supply. */
export const MAX_AMOUNT_MSAT = 21_000_000n * 100_000_000n * 1000n;
/** BOLT 11 field lengths are 10 bits of 5-bit words: 1023 * 5 / 8 = 639 whole bytes. */
export const MAX_DESCRIPTION_BYTES = 639;
export const DESCRIPTION_HASH_BYTES = 32;
/** A year: an invoice open longer is an operator mistake, not a use case. */
export const MAX_EXPIRY_SECONDS = 365 * 24 * 3600;
/**
 * external_ref: 1-128 printable ASCII characters, no spaces (0x21-0x7e). It is a key callers
 * type, log and put in URLs: a space or a look-alike Unicode character would make two
 * references that read the same and are not.
 */
export const MAX_EXTERNAL_REF_LENGTH = 128;
const EXTERNAL_REF_CHARACTER = /^[\x21-\x7e]$/;

export type CreateInvoiceField = "external_ref" | "amount_msat" | "description" | "description_hash" | "expiry_seconds";

/** Why a request breaks a limit: the wire field and a message safe to return to the caller. */
export interface CreateInvoiceProblem {
  field: CreateInvoiceField;
  message: string;
}

/** Why `value` cannot be an external_ref (for creating or looking up), or null when it can. */
export function externalRefProblem(value: string): string | null {
  if (value.length === 0) return "external_ref is required (your reference for the invoice, e.g. an order id)";
  if (value.length > MAX_EXTERNAL_REF_LENGTH) return `external_ref must be at most ${MAX_EXTERNAL_REF_LENGTH} characters, got ${value.length}`;
  const index = [...value].findIndex((character) => !EXTERNAL_REF_CHARACTER.test(character));
  if (index !== -1) {
    const character = [...value][index]!;
    const what = character === " " ? "a space" : /[\u0000-\u001f\u007f-\u009f]/.test(character) ? "a control character" : `U+${character.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`;
    return `external_ref must be printable ASCII without spaces (0x21-0x7e); it has ${what} at position ${index + 1}`;
  }
  return null;
}

/** The first limit `request` breaks, or null. */
export function createInvoiceRequestProblem(request: CreateInvoiceRequest): CreateInvoiceProblem | null {
  const refProblem = externalRefProblem(request.externalRef);
  if (refProblem !== null) return { field: "external_ref", message: refProblem };

  const amount = request.amountMsat;
  if (amount !== undefined && amount < 1n)
    return { field: "amount_msat", message: `amount_msat must be at least 1 (absent: an amount-less invoice), got ${amount}` };
  if (amount !== undefined && amount > MAX_AMOUNT_MSAT)
    return { field: "amount_msat", message: `amount_msat must be at most ${MAX_AMOUNT_MSAT} (21 million bitcoin), got ${amount}` };

  const { description, descriptionHash } = request;
  if (description !== undefined && descriptionHash !== undefined)
    return { field: "description", message: "give description or description_hash, not both" };
  if (description !== undefined) {
    const bytes = Buffer.byteLength(description, "utf8");
    if (bytes > MAX_DESCRIPTION_BYTES)
      return {
        field: "description",
        message: `description must be at most ${MAX_DESCRIPTION_BYTES} UTF-8 bytes (the BOLT 11 limit), got ${bytes}; send a longer one as description_hash`,
      };
  }
  if (descriptionHash !== undefined && descriptionHash.length !== DESCRIPTION_HASH_BYTES)
    return {
      field: "description_hash",
      message: `description_hash must be ${DESCRIPTION_HASH_BYTES} bytes (the SHA-256 of the description), got ${descriptionHash.length}`,
    };

  const expiry = request.expirySeconds;
  if (expiry !== undefined) {
    if (!Number.isInteger(expiry)) return { field: "expiry_seconds", message: `expiry_seconds must be a whole number of seconds, got ${expiry}` };
    if (expiry < 0) return { field: "expiry_seconds", message: `expiry_seconds must not be negative, got ${expiry}` };
    if (expiry === 0) return { field: "expiry_seconds", message: "expiry_seconds must be at least 1 (absent: the default)" };
    if (expiry > MAX_EXPIRY_SECONDS)
      return { field: "expiry_seconds", message: `expiry_seconds must be at most ${MAX_EXPIRY_SECONDS} (one year), got ${expiry}` };
  }
  return null;
}
