// Reads and verifies a BOLT 11 invoice, following the spec's reader rules: fixed-length fields
// (p, h, s, n) of the wrong length are skipped, unknown tags and unknown fallback versions are
// skipped, non-minimal x/c/9 are rejected, unknown even feature bits are rejected, exactly one
// d or h is required, and the signature is checked against `n` (low-S only) or recovered.
// Every `r` field is kept. Expiry against the current time is the caller's check.
import type { Secp256k1Backend } from "../crypto/secp256k1-backend.ts";
import { err, ok, type Result } from "../result.ts";
import { concatBytes } from "../bytes/concat-bytes.ts";
import { sha256 } from "../crypto/hashes.ts";
import { decodeAmount } from "./amount.ts";
import { decodeBech32 } from "./bech32.ts";
import { FEATURE_BIT, hasFeature, isKnownInvoiceFeature, wordsToFeatureBits } from "./feature-bits.ts";
import { wordsToBytes, wordsToPaddedBytes, wordsToUint } from "./five-bit-words.ts";
import type { DecodedInvoice, FallbackAddress } from "./invoice.ts";
import { matchNetworkPrefix } from "./network.ts";
import { decodeRouteHintHops, type RouteHint } from "./route-hint.ts";
import { DEFAULT_EXPIRY_SECONDS, DEFAULT_MIN_FINAL_CLTV_EXPIRY_DELTA, SIGNATURE_WORDS, TAG, TIMESTAMP_WORDS } from "./tagged-field.ts";

export type InvoiceDecodeErrorCode =
  | "invalid_bech32"
  | "invalid_prefix"
  | "invalid_amount"
  | "too_short"
  | "invalid_field"
  | "missing_payment_hash"
  | "missing_payment_secret"
  | "invalid_description"
  | "unknown_required_feature"
  | "missing_feature_dependency"
  | "invalid_signature";

export interface InvoiceDecodeError {
  readonly code: InvoiceDecodeErrorCode;
  readonly message: string;
}

/** x and c values: 10 words = 50 bits keeps them exact as JS numbers. */
const MAX_UINT_FIELD_WORDS = 10;
const HALF_CURVE_ORDER = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n;
const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

function fail(code: InvoiceDecodeErrorCode, message: string): { ok: false; error: InvoiceDecodeError } {
  return err({ code, message });
}

