import { htlcKeyId, type HtlcKeyId, type HtlcRecord, type HtlcStatus, type InvoiceRecord, type InvoiceState, type InvoiceStatus, type InvoiceTerms } from "../domain/index.ts";
import {
  arrivalToJson,
  BIGINT_TAG,
  failureToJson,
  jsonReaders,
  payloadToJson,
  type JsonAcceptedPayload,
  type JsonHtlcArrival,
  type JsonHtlcFailure,
  type RefuseWrite,
} from "./json-values.ts";

// The aggregate state as JSON-safe values for the Postgres projection (a jsonb column): bigint
// becomes a decimal string, the HTLC map an array in arrival order. Parsing is strict and linear:
// a projection row that does not parse is an error, never a guessed state.

export type { JsonValue } from "./json-values.ts";

export const STATE_FORMAT_VERSION = 1;

type JsonHtlc = JsonHtlcArrival & {
  payload: JsonAcceptedPayload | null;
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

const refuseWrite: RefuseWrite = (path, problem) => {
  switch (problem.kind) {
    case "non_finite_number":
      throw new InvoiceStateFormatError(`${path}: not a finite number`);
    case "bigint_tag_key":
      throw new InvoiceStateFormatError(`${path}: an object key "${BIGINT_TAG}" cannot be serialized`);
    case "unknown_failure_kind":
      throw new InvoiceStateFormatError(`unknown failure kind ${problem.failureKind}`);
  }
};

const htlcToJson = (htlc: HtlcRecord): JsonHtlc => ({
  ...arrivalToJson(htlc),
  payload: htlc.payload === null ? null : payloadToJson(htlc.payload),
  status: htlc.status,
  failure: htlc.failure === null ? null : failureToJson(htlc.failure, "failure", refuseWrite),
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

const { asObject, asString, asInteger, asUint64, asNullable, asOneOf, asArray, parseArrival, parsePayload, parseFailure, parseTermsFields } =
  jsonReaders(fail);

const INVOICE_STATUSES: readonly InvoiceStatus[] = ["OPEN", "ACCEPTED", "SETTLE_REQUESTED", "SETTLED", "SETTLE_FAILED", "CANCELLED", "EXPIRED"];
const HTLC_STATUSES: readonly HtlcStatus[] = ["HELD", "SETTLE_REQUESTED", "SETTLED", "FAIL_REQUESTED", "FAILED"];

const parseHtlc = (value: unknown, path: string): HtlcRecord => {
  const o = asObject(value, path);
  return {
    ...parseArrival(o, path),
    payload: asNullable(o.payload, `${path}.payload`, parsePayload),
    status: asOneOf(o.status, `${path}.status`, HTLC_STATUSES),
    failure: asNullable(o.failure, `${path}.failure`, parseFailure),
  };
};

const parseTerms = (value: unknown, path: string): InvoiceTerms => parseTermsFields(asObject(value, path), path);

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
