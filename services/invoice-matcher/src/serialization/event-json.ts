import type { HtlcRejectionReason, InvoiceCancelReason, InvoiceEvent, InvoiceEventType, InvoiceTerms, ReofferedHtlcField } from "../domain/index.ts";
import {
  arrivalToJson,
  failureToJson,
  JsonFieldError,
  jsonReaders,
  keyToJson,
  payloadToJson,
  refuseWriteWith,
  type JsonValue,
} from "./json-values.ts";

// A domain event's data as JSON, one encoding for the payloadJson field of MatcherEvent
// (ic.matcher.events.v1, as text) and the Postgres journal (invoice_event_journal.payload, as
// jsonb). The log is what the projection is checked against (and could be rebuilt from), so the
// JSON must give back the very event: uint64 fields are decimal strings at the places this file
// knows, and bigints inside the opaque onion failure are tagged {"$bigint": "<decimal>"}, the same
// tagging as the state and the outbox's command rows. The event type travels beside the payload
// (the envelope's `type`, the journal's event_type), so it is not repeated in the JSON.
//
// Parsing is strict and linear: the first wrong field throws an InvoiceEventFormatError naming the
// field (path), never a guessed event. Unknown extra keys are ignored, as for the state.

export class InvoiceEventFormatError extends JsonFieldError {
  override readonly name = "InvoiceEventFormatError";
}

// ---- writing: event -> JSON-safe value ----

const refuseWrite = refuseWriteWith(InvoiceEventFormatError);

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
      const { paymentHash, htlc, reason, failure, differingFields } = event.data;
      return {
        paymentHash,
        htlc: arrivalToJson(htlc),
        reason,
        failure: failureToJson(failure, `${path}.failure`, refuseWrite),
        ...(differingFields === undefined ? {} : { differingFields: [...differingFields] }),
      };
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
        failedHtlcs: failedHtlcs.map(({ key, failure }, i) => ({ key: keyToJson(key), failure: failureToJson(failure, `${path}.failedHtlcs[${i}].failure`, refuseWrite) })),
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
    case "InvoiceSettleFailed": {
      const { paymentHash, settledHtlcs, failedHtlcs, amountSettledMsat, amountFailedMsat, at } = event.data;
      return {
        paymentHash,
        settledHtlcs: settledHtlcs.map(keyToJson),
        failedHtlcs: failedHtlcs.map(keyToJson),
        amountSettledMsat: String(amountSettledMsat),
        amountFailedMsat: String(amountFailedMsat),
        at,
      };
    }
    default: {
      const unknownEvent: never = event;
      throw new InvoiceEventFormatError("type", `a known event type, not ${String((unknownEvent as { type: unknown }).type)}`);
    }
  }
};

/** The event's data as a JSON-safe value: a journal row's payload (jsonb). */
export const eventToJson = (event: InvoiceEvent): JsonValue => eventDataToJson(event);

/** The event's data as JSON text: MatcherEvent.payloadJson on ic.matcher.events.v1. */
export const serializeEvent = (event: InvoiceEvent): string => JSON.stringify(eventDataToJson(event));

// ---- parsing: JSON text -> InvoiceEvent, failing on the first wrong field with its path ----

const fail = (path: string, expected: string): never => {
  throw new InvoiceEventFormatError(path, expected);
};

const { asObject, asString, asInteger, asUint64, asOneOf, asArrayOf, parseKey, parseFailure, parseArrival, parsePayload, parseTermsFields } =
  jsonReaders(fail);

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
  "total_msat_above_twice_invoice_amount",
  "set_amount_above_twice_invoice_amount",
  "reoffered_htlc_differs",
];
const REOFFERED_FIELDS: readonly ReofferedHtlcField[] = ["incomingAmountMsat", "outgoingAmountMsat", "incomingExpiry", "outgoingExpiry", "onionEphemeralKey"];
const CANCEL_REASONS: readonly InvoiceCancelReason[] = ["requested", "accept_timeout", "auto_fail_height_near"];
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
  InvoiceCreated: (o, type) => ({ type, data: parseTermsFields(o, type) }),
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
      ...(o.differingFields === undefined
        ? {}
        : { differingFields: asArrayOf(o.differingFields, `${type}.differingFields`, (v, p) => asOneOf(v, p, REOFFERED_FIELDS)) }),
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
  InvoiceSettleFailed: (o, type) => ({
    type,
    data: {
      paymentHash: asString(o.paymentHash, `${type}.paymentHash`),
      settledHtlcs: asArrayOf(o.settledHtlcs, `${type}.settledHtlcs`, parseKey),
      failedHtlcs: asArrayOf(o.failedHtlcs, `${type}.failedHtlcs`, parseKey),
      amountSettledMsat: asUint64(o.amountSettledMsat, `${type}.amountSettledMsat`),
      amountFailedMsat: asUint64(o.amountFailedMsat, `${type}.amountFailedMsat`),
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
  return eventFromJson(type, value);
};

/**
 * A journal row's payload (already parsed jsonb) -> the event. Rows written before the journal
 * used eventToJson (payload = the event data with every bigint a plain decimal string) read the
 * same, except that a bigint inside an opaque onion failure comes back as that string.
 */
export const eventFromJson = (type: string, value: unknown): InvoiceEvent => {
  if (!isEventType(type)) return fail("type", `one of ${Object.keys(PARSERS).join(", ")}`);
  const parse = PARSERS[type] as (o: Record<string, unknown>, path: InvoiceEventType) => InvoiceEvent;
  return parse(asObject(value, type), type);
};
