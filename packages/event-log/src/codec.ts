// Avro codec of the event log. Two record formats, told apart by the fingerprint header:
//
// Confluent wire format (what every process connected to the schema registry writes): the value
// is magic byte 0, the writer schema's registry id (4 bytes, big-endian), then the Avro binary;
// any Kafka tool with a Confluent-compatible Avro deserializer reads it. Two headers stay, for
// people and tools that look at headers (kcat, dead-letter inspection):
//   ic-schema              the schema name, e.g. "htlc-intercepted"
//   ic-schema-version      its version, e.g. "1"
// The ids come from the registry once, at start (schema-registry.ts, schema-ids.ts): encoding
// and decoding a known id never asks the registry. A process that never connected (a test
// harness, a tool) writes the header format and reads wire-format records by those two headers.
//
// Header format (everything written before the registry; still read, never written by a process
// connected to the registry): the value is the bare Avro binary, and a third header says which
// published file wrote it:
//   ic-schema-fingerprint  SHA-256 of the writer schema's Parsing Canonical Form, hex
//
// A reader decodes with the writer version's schema and resolves into its current version, so
// data written by older versions reads as the current type. Anything it cannot decode becomes
// an EventDecodeError with a reason, for the consumer to dead-letter or hold: nothing is skipped.
import type { Type } from "avsc";
import {
  EventDecodeError,
  EventEncodeError,
  SchemaDefinitionError,
  formatFieldProblems,
  type FieldProblem,
} from "./errors.ts";
import { SCHEMA_NAMES, type EventRecords } from "./event-records.ts";
import { describeLogicalType } from "./logical-types.ts";
import { eventRecordInvariants, type RecordInvariants } from "./record-invariants.ts";
import { loadSchemaCatalog, type SchemaCatalog, type SchemaVersion } from "./schema-catalog.ts";
import type { SchemaIdTable } from "./schema-ids.ts";

export const SCHEMA_HEADER = "ic-schema";
export const SCHEMA_VERSION_HEADER = "ic-schema-version";
export const SCHEMA_FINGERPRINT_HEADER = "ic-schema-fingerprint";
/** The first byte of a record value in the Confluent wire format. */
export const WIRE_FORMAT_MAGIC_BYTE = 0;
/** Magic byte + 4-byte schema id. */
export const WIRE_FORMAT_PREFIX_BYTES = 5;

/** The value and headers of a record to produce; spread into a kafkajs Message with a key. */
export interface EncodedEvent {
  readonly value: Buffer;
  readonly headers: Record<string, string>;
}

/** What decode needs of a consumed record (a kafkajs KafkaMessage fits). */
export interface EventRecordBytes {
  readonly value: Buffer | null;
  readonly headers?: Readonly<Record<string, Buffer | string | (Buffer | string)[] | undefined>>;
}

export type DecodedEvent<M> = {
  [K in keyof M & string]: {
    readonly schema: K;
    /** The version the producer wrote with; value is already resolved to the current version. */
    readonly writerVersion: number;
    readonly value: M[K];
  };
}[keyof M & string];

export class EventCodec<M extends object = EventRecords> {
  private readonly resolvers = new Map<string, unknown>();
  private schemaIds: SchemaIdTable | undefined;

  constructor(
    private readonly catalog: SchemaCatalog,
    private readonly invariants: RecordInvariants<M> = {},
  ) {}

  /** Validates and encodes a value with the current version of its schema. Throws EventEncodeError. */
  encode<K extends keyof M & string>(schema: K, value: M[K]): EncodedEvent {
    const current = this.catalog.current(schema);
    if (current === undefined) {
      throw new EventEncodeError(schema, [{ path: "", problem: "no such schema in the catalog" }]);
    }
    const problems = [...schemaProblems(current.type, value), ...this.invariantProblems(schema, value)];
    if (problems.length > 0) throw new EventEncodeError(`${schema} v${current.version}`, problems);
    const body = current.type.toBuffer(value);
    if (this.schemaIds === undefined) {
      return {
        value: body,
        headers: {
          [SCHEMA_HEADER]: schema,
          [SCHEMA_VERSION_HEADER]: String(current.version),
          [SCHEMA_FINGERPRINT_HEADER]: current.fingerprint,
        },
      };
    }
    const id = this.schemaIds.idOf(schema, current.version);
    if (id === undefined) {
      throw new EventEncodeError(`${schema} v${current.version}`, [
        { path: "", problem: "has no schema registry id: this process registered no subject for it at start" },
      ]);
    }
    const framed = Buffer.allocUnsafe(WIRE_FORMAT_PREFIX_BYTES + body.length);
    framed[0] = WIRE_FORMAT_MAGIC_BYTE;
    framed.writeUInt32BE(id, 1);
    body.copy(framed, WIRE_FORMAT_PREFIX_BYTES);
    return { value: framed, headers: { [SCHEMA_HEADER]: schema, [SCHEMA_VERSION_HEADER]: String(current.version) } };
  }

