import type { AcceptedPayload, HtlcArrival, HtlcFailure, HtlcKey, InvoiceTerms, OpaqueValue } from "../domain/index.ts";

// The domain's value types as JSON-safe values, shared by every format that stores or sends them:
// the state projection (state-json.ts), the event log and the journal (event-json.ts) and the
// outbox's command rows (command-json.ts). So all write and read an HTLC key, a failure, a payload
// or an arrival the same way: uint64 as a decimal string, and bigints inside opaque values tagged.
// Each format throws its own error class, so the writers and readers here report a wrong field
// through a function the format passes in.

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

// Opaque values (the onion peel failure) may hold bigints; JSON has none, so a bigint is written
// as {"$bigint": "<decimal>"}. An object of its own with a "$bigint" key would read back as a
// bigint, so it is refused.
export const BIGINT_TAG = "$bigint";

export type JsonHtlcKey = { nodeId: string; chanId: string; htlcId: string };
export type JsonHtlcFailure =
  | { kind: "incorrect_or_unknown_payment_details"; htlcMsat: string; height: number }
  | { kind: "mpp_timeout" }
  | { kind: "final_incorrect_cltv_expiry"; cltvExpiry: number }
  | { kind: "final_incorrect_htlc_amount"; incomingHtlcMsat: string }
  | { kind: "temporary_channel_failure" }
  | { kind: "onion"; reason: JsonValue };
export type JsonAcceptedPayload = { amtToForwardMsat: string; outgoingCltv: number; totalMsat: string };
export type JsonHtlcArrival = {
  key: JsonHtlcKey;
  incomingAmountMsat: string;
  outgoingAmountMsat: string;
  incomingExpiry: number;
  outgoingExpiry: number;
  arrivedAt: number;
  // Written only when known (older events and states lack them).
  autoFailHeight?: number;
  onionEphemeralKey?: string;
};

// ---- writing ----

// What a writer refuses to write. Unreachable for well-typed input except the two opaque cases.
export type WriteProblem =
  | { readonly kind: "non_finite_number" }
  | { readonly kind: "bigint_tag_key" }
  | { readonly kind: "unknown_failure_kind"; readonly failureKind: string };
export type RefuseWrite = (path: string, problem: WriteProblem) => never;

/** A format's error for its first wrong field: the path (e.g. "HtlcAccepted.htlc.key.chanId") and what was expected there. */
export class JsonFieldError extends Error {
  readonly field: string;
  constructor(field: string, expected: string) {
    super(`${field}: expected ${expected}`);
    this.field = field;
  }
}

/** The writers' refusals, thrown as the format's field error. */
export const refuseWriteWith =
  (error: new (field: string, expected: string) => JsonFieldError): RefuseWrite =>
  (path, problem) => {
    switch (problem.kind) {
      case "non_finite_number":
        throw new error(path, "a finite number");
      case "bigint_tag_key":
        throw new error(path, `an object without a "${BIGINT_TAG}" key`);
      case "unknown_failure_kind":
        throw new error(path, `a known failure kind, not ${problem.failureKind}`);
    }
  };

export const opaqueToJson = (value: OpaqueValue, path: string, refuse: RefuseWrite): JsonValue => {
  if (typeof value === "bigint") return { [BIGINT_TAG]: String(value) };
  if (typeof value === "number" && !Number.isFinite(value)) return refuse(path, { kind: "non_finite_number" });
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return (value as readonly OpaqueValue[]).map((item, i) => opaqueToJson(item, `${path}[${i}]`, refuse));
  const object = value as { readonly [key: string]: OpaqueValue };
  if (BIGINT_TAG in object) return refuse(path, { kind: "bigint_tag_key" });
  return Object.fromEntries(Object.entries(object).map(([k, v]) => [k, opaqueToJson(v, `${path}.${k}`, refuse)]));
};

export const keyToJson = (key: HtlcKey): JsonHtlcKey => ({ nodeId: key.nodeId, chanId: String(key.chanId), htlcId: String(key.htlcId) });

export const failureToJson = (failure: HtlcFailure, path: string, refuse: RefuseWrite): JsonHtlcFailure => {
  switch (failure.kind) {
    case "incorrect_or_unknown_payment_details":
      return { kind: failure.kind, htlcMsat: String(failure.htlcMsat), height: failure.height };
    case "final_incorrect_htlc_amount":
      return { kind: failure.kind, incomingHtlcMsat: String(failure.incomingHtlcMsat) };
    case "final_incorrect_cltv_expiry":
      return { kind: failure.kind, cltvExpiry: failure.cltvExpiry };
    case "mpp_timeout":
    case "temporary_channel_failure":
      return { kind: failure.kind };
    case "onion":
      return { kind: failure.kind, reason: opaqueToJson(failure.reason, `${path}.reason`, refuse) };
    default: {
      const unknownFailure: never = failure;
      return refuse(`${path}.kind`, { kind: "unknown_failure_kind", failureKind: String((unknownFailure as { kind: unknown }).kind) });
    }
  }
};

