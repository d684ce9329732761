// BOLT 11 tagged field types (the 5-bit type word) and the data part's fixed layout.
export const TAG = {
  PAYMENT_HASH: 1, // p
  ROUTE_HINT: 3, // r
  FEATURES: 5, // 9
  EXPIRY: 6, // x
  FALLBACK_ADDRESS: 9, // f
  DESCRIPTION: 13, // d
  PAYMENT_SECRET: 16, // s
  PAYEE_NODE_KEY: 19, // n
  DESCRIPTION_HASH: 23, // h
  MIN_FINAL_CLTV_EXPIRY_DELTA: 24, // c
  PAYMENT_METADATA: 27, // m
} as const;

export const TIMESTAMP_WORDS = 7;
export const SIGNATURE_WORDS = 104;
/** 10-bit data_length: 1023 words = 639 bytes at most per field. */
export const MAX_FIELD_WORDS = 1023;
export const DEFAULT_EXPIRY_SECONDS = 3600;
export const DEFAULT_MIN_FINAL_CLTV_EXPIRY_DELTA = 18;