  /**
   * From now on, encode writes the Confluent wire format with these ids, and decode reads it.
   * connectSchemaRegistry calls it once at start, before anything is produced or consumed.
   */
  bindSchemaIds(table: SchemaIdTable): void {
    this.schemaIds = table;
  }

  /**
   * Before a batch is decoded: waits for the registry's answer about every schema id of these
   * wire-format records that this process did not learn at start, so decode finds them resolved
   * (decoded, or unknown-schema-id) instead of holding the record and having it redelivered. A
   * known id costs a map lookup, no I/O. Never rejects.
   */
  async resolveSchemaIds(records: readonly EventRecordBytes[]): Promise<void> {
    const table = this.schemaIds;
    if (table === undefined) return;
    for (const record of records) {
      const bytes = record.value;
      if (record.headers?.[SCHEMA_FINGERPRINT_HEADER] !== undefined || bytes === null || bytes.length < WIRE_FORMAT_PREFIX_BYTES || bytes[0] !== WIRE_FORMAT_MAGIC_BYTE) continue;
      const id = bytes.readUInt32BE(1);
      if (table.versionOf(id) === undefined) await table.settle(id);
    }
  }

  /** The registry ids in use, or undefined before bindSchemaIds (header format). */
  get boundSchemaIds(): SchemaIdTable | undefined {
    return this.schemaIds;
  }

  /** Decodes a record, in either format, into the current version of its schema. Throws EventDecodeError. */
  decode(record: EventRecordBytes): DecodedEvent<M> {
    const { name, version, current, writer, body } =
      record.headers?.[SCHEMA_FINGERPRINT_HEADER] === undefined ? this.wireFormatWriter(record) : this.headerFormatWriter(record);
    let value: M[keyof M & string];
    try {
      value = current.type.fromBuffer(body, this.resolverFor(current.type, writer.type, name, version));
    } catch (error) {
      throw new EventDecodeError(
        "corrupt-payload",
        `${name} v${version}: the value is not valid Avro for this schema (${(error as Error).message})`,
        name,
        version,
        { cause: error },
      );
    }
    const problems = this.invariantProblems(name as keyof M & string, value);
    if (problems.length > 0) {
      throw new EventDecodeError("invalid-value", `${name} v${version}: ${formatFieldProblems(problems)}`, name, version);
    }
    return { schema: name, writerVersion: version, value } as DecodedEvent<M>;
  }

  // The writer of a record in the Confluent wire format: its schema id, looked up in the table
  // filled at start (or resolved with the registry in the background, holding the record meanwhile).
  private wireFormatWriter(record: EventRecordBytes): WriterOf {
    const bytes = record.value;
    if (bytes === null) throw new EventDecodeError("missing-value", "the record has no value");
    if (bytes.length < WIRE_FORMAT_PREFIX_BYTES || bytes[0] !== WIRE_FORMAT_MAGIC_BYTE) {
      throw new EventDecodeError(
        "corrupt-payload",
        `the value is not in the Confluent wire format (magic byte ${WIRE_FORMAT_MAGIC_BYTE}, 4-byte schema id; got ${bytes.length} bytes${bytes.length > 0 ? `, first byte ${bytes[0]}` : ""}) and the record has no ${SCHEMA_FINGERPRINT_HEADER} header`,
      );
    }
    const id = bytes.readUInt32BE(1);
    const table = this.schemaIds;
    if (table === undefined) return this.unboundWireFormatWriter(record, id, bytes);
    let known = table.versionOf(id);
    if (known === undefined) {
      const answer = table.resolution(id);
      if (answer === undefined) {
        throw new EventDecodeError("unresolved-schema-id", `schema id ${id} is not one this process registered or looked up at start; asking the schema registry about it (the record is retried)`);
      }
      if (answer.kind === "unknown-to-registry") {
        throw new EventDecodeError("unknown-schema-id", `schema id ${id} is unknown to the schema registry: no reader can decode this record`);
      }
      if (answer.kind === "not-in-catalog") {
        throw new EventDecodeError("unknown-version", `schema id ${id} (${answer.description}) is a schema this reader does not know: upgrade the reader`);
      }
      known = answer;
    }
    const { schema: name, version } = known;
    const headerName = optionalHeaderText(record, SCHEMA_HEADER);
    if (headerName !== undefined && headerName !== name) {
      throw new EventDecodeError("bad-header", `header ${SCHEMA_HEADER} says ${JSON.stringify(headerName)} but schema id ${id} is ${name} v${version}`, name, version);
    }
    const current = this.catalog.current(name);
    const writer = this.catalog.get(name, version);
    if (current === undefined || writer === undefined) {
      throw new EventDecodeError("unknown-version", `schema id ${id} is ${name} v${version}, which this reader's catalog lacks: upgrade the reader`, name, version);
    }
    return { name, version, current, writer, body: bytes.subarray(WIRE_FORMAT_PREFIX_BYTES) };
  }