// Writes exactly the arrival's fields, so a wider record (an HtlcRecord) can be passed.
export const arrivalToJson = (htlc: HtlcArrival): JsonHtlcArrival => ({
  key: keyToJson(htlc.key),
  incomingAmountMsat: String(htlc.incomingAmountMsat),
  outgoingAmountMsat: String(htlc.outgoingAmountMsat),
  incomingExpiry: htlc.incomingExpiry,
  outgoingExpiry: htlc.outgoingExpiry,
  arrivedAt: htlc.arrivedAt,
  ...(htlc.autoFailHeight === undefined ? {} : { autoFailHeight: htlc.autoFailHeight }),
  ...(htlc.onionEphemeralKey === undefined ? {} : { onionEphemeralKey: htlc.onionEphemeralKey }),
});

export const payloadToJson = (payload: AcceptedPayload): JsonAcceptedPayload => ({
  amtToForwardMsat: String(payload.amtToForwardMsat),
  outgoingCltv: payload.outgoingCltv,
  totalMsat: String(payload.totalMsat),
});

// ---- reading: strict and linear, the first wrong field fails with its path ----

// Throws the format's own error for `path`, e.g. ("state.htlcs[0].key.chanId", "a decimal uint64 string").
export type FailField = (path: string, expected: string) => never;

const UINT64_MAX = 2n ** 64n - 1n;

const FAILURE_KINDS: readonly HtlcFailure["kind"][] = [
  "incorrect_or_unknown_payment_details",
  "mpp_timeout",
  "final_incorrect_cltv_expiry",
  "final_incorrect_htlc_amount",
  "temporary_channel_failure",
  "onion",
];

