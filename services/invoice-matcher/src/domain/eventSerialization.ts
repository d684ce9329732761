import type {
  AcceptedPayload,
  HtlcArrival,
  HtlcRejectionReason,
  InvoiceCancelReason,
  InvoiceEvent,
  InvoiceEventType,
} from "./events.ts";
import type { HtlcFailure, OpaqueValue } from "./htlcFailure.ts";
import type { HtlcKey } from "./htlcKey.ts";
import type { InvoiceTerms } from "./invoiceTerms.ts";

// A domain event's data as JSON text, for the payloadJson field of MatcherEvent
// (ic.matcher.events.v1). The log is what the projection is checked against (and could be rebuilt
// from), so the text must give back the very event: uint64 fields are decimal strings at the
// places this file knows, and bigints inside the opaque onion failure are tagged
// {"$bigint": "<decimal>"}, the same tagging as the state serialization. The event type travels
// beside the payload (the envelope's `type`), so it is not repeated in the text.
//
// Parsing is strict and linear: the first wrong field throws an InvoiceEventFormatError naming the
// field (path), never a guessed event. Unknown extra keys are ignored, as for the state.

const BIGINT_TAG = "$bigint";

type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export class InvoiceEventFormatError extends Error {
  override readonly name = "InvoiceEventFormatError";
  // The path of the first wrong field, e.g. "HtlcAccepted.htlc.key.chanId".
  readonly field: string;
  constructor(field: string, expected: string) {
    super(`${field}: expected ${expected}`);
    this.field = field;
  }
}

// ---- writing: event -> JSON-safe value ----

const opaqueToJson = (value: OpaqueValue, path: string): JsonValue => {
  if (typeof value === "bigint") return { [BIGINT_TAG]: String(value) };
  if (typeof value === "number" && !Number.isFinite(value)) throw new InvoiceEventFormatError(path, "a finite number");
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return (value as readonly OpaqueValue[]).map((item, i) => opaqueToJson(item, `${path}[${i}]`));
  const object = value as { readonly [key: string]: OpaqueValue };
  // A plain object with a "$bigint" key would read back as a bigint.
  if (BIGINT_TAG in object) throw new InvoiceEventFormatError(path, `an object without a "${BIGINT_TAG}" key`);
  return Object.fromEntries(Object.entries(object).map(([k, v]) => [k, opaqueToJson(v, `${path}.${k}`)]));
};

const keyToJson = (key: HtlcKey): JsonValue => ({ nodeId: key.nodeId, chanId: String(key.chanId), htlcId: String(key.htlcId) });

const failureToJson = (failure: HtlcFailure, path: string): JsonValue => {
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
      return { kind: failure.kind, reason: opaqueToJson(failure.reason, `${path}.reason`) };
    default: {
      const unknownFailure: never = failure;
      throw new InvoiceEventFormatError(`${path}.kind`, `a known failure kind, not ${String((unknownFailure as { kind: unknown }).kind)}`);
    }
  }
};

const arrivalToJson = (htlc: HtlcArrival): JsonValue => ({
  key: keyToJson(htlc.key),
  incomingAmountMsat: String(htlc.incomingAmountMsat),
  outgoingAmountMsat: String(htlc.outgoingAmountMsat),
  incomingExpiry: htlc.incomingExpiry,
  outgoingExpiry: htlc.outgoingExpiry,
  arrivedAt: htlc.arrivedAt,
});

const payloadToJson = (payload: AcceptedPayload): JsonValue => ({
  amtToForwardMsat: String(payload.amtToForwardMsat),
  outgoingCltv: payload.outgoingCltv,
  totalMsat: String(payload.totalMsat),
});

const termsToJson = (terms: InvoiceTerms): JsonValue => ({
  paymentHash: terms.paymentHash,
  paymentSecret: terms.paymentSecret,
  amountMsat: terms.amountMsat === null ? null : String(terms.amountMsat),
  createdAt: terms.createdAt,
  expiresAt: terms.expiresAt,
  minFinalCltvExpiryDelta: terms.minFinalCltvExpiryDelta,
  mode: terms.mode,
  externalRef: terms.externalRef,
  bolt11: terms.bolt11,
});