export function decodeInvoice(backend: Secp256k1Backend, invoice: string): Result<DecodedInvoice, InvoiceDecodeError> {
  const bech32 = decodeBech32(invoice);
  if (!bech32.ok) return fail("invalid_bech32", `not a valid bech32 string (${bech32.error})`);
  const { hrp, words } = bech32.value;
  if (!hrp.startsWith("ln")) return fail("invalid_prefix", "human-readable part does not start with ln");
  const currency = matchNetworkPrefix(hrp.slice(2));
  if (currency === null) return fail("invalid_prefix", "unknown currency prefix");
  const amount = decodeAmount(currency.rest);
  if (!amount.ok) return fail("invalid_amount", `invalid amount (${amount.error})`);
  if (words.length < TIMESTAMP_WORDS + SIGNATURE_WORDS) return fail("too_short", "data part too short for timestamp and signature");

  const dataEnd = words.length - SIGNATURE_WORDS;
  const timestamp = wordsToUint(words.slice(0, TIMESTAMP_WORDS));

  let paymentHash: Uint8Array | undefined;
  let paymentSecret: Uint8Array | undefined;
  let description: string | undefined;
  let descriptionHash: Uint8Array | undefined;
  let descriptionCount = 0;
  let payeeNodeKeyField: Uint8Array | undefined;
  let expirySeconds: number | undefined;
  let minFinalCltvExpiryDelta: number | undefined;
  let featureBits: number[] | undefined;
  let paymentMetadata: Uint8Array | undefined;
  const routeHints: RouteHint[] = [];
  const fallbackAddresses: FallbackAddress[] = [];

  let at = TIMESTAMP_WORDS;
  while (at < dataEnd) {
    if (at + 3 > dataEnd) return fail("invalid_field", "tagged field header truncated");
    const tag = words[at] as number;
    const length = ((words[at + 1] as number) << 5) | (words[at + 2] as number);
    const start = at + 3;
    if (start + length > dataEnd) return fail("invalid_field", `tagged field ${tag} runs past the signature`);
    const data = words.slice(start, start + length);
    at = start + length;

    switch (tag) {
      case TAG.PAYMENT_HASH:
      case TAG.PAYMENT_SECRET:
      case TAG.DESCRIPTION_HASH: {
        if (length !== 52) break;
        const bytes = wordsToBytes(data);
        if (bytes === null) return fail("invalid_field", `tagged field ${tag} has non-zero padding`);
        if (tag === TAG.PAYMENT_HASH) paymentHash ??= bytes;
        else if (tag === TAG.PAYMENT_SECRET) paymentSecret ??= bytes;
        else {
          descriptionCount++;
          descriptionHash ??= bytes;
        }
        break;
      }
      case TAG.PAYEE_NODE_KEY: {
        if (length !== 53) break;
        const bytes = wordsToBytes(data);
        if (bytes === null) return fail("invalid_field", "payee node key has non-zero padding");
        payeeNodeKeyField ??= bytes;
        break;
      }
      case TAG.DESCRIPTION: {
        const bytes = wordsToBytes(data);
        if (bytes === null) return fail("invalid_field", "description has non-zero padding");
        let text: string;
        try {
          text = strictUtf8.decode(bytes);
        } catch {
          return fail("invalid_description", "description is not valid UTF-8");
        }
        descriptionCount++;
        description ??= text;
        break;
      }
      case TAG.EXPIRY:
      case TAG.MIN_FINAL_CLTV_EXPIRY_DELTA: {
        if (data[0] === 0) return fail("invalid_field", `tagged field ${tag} is not minimally encoded`);
        if (length > MAX_UINT_FIELD_WORDS) return fail("invalid_field", `tagged field ${tag} is too large`);
        const value = wordsToUint(data);
        if (tag === TAG.EXPIRY) expirySeconds ??= value;
        else minFinalCltvExpiryDelta ??= value;
        break;
      }
      case TAG.FEATURES: {
        if (data[0] === 0) return fail("invalid_field", "feature field is not minimally encoded");
        featureBits ??= wordsToFeatureBits(data);
        break;
      }
      case TAG.PAYMENT_METADATA: {
        const bytes = wordsToBytes(data);
        if (bytes === null) return fail("invalid_field", "payment metadata has non-zero padding");
        paymentMetadata ??= bytes;
        break;
      }
      case TAG.ROUTE_HINT: {
        const bytes = wordsToBytes(data);
        const hops = bytes === null ? null : decodeRouteHintHops(bytes);
        if (hops === null) return fail("invalid_field", "route hint is not a whole number of 51-byte hops");
        routeHints.push(hops);
        break;
      }
      case TAG.FALLBACK_ADDRESS: {
        const fallback = readFallbackAddress(data);
        if (fallback === "invalid") return fail("invalid_field", "fallback address has an invalid program");
        if (fallback !== "unknown_version") fallbackAddresses.push(fallback);
        break;
      }
      default:
        // Unknown tags are skipped: future fields must not break today's readers.
        break;
    }
  }

  if (paymentHash === undefined) return fail("missing_payment_hash", "no valid payment hash (p) field");
  if (paymentSecret === undefined) return fail("missing_payment_secret", "no valid payment secret (s) field");
  if (descriptionCount !== 1) return fail("invalid_description", "exactly one description (d) or description hash (h) field is required");
  const features = featureBits ?? [];
  const unknownEven = features.find((bit) => bit % 2 === 0 && !isKnownInvoiceFeature(bit));
  if (unknownEven !== undefined) return fail("unknown_required_feature", `invoice requires unknown feature bit ${unknownEven}`);
  if (hasFeature(features, FEATURE_BIT.BASIC_MPP_REQUIRED) && !hasFeature(features, FEATURE_BIT.PAYMENT_SECRET_REQUIRED)) {
    return fail("missing_feature_dependency", "basic_mpp is set without payment_secret");
  }

  const signatureBytes = wordsToBytes(words.slice(dataEnd));
  if (signatureBytes === null) return fail("invalid_signature", "signature has non-zero padding");
  const signature = signatureBytes.slice(0, 64);
  const recoveryId = signatureBytes[64] as number;
  if (recoveryId > 3) return fail("invalid_signature", "recovery id is not 0..3");
  const signingHash = sha256(concatBytes(utf8.encode(hrp), wordsToPaddedBytes(words.slice(0, dataEnd))));

  let payeeNodeKey: Uint8Array;
  if (payeeNodeKeyField !== undefined) {
    // With `n` the reader verifies rather than recovers, and must insist on low-S (so the
    // signature is not malleable). Recovering under every id and comparing is a verify.
    const s = BigInt("0x" + Buffer.from(signature.subarray(32)).toString("hex"));
    if (s > HALF_CURVE_ORDER) return fail("invalid_signature", "signature is not low-S although the n field is present");
    const expected = payeeNodeKeyField;
    const verified = [recoveryId, 0, 1, 2, 3].some((id) => {
      const recovered = backend.recoverPublicKey(signingHash, signature, id);
      return recovered !== null && Buffer.compare(recovered, expected) === 0;
    });
    if (!verified) return fail("invalid_signature", "signature does not verify against the n field");
    payeeNodeKey = expected;
  } else {
    const recovered = backend.recoverPublicKey(signingHash, signature, recoveryId);
    if (recovered === null) return fail("invalid_signature", "no public key recovers from the signature");
    payeeNodeKey = recovered;
  }

  const decoded: DecodedInvoice = {
    network: currency.network,
    timestamp,
    paymentHash,
    paymentSecret,
    expirySeconds: expirySeconds ?? DEFAULT_EXPIRY_SECONDS,
    minFinalCltvExpiryDelta: minFinalCltvExpiryDelta ?? DEFAULT_MIN_FINAL_CLTV_EXPIRY_DELTA,
    featureBits: features,
    routeHints,
    fallbackAddresses,
    payeeNodeKey,
    signature,
    recoveryId,
    ...(amount.value !== undefined && { amountMsat: amount.value }),
    ...(description !== undefined && { description }),
    ...(descriptionHash !== undefined && { descriptionHash }),
    ...(paymentMetadata !== undefined && { paymentMetadata }),
  };
  return ok(decoded);
}

function readFallbackAddress(data: readonly number[]): FallbackAddress | "unknown_version" | "invalid" {
  const version = data[0];
  if (version === undefined) return "invalid";
  if (version > 18) return "unknown_version";
  const program = wordsToBytes(data.slice(1));
  if (program === null) return "invalid";
  if (version === 17 || version === 18) return program.length === 20 ? { version, program } : "invalid";
  if (version === 0 && program.length !== 20 && program.length !== 32) return "invalid";
  if (program.length < 2 || program.length > 40) return "invalid";
  return { version, program };
}
