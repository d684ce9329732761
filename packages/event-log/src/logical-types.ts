// Avro logical types of our schemas. They are annotations on plain Avro strings, so any
// other Avro library reads the same bytes as strings; avsc, given these classes, turns them
// into checked TypeScript values at the edge instead of deep in a consumer.
//
//   {"type": "string", "logicalType": "decimal-uint64"}          bigint in code, canonical
//                                                                decimal string on the wire
//   {"type": "string", "logicalType": "hex", "byteLength": 32}   lowercase hex of exactly
//                                                                byteLength bytes
//
// Values are checked on encode (wrong value -> rejected before it reaches Kafka) and on decode
// (a foreign producer's bad string -> a decode error, never a silently wrong number).
import avro from "avsc";
import type { Schema, Type } from "avsc";

const UINT64_MAX = (1n << 64n) - 1n;
// Canonical decimal: no sign, no leading zeros, no whitespace; at most 20 digits.
const CANONICAL_DECIMAL = /^(0|[1-9][0-9]{0,19})$/;

/** Parses a canonical decimal uint64 string; undefined when it is not one. */
export function parseDecimalUint64(text: string): bigint | undefined {
  if (!CANONICAL_DECIMAL.test(text)) return undefined;
  const value = BigInt(text);
  return value <= UINT64_MAX ? value : undefined;
}

export function isUint64(value: unknown): value is bigint {
  return typeof value === "bigint" && value >= 0n && value <= UINT64_MAX;
}

// avsc's LogicalType is a runtime class with protected hooks that its bundled typings do not
// declare; this is the slice of it we rely on.
interface LogicalTypeBase {
  readonly underlyingType: Type;
}
type LogicalTypeConstructor = new (schema: Schema, opts?: unknown) => LogicalTypeBase;
const LogicalType = (avro.types as unknown as { LogicalType: LogicalTypeConstructor }).LogicalType;

function writerUnderlyingTypeName(writer: Type): string {
  const unwrapped = avro.Type.isType(writer, "logical") ? (writer as unknown as LogicalTypeBase).underlyingType : writer;
  return unwrapped.typeName;
}

/** uint64 carried as a canonical decimal string; bigint in code. */
export class DecimalUint64Type extends LogicalType {
  // Called on decode. A resolver from an older writer may pass the writer logical type's
  // already-converted bigint, hence both input kinds.
  _fromValue(value: unknown): bigint {
    if (typeof value === "bigint" && isUint64(value)) return value;
    if (typeof value === "string") {
      const parsed = parseDecimalUint64(value);
      if (parsed !== undefined) return parsed;
    }
    throw new Error("decimal-uint64: not a canonical decimal uint64 string");
  }

  // Called on encode and validity checks: undefined marks the value invalid. Only bigint is
  // accepted: a JS number may already have lost precision past 2^53.
  _toValue(value: unknown): string | undefined {
    return isUint64(value) ? value.toString(10) : undefined;
  }

  _resolve(writer: Type): ((value: unknown) => bigint) | undefined {
    return writerUnderlyingTypeName(writer) === "string" ? (value) => this._fromValue(value) : undefined;
  }
}

/** Bytes of a fixed length carried as lowercase hex (hashes, public keys); string in code. */
export class HexType extends LogicalType {
  readonly byteLength: number;
  private readonly pattern: RegExp;

  constructor(schema: Schema, opts?: unknown) {
    super(schema, opts);
    const byteLength = (schema as { byteLength?: unknown }).byteLength;
    if (typeof byteLength !== "number" || !Number.isInteger(byteLength) || byteLength <= 0) {
      throw new Error(`logicalType "hex" needs a positive integer "byteLength", got ${JSON.stringify(byteLength)}`);
    }
    this.byteLength = byteLength;
    this.pattern = new RegExp(`^[0-9a-f]{${2 * byteLength}}$`);
  }

  _fromValue(value: unknown): string {
    if (typeof value === "string" && this.pattern.test(value)) return value;
    throw new Error(`hex: not ${this.byteLength} bytes of lowercase hex`);
  }

  _toValue(value: unknown): string | undefined {
    return typeof value === "string" && this.pattern.test(value) ? value : undefined;
  }

  _resolve(writer: Type): ((value: unknown) => string) | undefined {
    return writerUnderlyingTypeName(writer) === "string" ? (value) => this._fromValue(value) : undefined;
  }

  _export(attrs: Record<string, unknown>): void {
    attrs["byteLength"] = this.byteLength;
  }
}

/** The logical types every schema of the event log is parsed with. */
export const logicalTypes = {
  "decimal-uint64": DecimalUint64Type,
  hex: HexType,
} as const;

/** Short description of what a logical type accepts, for error messages. */
export function describeLogicalType(type: Type): string | undefined {
  if (type instanceof DecimalUint64Type) return "a uint64 bigint (0 .. 2^64-1)";
  if (type instanceof HexType) return `a lowercase hex string of ${type.byteLength} bytes`;
  return undefined;
}