const eventDataToJson = (event: InvoiceEvent): JsonValue => {
  const path = event.type;
  switch (event.type) {
    case "InvoiceCreated":
      return termsToJson(event.data);
    case "HtlcAccepted": {
      const { paymentHash, htlc, payload } = event.data;
      return { paymentHash, htlc: arrivalToJson(htlc), payload: payloadToJson(payload) };
    }
    case "HtlcRejected": {
      const { paymentHash, htlc, reason, failure } = event.data;
      return { paymentHash, htlc: arrivalToJson(htlc), reason, failure: failureToJson(failure, `${path}.failure`) };
    }
    case "InvoiceAccepted":
    case "InvoiceSettleRequested": {
      const { paymentHash, htlcKeys, setTotalMsat, amountPaidMsat, at } = event.data;
      return { paymentHash, htlcKeys: htlcKeys.map(keyToJson), setTotalMsat: String(setTotalMsat), amountPaidMsat: String(amountPaidMsat), at };
    }
    case "MppSetTimedOut": {
      const { paymentHash, htlcKeys, at } = event.data;
      return { paymentHash, htlcKeys: htlcKeys.map(keyToJson), at };
    }
    case "InvoiceCancelled": {
      const { paymentHash, reason, failedHtlcs, at } = event.data;
      return {
        paymentHash,
        reason,
        failedHtlcs: failedHtlcs.map(({ key, failure }, i) => ({ key: keyToJson(key), failure: failureToJson(failure, `${path}.failedHtlcs[${i}].failure`) })),
        at,
      };
    }
    case "InvoiceExpired":
      return { paymentHash: event.data.paymentHash, at: event.data.at };
    case "HtlcSettled":
    case "HtlcFailed": {
      const { paymentHash, key, at } = event.data;
      return { paymentHash, key: keyToJson(key), at };
    }
    case "SettleRequestedHtlcFailed": {
      const { paymentHash, key, amtToForwardMsat, at } = event.data;
      return { paymentHash, key: keyToJson(key), amtToForwardMsat: String(amtToForwardMsat), at };
    }
    case "InvoiceReopened":
      return { paymentHash: event.data.paymentHash, reason: event.data.reason, at: event.data.at };
    case "InvoiceSettled":
      return { paymentHash: event.data.paymentHash, amountPaidMsat: String(event.data.amountPaidMsat), at: event.data.at };
    default: {
      const unknownEvent: never = event;
      throw new InvoiceEventFormatError("type", `a known event type, not ${String((unknownEvent as { type: unknown }).type)}`);
    }
  }
};

export const serializeEvent = (event: InvoiceEvent): string => JSON.stringify(eventDataToJson(event));

// ---- parsing: JSON text -> InvoiceEvent, failing on the first wrong field with its path ----

const fail = (path: string, expected: string): never => {
  throw new InvoiceEventFormatError(path, expected);
};

const asObject = (value: unknown, path: string): Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : fail(path, "an object");

const asString = (value: unknown, path: string): string => (typeof value === "string" ? value : fail(path, "a string"));

const asInteger = (value: unknown, path: string): number =>
  typeof value === "number" && Number.isSafeInteger(value) ? value : fail(path, "an integer");

const UINT64_MAX = 2n ** 64n - 1n;
const asUint64 = (value: unknown, path: string): bigint => {
  if (typeof value !== "string" || !/^(0|[1-9][0-9]*)$/.test(value)) return fail(path, "a decimal uint64 string");
  const parsed = BigInt(value);
  return parsed <= UINT64_MAX ? parsed : fail(path, "a decimal uint64 string");
};

const asNullable = <T>(value: unknown, path: string, parse: (value: unknown, path: string) => T): T | null =>
  value === null ? null : parse(value, path);

const asOneOf = <T extends string>(value: unknown, path: string, allowed: readonly T[]): T =>
  typeof value === "string" && (allowed as readonly string[]).includes(value) ? (value as T) : fail(path, `one of ${allowed.join(", ")}`);

const asArrayOf = <T>(value: unknown, path: string, parse: (value: unknown, path: string) => T): T[] =>
  Array.isArray(value) ? value.map((item, i) => parse(item, `${path}[${i}]`)) : fail(path, "an array");

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

const REJECTION_REASONS: readonly HtlcRejectionReason[] = [
  "onion_peel_failed",
  "virtual_hop_fee_insufficient",
  "virtual_hop_cltv_delta_insufficient",
  "htlc_amount_below_amt_to_forward",
  "htlc_expiry_below_outgoing_cltv",
  "unknown_invoice",
  "missing_payment_data",
  "wrong_payment_secret",
  "invoice_cancelled",
  "invoice_expired",
  "invoice_already_settled",
  "set_already_complete",
  "cltv_expiry_too_soon",
  "total_msat_below_invoice_amount",
  "total_msat_differs_from_set",
];
const CANCEL_REASONS: readonly InvoiceCancelReason[] = ["requested", "accept_timeout"];
const FAILURE_KINDS: readonly HtlcFailure["kind"][] = [
  "incorrect_or_unknown_payment_details",
  "mpp_timeout",
  "final_incorrect_cltv_expiry",
  "final_incorrect_htlc_amount",
  "temporary_channel_failure",
  "onion",
];

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

