import type { AcceptedPayload } from "./events.ts";
import type { HtlcFailure, OpaqueValue } from "./htlcFailure.ts";
import { htlcKeyId, type HtlcKey, type HtlcKeyId } from "./htlcKey.ts";
import type { InvoiceTerms } from "./invoiceTerms.ts";
import type { HtlcRecord, HtlcStatus, InvoiceRecord, InvoiceState, InvoiceStatus } from "./state.ts";

// The aggregate state as JSON-safe values for the Postgres projection (a jsonb column): bigint
// becomes a decimal string, the HTLC map an array in arrival order. Parsing is strict and linear:
// a projection row that does not parse is an error, never a guessed state.

export const STATE_FORMAT_VERSION = 1;

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

// Opaque values (the onion peel failure) may hold bigints; JSON has none, so a bigint is written
// as {"$bigint": "<decimal>"}. An object of its own with a "$bigint" key would be ambiguous and is
// refused.
const BIGINT_TAG = "$bigint";

type JsonHtlcKey = { nodeId: string; chanId: string; htlcId: string };
type JsonHtlcFailure =
  | { kind: "incorrect_or_unknown_payment_details"; htlcMsat: string; height: number }
  | { kind: "mpp_timeout" }
  | { kind: "final_incorrect_cltv_expiry"; cltvExpiry: number }
  | { kind: "final_incorrect_htlc_amount"; incomingHtlcMsat: string }
  | { kind: "temporary_channel_failure" }
  | { kind: "onion"; reason: JsonValue };
type JsonHtlc = {
  key: JsonHtlcKey;
  incomingAmountMsat: string;
  outgoingAmountMsat: string;
  incomingExpiry: number;
  outgoingExpiry: number;
  arrivedAt: number;
  payload: { amtToForwardMsat: string; outgoingCltv: number; totalMsat: string } | null;
  status: HtlcStatus;
  failure: JsonHtlcFailure | null;
};
type JsonTerms = Omit<InvoiceTerms, "amountMsat"> & { amountMsat: string | null };
type JsonInvoice = {
  terms: JsonTerms;
  status: InvoiceStatus;
  statusSince: number;
  setTotalMsat: string | null;
  acceptedAt: number | null;
  settledSet: string[];
};
export type SerializedInvoiceState = {
  version: typeof STATE_FORMAT_VERSION;
  paymentHash: string | null;
  invoice: JsonInvoice | null;
  htlcs: JsonHtlc[];
};

export class InvoiceStateFormatError extends Error {
  override readonly name = "InvoiceStateFormatError";
}

const opaqueToJson = (value: OpaqueValue, path: string): JsonValue => {
  if (typeof value === "bigint") return { [BIGINT_TAG]: String(value) };
  if (typeof value === "number" && !Number.isFinite(value)) throw new InvoiceStateFormatError(`${path}: not a finite number`);
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return (value as readonly OpaqueValue[]).map((item, i) => opaqueToJson(item, `${path}[${i}]`));
  const object = value as { readonly [key: string]: OpaqueValue };
  if (BIGINT_TAG in object) throw new InvoiceStateFormatError(`${path}: an object key "${BIGINT_TAG}" cannot be serialized`);
  return Object.fromEntries(Object.entries(object).map(([k, v]) => [k, opaqueToJson(v, `${path}.${k}`)]));
};

const keyToJson = (key: HtlcKey): JsonHtlcKey => ({ nodeId: key.nodeId, chanId: String(key.chanId), htlcId: String(key.htlcId) });

const failureToJson = (failure: HtlcFailure): JsonHtlcFailure => {
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
      return { kind: failure.kind, reason: opaqueToJson(failure.reason, "failure.reason") };
    default: {
      const unknownFailure: never = failure;
      throw new InvoiceStateFormatError(`unknown failure kind ${String((unknownFailure as { kind: unknown }).kind)}`);
    }
  }
};

const htlcToJson = (htlc: HtlcRecord): JsonHtlc => ({
  key: keyToJson(htlc.key),
  incomingAmountMsat: String(htlc.incomingAmountMsat),
  outgoingAmountMsat: String(htlc.outgoingAmountMsat),
  incomingExpiry: htlc.incomingExpiry,
  outgoingExpiry: htlc.outgoingExpiry,
  arrivedAt: htlc.arrivedAt,
  payload:
    htlc.payload === null
      ? null
      : {
          amtToForwardMsat: String(htlc.payload.amtToForwardMsat),
          outgoingCltv: htlc.payload.outgoingCltv,
          totalMsat: String(htlc.payload.totalMsat),
        },
  status: htlc.status,
  failure: htlc.failure === null ? null : failureToJson(htlc.failure),
});

const invoiceToJson = (invoice: InvoiceRecord): JsonInvoice => ({
  terms: { ...invoice.terms, amountMsat: invoice.terms.amountMsat === null ? null : String(invoice.terms.amountMsat) },
  status: invoice.status,
  statusSince: invoice.statusSince,
  setTotalMsat: invoice.setTotalMsat === null ? null : String(invoice.setTotalMsat),
  acceptedAt: invoice.acceptedAt,
  settledSet: [...invoice.settledSet],
});