// The readers, each failing through `fail`. Unknown extra keys are ignored.
export const jsonReaders = (fail: FailField) => {
  const asObject = (value: unknown, path: string): Record<string, unknown> =>
    typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : fail(path, "an object");

  const asString = (value: unknown, path: string): string => (typeof value === "string" ? value : fail(path, "a string"));

  const asInteger = (value: unknown, path: string): number =>
    typeof value === "number" && Number.isSafeInteger(value) ? value : fail(path, "an integer");

  const asUint64 = (value: unknown, path: string): bigint => {
    if (typeof value !== "string" || !/^(0|[1-9][0-9]*)$/.test(value)) return fail(path, "a decimal uint64 string");
    const parsed = BigInt(value);
    return parsed <= UINT64_MAX ? parsed : fail(path, "a decimal uint64 string");
  };

  const asPublicKeyHex = (value: unknown, path: string): string =>
    typeof value === "string" && /^0[23][0-9a-f]{64}$/.test(value) ? value : fail(path, "a 33-byte compressed public key in lowercase hex");

  const asNullable = <T>(value: unknown, path: string, parse: (value: unknown, path: string) => T): T | null =>
    value === null ? null : parse(value, path);

  const asOneOf = <T extends string>(value: unknown, path: string, allowed: readonly T[]): T =>
    typeof value === "string" && (allowed as readonly string[]).includes(value) ? (value as T) : fail(path, `one of ${allowed.join(", ")}`);

  const asArray = (value: unknown, path: string): unknown[] => (Array.isArray(value) ? value : fail(path, "an array"));

  const asArrayOf = <T>(value: unknown, path: string, parse: (value: unknown, path: string) => T): T[] =>
    asArray(value, path).map((item, i) => parse(item, `${path}[${i}]`));

  const asOpaqueValue = (value: unknown, path: string): OpaqueValue => {
    if (value === null || typeof value === "string" || typeof value === "boolean") return value;
    if (typeof value === "number") return Number.isFinite(value) ? value : fail(path, "a finite number");
    if (Array.isArray(value)) return value.map((item, i) => asOpaqueValue(item, `${path}[${i}]`));
    const object = asObject(value, path);
    if (BIGINT_TAG in object) {
      const digits = object[BIGINT_TAG];
      if (Object.keys(object).length !== 1 || typeof digits !== "string" || !/^-?(0|[1-9][0-9]*)$/.test(digits))
        return fail(path, `{"${BIGINT_TAG}": "<decimal>"}`);
      return BigInt(digits);
    }
    return Object.fromEntries(Object.entries(object).map(([k, v]) => [k, asOpaqueValue(v, `${path}.${k}`)]));
  };

  const parseKey = (value: unknown, path: string): HtlcKey => {
    const o = asObject(value, path);
    return { nodeId: asString(o.nodeId, `${path}.nodeId`), chanId: asUint64(o.chanId, `${path}.chanId`), htlcId: asUint64(o.htlcId, `${path}.htlcId`) };
  };

  const parseFailure = (value: unknown, path: string): HtlcFailure => {
    const o = asObject(value, path);
    const kind = asOneOf(o.kind, `${path}.kind`, FAILURE_KINDS);
    switch (kind) {
      case "incorrect_or_unknown_payment_details":
        return { kind, htlcMsat: asUint64(o.htlcMsat, `${path}.htlcMsat`), height: asInteger(o.height, `${path}.height`) };
      case "final_incorrect_htlc_amount":
        return { kind, incomingHtlcMsat: asUint64(o.incomingHtlcMsat, `${path}.incomingHtlcMsat`) };
      case "final_incorrect_cltv_expiry":
        return { kind, cltvExpiry: asInteger(o.cltvExpiry, `${path}.cltvExpiry`) };
      case "mpp_timeout":
      case "temporary_channel_failure":
        return { kind };
      case "onion":
        return { kind, reason: asOpaqueValue(o.reason, `${path}.reason`) };
      default: {
        const unknownKind: never = kind;
        return fail(`${path}.kind`, `a known failure kind, not ${String(unknownKind)}`);
      }
    }
  };

  const parseArrival = (value: unknown, path: string): HtlcArrival => {
    const o = asObject(value, path);
    return {
      key: parseKey(o.key, `${path}.key`),
      incomingAmountMsat: asUint64(o.incomingAmountMsat, `${path}.incomingAmountMsat`),
      outgoingAmountMsat: asUint64(o.outgoingAmountMsat, `${path}.outgoingAmountMsat`),
      incomingExpiry: asInteger(o.incomingExpiry, `${path}.incomingExpiry`),
      outgoingExpiry: asInteger(o.outgoingExpiry, `${path}.outgoingExpiry`),
      arrivedAt: asInteger(o.arrivedAt, `${path}.arrivedAt`),
      // Absent from what was written before they were recorded: then left out, not guessed.
      ...(o.autoFailHeight === undefined ? {} : { autoFailHeight: asInteger(o.autoFailHeight, `${path}.autoFailHeight`) }),
      ...(o.onionEphemeralKey === undefined ? {} : { onionEphemeralKey: asPublicKeyHex(o.onionEphemeralKey, `${path}.onionEphemeralKey`) }),
    };
  };

  const parsePayload = (value: unknown, path: string): AcceptedPayload => {
    const o = asObject(value, path);
    return {
      amtToForwardMsat: asUint64(o.amtToForwardMsat, `${path}.amtToForwardMsat`),
      outgoingCltv: asInteger(o.outgoingCltv, `${path}.outgoingCltv`),
      totalMsat: asUint64(o.totalMsat, `${path}.totalMsat`),
    };
  };

  // From an already-read object: the event log writes the terms as the event's data itself.
  const parseTermsFields = (o: Record<string, unknown>, path: string): InvoiceTerms => ({
    paymentHash: asString(o.paymentHash, `${path}.paymentHash`),
    paymentSecret: asString(o.paymentSecret, `${path}.paymentSecret`),
    amountMsat: asNullable(o.amountMsat, `${path}.amountMsat`, asUint64),
    createdAt: asInteger(o.createdAt, `${path}.createdAt`),
    expiresAt: asInteger(o.expiresAt, `${path}.expiresAt`),
    minFinalCltvExpiryDelta: asInteger(o.minFinalCltvExpiryDelta, `${path}.minFinalCltvExpiryDelta`),
    mode: asOneOf(o.mode, `${path}.mode`, ["auto", "hold"] as const),
    externalRef: asString(o.externalRef, `${path}.externalRef`),
    bolt11: asString(o.bolt11, `${path}.bolt11`),
  });

  return {
    asObject,
    asString,
    asInteger,
    asUint64,
    asNullable,
    asOneOf,
    asArray,
    asArrayOf,
    asOpaqueValue,
    parseKey,
    parseFailure,
    parseArrival,
    parsePayload,
    parseTermsFields,
  };
};