  // A process not connected to the registry (a test harness, a tool) reads a wire-format record by
  // its ic-schema and ic-schema-version headers; without them it cannot tell the schema and holds it.
  private unboundWireFormatWriter(record: EventRecordBytes, id: number, bytes: Buffer): WriterOf {
    const name = optionalHeaderText(record, SCHEMA_HEADER);
    const versionText = optionalHeaderText(record, SCHEMA_VERSION_HEADER);
    if (name === undefined || versionText === undefined) {
      throw new EventDecodeError("unresolved-schema-id", `schema id ${id}: this process is not connected to the schema registry and the record has no ${SCHEMA_HEADER} and ${SCHEMA_VERSION_HEADER} headers`);
    }
    if (!/^[1-9][0-9]{0,8}$/.test(versionText)) {
      throw new EventDecodeError("bad-header", `header ${SCHEMA_VERSION_HEADER} is not a positive integer`, name);
    }
    const version = Number(versionText);
    const current = this.catalog.current(name);
    if (current === undefined) throw new EventDecodeError("unknown-schema", `unknown schema ${JSON.stringify(name)}`, name, version);
    const writer = this.catalog.get(name, version);
    if (writer === undefined) {
      throw new EventDecodeError("unknown-version", `${name} v${version} is unknown to this reader (it knows up to v${current.version}): upgrade the reader`, name, version);
    }
    return { name, version, current, writer, body: bytes.subarray(WIRE_FORMAT_PREFIX_BYTES) };
  }

  // The writer of a record in the header format (written before the registry): its three headers.
  private headerFormatWriter(record: EventRecordBytes): WriterOf {
    const name = headerText(record, SCHEMA_HEADER);
    const versionText = headerText(record, SCHEMA_VERSION_HEADER);
    const fingerprint = headerText(record, SCHEMA_FINGERPRINT_HEADER);
    if (!/^[1-9][0-9]{0,8}$/.test(versionText)) {
      throw new EventDecodeError("bad-header", `header ${SCHEMA_VERSION_HEADER} is not a positive integer`, name);
    }
    const version = Number(versionText);
    const current = this.catalog.current(name);
    if (current === undefined) {
      throw new EventDecodeError("unknown-schema", `unknown schema ${JSON.stringify(name)}`, name, version);
    }
    const writer = this.catalog.get(name, version);
    if (writer === undefined) {
      throw new EventDecodeError(
        "unknown-version",
        `${name} v${version} is unknown to this reader (it knows up to v${current.version}): upgrade the reader`,
        name,
        version,
      );
    }
    if (fingerprint !== writer.fingerprint) {
      throw new EventDecodeError(
        "fingerprint-mismatch",
        `${name} v${version}: the record's schema fingerprint differs from ${writer.source}: a published schema version was changed in place`,
        name,
        version,
      );
    }
    if (record.value === null) {
      throw new EventDecodeError("missing-value", `${name} v${version}: the record has no value`, name, version);
    }
    return { name, version, current, writer, body: record.value };
  }

  /** decode, and insist on one schema (a topic carries one). Throws EventDecodeError. */
  decodeAs<K extends keyof M & string>(schema: K, record: EventRecordBytes): M[K] {
    const decoded = this.decode(record);
    if (decoded.schema !== schema) {
      throw new EventDecodeError(
        "unexpected-schema",
        `expected a ${schema} record, got ${decoded.schema}`,
        decoded.schema,
        decoded.writerVersion,
      );
    }
    return decoded.value as M[K];
  }

  private resolverFor(reader: Type, writer: Type, name: string, version: number): never | undefined {
    if (reader === writer) return undefined;
    const key = `${name}@${version}`;
    let resolver = this.resolvers.get(key);
    if (resolver === undefined) {
      resolver = reader.createResolver(writer);
      this.resolvers.set(key, resolver);
    }
    return resolver as never;
  }

  private invariantProblems<K extends keyof M & string>(schema: K, value: M[K]): FieldProblem[] {
    const invariant = this.invariants[schema];
    return invariant === undefined ? [] : invariant(value);
  }
}

interface WriterOf {
  readonly name: string;
  readonly version: number;
  readonly current: SchemaVersion;
  readonly writer: SchemaVersion;
  /** The Avro binary. */
  readonly body: Buffer;
}