export const serializeState = (state: InvoiceState): SerializedInvoiceState => ({
  version: STATE_FORMAT_VERSION,
  paymentHash: state.paymentHash,
  invoice: state.invoice === null ? null : invoiceToJson(state.invoice),
  htlcs: [...state.htlcs.values()].map(htlcToJson),
});

// ---- parsing: unknown -> InvoiceState, failing on the first wrong field with its path ----

const fail = (path: string, expected: string): never => {
  throw new InvoiceStateFormatError(`${path}: expected ${expected}`);
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

const asArray = (value: unknown, path: string): unknown[] => (Array.isArray(value) ? value : fail(path, "an array"));

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

const INVOICE_STATUSES: readonly InvoiceStatus[] = ["OPEN", "ACCEPTED", "SETTLE_REQUESTED", "SETTLED", "CANCELLED", "EXPIRED"];
const HTLC_STATUSES: readonly HtlcStatus[] = ["HELD", "SETTLE_REQUESTED", "SETTLED", "FAIL_REQUESTED", "FAILED"];
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
      return fail(path, `a known failure kind, not ${String(unknownKind)}`);
    }
  }
};

const parsePayload = (value: unknown, path: string): AcceptedPayload => {
  const o = asObject(value, path);
  return {
    amtToForwardMsat: asUint64(o.amtToForwardMsat, `${path}.amtToForwardMsat`),
    outgoingCltv: asInteger(o.outgoingCltv, `${path}.outgoingCltv`),
    totalMsat: asUint64(o.totalMsat, `${path}.totalMsat`),
  };
};

const parseHtlc = (value: unknown, path: string): HtlcRecord => {
  const o = asObject(value, path);
  return {
    key: parseKey(o.key, `${path}.key`),
    incomingAmountMsat: asUint64(o.incomingAmountMsat, `${path}.incomingAmountMsat`),
    outgoingAmountMsat: asUint64(o.outgoingAmountMsat, `${path}.outgoingAmountMsat`),
    incomingExpiry: asInteger(o.incomingExpiry, `${path}.incomingExpiry`),
    outgoingExpiry: asInteger(o.outgoingExpiry, `${path}.outgoingExpiry`),
    arrivedAt: asInteger(o.arrivedAt, `${path}.arrivedAt`),
    payload: asNullable(o.payload, `${path}.payload`, parsePayload),
    status: asOneOf(o.status, `${path}.status`, HTLC_STATUSES),
    failure: asNullable(o.failure, `${path}.failure`, parseFailure),
  };
};

const parseTerms = (value: unknown, path: string): InvoiceTerms => {
  const o = asObject(value, path);
  return {
    paymentHash: asString(o.paymentHash, `${path}.paymentHash`),
    paymentSecret: asString(o.paymentSecret, `${path}.paymentSecret`),
    amountMsat: asNullable(o.amountMsat, `${path}.amountMsat`, asUint64),
    createdAt: asInteger(o.createdAt, `${path}.createdAt`),
    expiresAt: asInteger(o.expiresAt, `${path}.expiresAt`),
    minFinalCltvExpiryDelta: asInteger(o.minFinalCltvExpiryDelta, `${path}.minFinalCltvExpiryDelta`),
    mode: asOneOf(o.mode, `${path}.mode`, ["auto", "hold"] as const),
    externalRef: asString(o.externalRef, `${path}.externalRef`),
    bolt11: asString(o.bolt11, `${path}.bolt11`),
  };
};

const parseInvoice = (value: unknown, path: string): InvoiceRecord => {
  const o = asObject(value, path);
  return {
    terms: parseTerms(o.terms, `${path}.terms`),
    status: asOneOf(o.status, `${path}.status`, INVOICE_STATUSES),
    statusSince: asInteger(o.statusSince, `${path}.statusSince`),
    setTotalMsat: asNullable(o.setTotalMsat, `${path}.setTotalMsat`, asUint64),
    acceptedAt: asNullable(o.acceptedAt, `${path}.acceptedAt`, asInteger),
    settledSet: asArray(o.settledSet, `${path}.settledSet`).map((id, i) => asString(id, `${path}.settledSet[${i}]`)),
  };
};

export const deserializeState = (value: unknown): InvoiceState => {
  const o = asObject(value, "state");
  if (o.version !== STATE_FORMAT_VERSION) fail("state.version", String(STATE_FORMAT_VERSION));
  const paymentHash = asNullable(o.paymentHash, "state.paymentHash", asString);
  const invoice = asNullable(o.invoice, "state.invoice", parseInvoice);
  const htlcs = new Map<HtlcKeyId, HtlcRecord>();
  asArray(o.htlcs, "state.htlcs").forEach((item, i) => {
    const htlc = parseHtlc(item, `state.htlcs[${i}]`);
    const id = htlcKeyId(htlc.key);
    if (htlcs.has(id)) fail(`state.htlcs[${i}].key`, "a key not already listed");
    htlcs.set(id, htlc);
  });
  if (invoice !== null && invoice.terms.paymentHash !== paymentHash) fail("state.paymentHash", "the invoice's payment hash");
  for (const [i, id] of (invoice?.settledSet ?? []).entries())
    if (!htlcs.has(id)) fail(`state.invoice.settledSet[${i}]`, "the key of a listed HTLC");
  return { paymentHash, invoice, htlcs };
};
