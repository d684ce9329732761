// Typed failures of the event log. Messages name schemas, versions, field paths and what was
// expected, never the values themselves: a misplaced preimage or key must not reach a log
// through an error message (money-safety rule 3).

/** A schema file or definition that cannot be used (bad name, bad JSON, invalid Avro). */
export class SchemaDefinitionError extends Error {
  override readonly name = "SchemaDefinitionError";
}

export interface FieldProblem {
  /** Dotted path of the field inside the record, e.g. "circuitKey.chanId"; "" for the record. */
  readonly path: string;
  /** What was expected and what kind of value was found (never the value). */
  readonly problem: string;
}

/** A value that does not fit its schema; nothing was produced. */
export class EventEncodeError extends Error {
  override readonly name = "EventEncodeError";
  constructor(
    readonly schema: string,
    readonly problems: readonly FieldProblem[],
  ) {
    super(`cannot encode ${schema}: ${formatFieldProblems(problems)}`);
  }
}

export function formatFieldProblems(problems: readonly FieldProblem[]): string {
  return problems.map((p) => (p.path === "" ? p.problem : `${p.path}: ${p.problem}`)).join("; ");
}

export type DecodeFailureReason =
  /** A required ic-schema* header is absent. */
  | "missing-header"
  /** A header is present but malformed (e.g. a version that is not a positive integer). */
  | "bad-header"
  /** No schema of that name is known to this reader. */
  | "unknown-schema"
  /** The schema is known but not that version (typically a newer writer: upgrade readers first). */
  | "unknown-version"
  /** The header fingerprint differs from our file of that version: a published version was edited. */
  | "fingerprint-mismatch"
  /** The record has no value (a tombstone); the event log never writes one. */
  | "missing-value"
  /** The bytes are not a valid Avro encoding of the writer schema. */
  | "corrupt-payload"
  /** The bytes decode but break an invariant of the record (e.g. SETTLE without preimage). */
  | "invalid-value"
  /** The record decodes, but is not the schema the caller expected on this topic. */
  | "unexpected-schema"
  /** Confluent wire format: the schema registry has no schema of the record's id. */
  | "unknown-schema-id"
  /**
   * Confluent wire format: an id this process did not learn at start, whose registry answer is
   * not in yet (asked in the background), or a process not connected to the registry. Retried.
   */
  | "unresolved-schema-id";

/**
 * Whether no retry can make a record decode. A consumer passes such a record over (loudly):
 * thrown, it would block its partition for good. `unknown-version` is the exception: a newer
 * writer's record decodes once the reader is upgraded (readers deploy first, schemas/README.md),
 * so a consumer throws it and lets its partition wait rather than lose it. So is
 * `unresolved-schema-id`: the registry's answer about the id decides, on a later attempt, between
 * decoding it and `unknown-schema-id` (poison). Exhaustive: a new reason must be classified here.
 */
export function isPermanentDecodeFailure(reason: DecodeFailureReason): boolean {
  switch (reason) {
    case "unknown-version":
    case "unresolved-schema-id":
      return false;
    case "missing-header":
    case "bad-header":
    case "unknown-schema":
    case "fingerprint-mismatch":
    case "missing-value":
    case "corrupt-payload":
    case "invalid-value":
    case "unexpected-schema":
    case "unknown-schema-id":
      return true;
  }
}

/**
 * A record that cannot be decoded. Consumers dead-letter it (or stop) on purpose: the codec
 * never skips a record silently.
 */
export class EventDecodeError extends Error {
  override readonly name = "EventDecodeError";
  constructor(
    readonly reason: DecodeFailureReason,
    message: string,
    readonly schema?: string,
    readonly version?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
