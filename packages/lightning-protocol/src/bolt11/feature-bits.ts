// BOLT 9 feature bits as they appear in an invoice's `9` field: a big-endian bit field, bit 0 the
// least significant. Even = required, odd = optional ("it's OK to be odd").
export const FEATURE_BIT = {
  VAR_ONION_OPTIN_REQUIRED: 8,
  VAR_ONION_OPTIN_OPTIONAL: 9,
  PAYMENT_SECRET_REQUIRED: 14,
  PAYMENT_SECRET_OPTIONAL: 15,
  BASIC_MPP_REQUIRED: 16,
  BASIC_MPP_OPTIONAL: 17,
  PAYMENT_METADATA_REQUIRED: 48,
  PAYMENT_METADATA_OPTIONAL: 49,
} as const;

/** What the virtual node advertises: TLV onions and payment_secret required, MPP offered. */
export const VIRTUAL_NODE_FEATURE_BITS: readonly number[] = [
  FEATURE_BIT.VAR_ONION_OPTIN_REQUIRED,
  FEATURE_BIT.PAYMENT_SECRET_REQUIRED,
  FEATURE_BIT.BASIC_MPP_OPTIONAL,
];

/** Features BOLT 9 places in the invoice context (9): a reader understands these pairs. */
const KNOWN_INVOICE_FEATURE_PAIRS: ReadonlySet<number> = new Set([8, 14, 16, 24, 36, 48]);

export function isKnownInvoiceFeature(bit: number): boolean {
  return KNOWN_INVOICE_FEATURE_PAIRS.has(bit & ~1);
}

export function hasFeature(bits: readonly number[], pairBase: number): boolean {
  return bits.includes(pairBase) || bits.includes(pairBase + 1);
}

/** Minimal words (no leading zero word) with the given bits set. */
export function featureBitsToWords(bits: readonly number[]): number[] {
  if (bits.length === 0) return [];
  for (const bit of bits) if (!Number.isInteger(bit) || bit < 0 || bit > 5114) throw new RangeError(`feature bit ${bit} out of range`);
  const wordCount = Math.floor(Math.max(...bits) / 5) + 1;
  const words = new Array<number>(wordCount).fill(0);
  for (const bit of bits) {
    const index = wordCount - 1 - Math.floor(bit / 5);
    words[index] = (words[index] as number) | (1 << bit % 5);
  }
  return words;
}

export function wordsToFeatureBits(words: readonly number[]): number[] {
  const bits: number[] = [];
  for (let index = words.length - 1; index >= 0; index--) {
    const word = words[index] as number;
    const base = (words.length - 1 - index) * 5;
    for (let i = 0; i < 5; i++) if ((word >>> i) & 1) bits.push(base + i);
  }
  return bits;
}
