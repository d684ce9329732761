// How the matcher's domain values are written to Postgres and Kafka, and read back: one home,
// one encoding per value (uint64 as a decimal string, a bigint inside an opaque value tagged
// {"$bigint": "<decimal>"}), used by the journal, the outbox, the projection and the audit alike.
// Row and wire shapes stay here and in postgres/; callers get domain values (STYLE.md item 9).
export { serializeState, deserializeState, InvoiceStateFormatError, STATE_FORMAT_VERSION, type SerializedInvoiceState } from "./state-json.ts";
export { serializeEvent, deserializeEvent, eventToJson, eventFromJson, InvoiceEventFormatError } from "./event-json.ts";
export {
  outboxCommandToJson,
  outboxCommandFromJson,
  OutboxCommandFormatError,
  type OutboxCommand,
  type OutboxHtlcCommand,
} from "./command-json.ts";
export type { JsonValue } from "./json-values.ts";