const parseTerms = (o: Record<string, unknown>, path: string): InvoiceTerms => ({
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

const settledSetData = (o: Record<string, unknown>, path: string) => ({
  paymentHash: asString(o.paymentHash, `${path}.paymentHash`),
  htlcKeys: asArrayOf(o.htlcKeys, `${path}.htlcKeys`, parseKey),
  setTotalMsat: asUint64(o.setTotalMsat, `${path}.setTotalMsat`),
  amountPaidMsat: asUint64(o.amountPaidMsat, `${path}.amountPaidMsat`),
  at: asInteger(o.at, `${path}.at`),
});

const keyAtData = (o: Record<string, unknown>, path: string) => ({
  paymentHash: asString(o.paymentHash, `${path}.paymentHash`),
  key: parseKey(o.key, `${path}.key`),
  at: asInteger(o.at, `${path}.at`),
});

// One parser per event type; the mapped type makes the compiler refuse a missing or mistyped one.
const PARSERS: { readonly [T in InvoiceEventType]: (o: Record<string, unknown>, path: T) => Extract<InvoiceEvent, { type: T }> } = {
  InvoiceCreated: (o, type) => ({ type, data: parseTerms(o, type) }),
  HtlcAccepted: (o, type) => ({
    type,
    data: {
      paymentHash: asString(o.paymentHash, `${type}.paymentHash`),
      htlc: parseArrival(o.htlc, `${type}.htlc`),
      payload: parsePayload(o.payload, `${type}.payload`),
    },
  }),
  HtlcRejected: (o, type) => ({
    type,
    data: {
      paymentHash: asString(o.paymentHash, `${type}.paymentHash`),
      htlc: parseArrival(o.htlc, `${type}.htlc`),
      reason: asOneOf(o.reason, `${type}.reason`, REJECTION_REASONS),
      failure: parseFailure(o.failure, `${type}.failure`),
    },
  }),
  InvoiceAccepted: (o, type) => ({ type, data: settledSetData(o, type) }),
  InvoiceSettleRequested: (o, type) => ({ type, data: settledSetData(o, type) }),
  MppSetTimedOut: (o, type) => ({
    type,
    data: {
      paymentHash: asString(o.paymentHash, `${type}.paymentHash`),
      htlcKeys: asArrayOf(o.htlcKeys, `${type}.htlcKeys`, parseKey),
      at: asInteger(o.at, `${type}.at`),
    },
  }),
  InvoiceCancelled: (o, type) => ({
    type,
    data: {
      paymentHash: asString(o.paymentHash, `${type}.paymentHash`),
      reason: asOneOf(o.reason, `${type}.reason`, CANCEL_REASONS),
      failedHtlcs: asArrayOf(o.failedHtlcs, `${type}.failedHtlcs`, (item, path) => {
        const f = asObject(item, path);
        return { key: parseKey(f.key, `${path}.key`), failure: parseFailure(f.failure, `${path}.failure`) };
      }),
      at: asInteger(o.at, `${type}.at`),
    },
  }),
  InvoiceExpired: (o, type) => ({ type, data: { paymentHash: asString(o.paymentHash, `${type}.paymentHash`), at: asInteger(o.at, `${type}.at`) } }),
  HtlcSettled: (o, type) => ({ type, data: keyAtData(o, type) }),
  HtlcFailed: (o, type) => ({ type, data: keyAtData(o, type) }),
  SettleRequestedHtlcFailed: (o, type) => {
    const { paymentHash, key, at } = keyAtData(o, type);
    return { type, data: { paymentHash, key, amtToForwardMsat: asUint64(o.amtToForwardMsat, `${type}.amtToForwardMsat`), at } };
  },
  InvoiceReopened: (o, type) => ({
    type,
    data: {
      paymentHash: asString(o.paymentHash, `${type}.paymentHash`),
      reason: asOneOf(o.reason, `${type}.reason`, ["accepted_htlc_resolved_by_lnd"] as const),
      at: asInteger(o.at, `${type}.at`),
    },
  }),
  InvoiceSettled: (o, type) => ({
    type,
    data: {
      paymentHash: asString(o.paymentHash, `${type}.paymentHash`),
      amountPaidMsat: asUint64(o.amountPaidMsat, `${type}.amountPaidMsat`),
      at: asInteger(o.at, `${type}.at`),
    },
  }),
};

const isEventType = (type: string): type is InvoiceEventType => Object.prototype.hasOwnProperty.call(PARSERS, type);

export const deserializeEvent = (type: string, json: string): InvoiceEvent => {
  if (!isEventType(type)) return fail("type", `one of ${Object.keys(PARSERS).join(", ")}`);
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    // V8's message quotes the text near the error; the payload is not secret, but the field name
    // is what a reader needs.
    return fail(type, "JSON text");
  }
  const parse = PARSERS[type] as (o: Record<string, unknown>, path: InvoiceEventType) => InvoiceEvent;
  return parse(asObject(value, type), type);
};