function optionalHeaderText(record: EventRecordBytes, header: string): string | undefined {
  return record.headers?.[header] === undefined ? undefined : headerText(record, header);
}

function headerText(record: EventRecordBytes, header: string): string {
  const raw = record.headers?.[header];
  if (raw === undefined) throw new EventDecodeError("missing-header", `the record has no ${header} header`);
  if (Array.isArray(raw)) throw new EventDecodeError("bad-header", `header ${header} is repeated`);
  return typeof raw === "string" ? raw : raw.toString("utf8");
}

// Every place where the value does not fit the schema, without showing the value. A value that
// fits is checked once without the hook (avsc's fast path: no path kept per field); only a value
// that does not is walked again to name its problems.
function schemaProblems(type: Type, value: unknown): FieldProblem[] {
  if (type.isValid(value, { noUndeclaredFields: true })) return [];
  const problems: FieldProblem[] = [];
  type.isValid(value, {
    noUndeclaredFields: true,
    errorHook: (path, found, foundType) => {
      const undeclared = undeclaredFields(foundType, found);
      problems.push({
        path: path.join("."),
        problem:
          undeclared.length > 0
            ? `unknown field(s) ${undeclared.join(", ")}`
            : `expected ${describeType(foundType)}, got ${describeValue(found)}`,
      });
    },
  });
  return problems;
}

interface AvroTypeShape {
  readonly typeName: string;
  readonly name?: string;
  readonly size?: number;
  readonly symbols?: readonly string[];
  readonly types?: readonly Type[];
  readonly fields?: readonly { readonly name: string }[];
}

function undeclaredFields(type: Type, value: unknown): string[] {
  const shape = type as unknown as AvroTypeShape;
  if (shape.typeName !== "record" || typeof value !== "object" || value === null) return [];
  const declared = new Set((shape.fields ?? []).map((f) => f.name));
  return Object.keys(value).filter((key) => !declared.has(key));
}

function describeType(type: Type): string {
  const logical = describeLogicalType(type);
  if (logical !== undefined) return logical;
  const shape = type as unknown as AvroTypeShape;
  switch (shape.typeName) {
    case "fixed":
      return `a Buffer of exactly ${shape.size} bytes`;
    case "bytes":
      return "a Buffer";
    case "enum":
      return `one of ${(shape.symbols ?? []).join("|")}`;
    case "record":
      return `a ${shape.name ?? "record"} object`;
    case "map":
      return "an object of values";
    case "array":
      return "an array";
    case "int":
      return "a 32-bit integer";
    case "long":
      return "a safe integer";
    case "float":
    case "double":
      return "a number";
    case "null":
      return "null";
    default:
      if (shape.typeName.startsWith("union")) return (shape.types ?? []).map(describeType).join(" or ");
      return shape.typeName;
  }
}

function describeValue(value: unknown): string {
  if (value === undefined) return "nothing (missing)";
  if (value === null) return "null";
  if (Buffer.isBuffer(value)) return `a Buffer of ${value.length} bytes`;
  if (value instanceof Uint8Array) return "a Uint8Array that is not a Buffer";
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === "string") return `a string of length ${value.length}`;
  if (typeof value === "number") return Number.isInteger(value) ? "an integer number" : "a non-integer number";
  if (typeof value === "bigint") return value < 0n ? "a negative bigint" : "a bigint out of range";
  return `a ${typeof value}`;
}

let defaultCodec: EventCodec<EventRecords> | undefined;

/** The codec over the repository's /schemas, built on first use. */
export function eventCodec(): EventCodec<EventRecords> {
  if (defaultCodec === undefined) {
    const catalog = loadSchemaCatalog();
    const missing = SCHEMA_NAMES.filter((name) => catalog.current(name) === undefined);
    if (missing.length > 0) throw new SchemaDefinitionError(`schemas missing from the catalog: ${missing.join(", ")}`);
    defaultCodec = new EventCodec<EventRecords>(catalog, eventRecordInvariants);
  }
  return defaultCodec;
}

export function encode<K extends keyof EventRecords>(schema: K, value: EventRecords[K]): EncodedEvent {
  return eventCodec().encode(schema, value);
}

export function decode(record: EventRecordBytes): DecodedEvent<EventRecords> {
  return eventCodec().decode(record);
}

/** The process codec's EventCodec.resolveSchemaIds (committing-consumer.ts calls it per batch). */
export function resolveSchemaIds(records: readonly EventRecordBytes[]): Promise<void> {
  return eventCodec().resolveSchemaIds(records);
}

export function decodeAs<K extends keyof EventRecords>(schema: K, record: EventRecordBytes): EventRecords[K] {
  return eventCodec().decodeAs(schema, record);
}
