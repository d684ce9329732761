// Builds and signs a BOLT 11 invoice for the virtual node. Inputs are our own (the invoice API
// validated the request), so bad values throw RangeError instead of producing an invoice a payer
// would reject.
import type { Secp256k1Backend } from "../crypto/secp256k1-backend.ts";
import { assertLength } from "../bytes/assert-length.ts";
import { concatBytes } from "../bytes/concat-bytes.ts";
import { sha256 } from "../crypto/hashes.ts";
import { encodeAmount } from "./amount.ts";
import { encodeBech32 } from "./bech32.ts";
import { featureBitsToWords, FEATURE_BIT, hasFeature } from "./feature-bits.ts";
import { bytesToWords, uintToFixedWords, uintToWords, wordsToPaddedBytes } from "./five-bit-words.ts";
import type { InvoiceToSign } from "./invoice.ts";
import { BOLT11_PREFIX } from "./network.ts";
import { encodeRouteHintHops } from "./route-hint.ts";
import { MAX_FIELD_WORDS, TAG, TIMESTAMP_WORDS } from "./tagged-field.ts";

const MAX_TIMESTAMP = 2 ** 35 - 1;
const utf8 = new TextEncoder();

export function encodeInvoice(backend: Secp256k1Backend, nodePrivateKey: Uint8Array, invoice: InvoiceToSign): string {
  assertLength("nodePrivateKey", nodePrivateKey, 32);
  assertLength("paymentHash", invoice.paymentHash, 32);
  assertLength("paymentSecret", invoice.paymentSecret, 32);
  if (!Number.isInteger(invoice.timestamp) || invoice.timestamp < 0 || invoice.timestamp > MAX_TIMESTAMP) {
    throw new RangeError("timestamp must be whole unix seconds within 35 bits");
  }
  if ((invoice.description === undefined) === (invoice.descriptionHash === undefined)) {
    throw new RangeError("an invoice needs exactly one of description and descriptionHash");
  }
  if (!hasFeature(invoice.featureBits, FEATURE_BIT.VAR_ONION_OPTIN_REQUIRED) || !hasFeature(invoice.featureBits, FEATURE_BIT.PAYMENT_SECRET_REQUIRED)) {
    throw new RangeError("featureBits must set var_onion_optin (8/9) and payment_secret (14/15)");
  }

  const hrp = `ln${BOLT11_PREFIX[invoice.network]}${invoice.amountMsat === undefined ? "" : encodeAmount(invoice.amountMsat)}`;
  const words: number[] = uintToFixedWords(invoice.timestamp, TIMESTAMP_WORDS);
  const field = (tag: number, data: readonly number[]): void => {
    if (data.length > MAX_FIELD_WORDS) throw new RangeError(`invoice field ${tag} is longer than ${MAX_FIELD_WORDS} words`);
    words.push(tag, data.length >>> 5, data.length & 31, ...data);
  };

  field(TAG.PAYMENT_HASH, bytesToWords(invoice.paymentHash));
  field(TAG.PAYMENT_SECRET, bytesToWords(invoice.paymentSecret));
  if (invoice.description !== undefined) field(TAG.DESCRIPTION, bytesToWords(utf8.encode(invoice.description)));
  if (invoice.descriptionHash !== undefined) {
    assertLength("descriptionHash", invoice.descriptionHash, 32);
    field(TAG.DESCRIPTION_HASH, bytesToWords(invoice.descriptionHash));
  }
  if (invoice.includePayeeNodeKey === true) field(TAG.PAYEE_NODE_KEY, bytesToWords(backend.publicKeyCreate(nodePrivateKey)));
  if (invoice.expirySeconds !== undefined) field(TAG.EXPIRY, uintToWords(invoice.expirySeconds));
  if (!Number.isInteger(invoice.minFinalCltvExpiryDelta) || invoice.minFinalCltvExpiryDelta < 0) {
    throw new RangeError("minFinalCltvExpiryDelta must be a non-negative integer");
  }
  field(TAG.MIN_FINAL_CLTV_EXPIRY_DELTA, uintToWords(invoice.minFinalCltvExpiryDelta));
  if (invoice.paymentMetadata !== undefined) field(TAG.PAYMENT_METADATA, bytesToWords(invoice.paymentMetadata));
  for (const hint of invoice.routeHints ?? []) {
    if (hint.length === 0) throw new RangeError("a route hint needs at least one hop");
    field(TAG.ROUTE_HINT, bytesToWords(encodeRouteHintHops(hint)));
  }
  field(TAG.FEATURES, featureBitsToWords(invoice.featureBits));

  const signingHash = sha256(concatBytes(utf8.encode(hrp), wordsToPaddedBytes(words)));
  const { signature, recoveryId } = backend.signRecoverable(signingHash, nodePrivateKey);
  const signatureBytes = new Uint8Array(65);
  signatureBytes.set(signature);
  signatureBytes[64] = recoveryId;
  words.push(...bytesToWords(signatureBytes));
  return encodeBech32(hrp, words);
}
