// The terms an invoice was issued with. They never change after InvoiceCreated: every HTLC is
// judged against them.

export type InvoiceMode =
  // The set is settled as soon as it pays the invoice.
  | "auto"
  // The set is held (ACCEPTED) until the application settles or cancels it.
  | "hold";

export type InvoiceTerms = {
  readonly paymentHash: string;
  // Public by nature (it is in the BOLT 11 string); it proves the payer read the invoice.
  readonly paymentSecret: string;
  // null: amount-less invoice, any total_msat >= 1 is accepted and the first HTLC fixes it.
  readonly amountMsat: bigint | null;
  readonly createdAt: number;
  // First instant (ms) at which the invoice no longer starts new sets.
  readonly expiresAt: number;
  readonly minFinalCltvExpiryDelta: number;
  readonly mode: InvoiceMode;
  readonly externalRef: string;
  readonly bolt11: string;
};

const HEX_32_BYTES = /^[0-9a-f]{64}$/;

// Why the terms cannot be an invoice, or null when they can.
export const invoiceTermsProblem = (terms: InvoiceTerms): string | null => {
  if (!HEX_32_BYTES.test(terms.paymentHash)) return "paymentHash must be 32 bytes of lowercase hex";
  if (!HEX_32_BYTES.test(terms.paymentSecret)) return "paymentSecret must be 32 bytes of lowercase hex";
  if (terms.amountMsat !== null && terms.amountMsat < 1n) return "amountMsat must be >= 1 or null";
  if (terms.amountMsat !== null && terms.amountMsat >= 2n ** 64n) return "amountMsat must fit in uint64";
  if (!Number.isSafeInteger(terms.createdAt)) return "createdAt must be an integer (ms)";
  if (!Number.isSafeInteger(terms.expiresAt) || terms.expiresAt <= terms.createdAt)
    return "expiresAt must be an integer (ms) after createdAt";
  if (!Number.isInteger(terms.minFinalCltvExpiryDelta) || terms.minFinalCltvExpiryDelta < 1 || terms.minFinalCltvExpiryDelta > 0xffff)
    return "minFinalCltvExpiryDelta must be an integer in 1..65535";
  if (terms.mode !== "auto" && terms.mode !== "hold") return "mode must be auto or hold";
  if (terms.bolt11.length === 0) return "bolt11 must not be empty";
  return null;
};

export const sameInvoiceTerms = (a: InvoiceTerms, b: InvoiceTerms): boolean =>
  a.paymentHash === b.paymentHash &&
  a.paymentSecret === b.paymentSecret &&
  a.amountMsat === b.amountMsat &&
  a.createdAt === b.createdAt &&
  a.expiresAt === b.expiresAt &&
  a.minFinalCltvExpiryDelta === b.minFinalCltvExpiryDelta &&
  a.mode === b.mode &&
  a.externalRef === b.externalRef &&
  a.bolt11 === b.bolt11;

// Compared without an early exit so the time taken does not reveal how many leading characters of
// a guessed secret were right.
export const matchesPaymentSecret = (terms: InvoiceTerms, candidate: string): boolean => {
  const expected = terms.paymentSecret;
  if (candidate.length !== expected.length) return false;
  let difference = 0;
  for (let i = 0; i < expected.length; i++) difference |= expected.charCodeAt(i) ^ candidate.charCodeAt(i);
  return difference === 0;
};

// The least total_msat a set may declare: the invoice amount, or 1 msat for an amount-less one.
export const minimumTotalMsat = (terms: InvoiceTerms): bigint => terms.amountMsat ?? 1n;

export const isPastExpiry = (terms: InvoiceTerms, now: number): boolean => now >= terms.expiresAt;
