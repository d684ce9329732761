// lnd's 64-bit integers (amounts, short channel ids, HTLC indices, nanosecond timestamps)
// cross the proto-loader edge as decimal strings (longs: String) and live in our code as
// bigint. A JS number would silently round short channel ids above 2^53.

const U64_MAX = (1n << 64n) - 1n;
const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;

/** Parses a proto-loader uint64 string. Throws on anything that is not one. */
export function u64FromWire(value: string, field: string): bigint {
  const parsed = parseInteger(value, field);
  if (parsed < 0n || parsed > U64_MAX) throw new RangeError(`${field}: ${value} is outside uint64`);
  return parsed;
}

/** Parses a proto-loader int64 string. */
export function i64FromWire(value: string, field: string): bigint {
  const parsed = parseInteger(value, field);
  if (parsed < I64_MIN || parsed > I64_MAX) throw new RangeError(`${field}: ${value} is outside int64`);
  return parsed;
}

/** Formats a bigint for a uint64 field, refusing values protobuf would truncate. */
export function u64ToWire(value: bigint, field: string): string {
  if (typeof value !== "bigint") throw new TypeError(`${field} must be a bigint, got ${typeof value}`);
  if (value < 0n || value > U64_MAX) throw new RangeError(`${field}: ${value} is outside uint64`);
  return value.toString();
}

/** Formats a bigint for an int64 field. */
export function i64ToWire(value: bigint, field: string): string {
  if (typeof value !== "bigint") throw new TypeError(`${field} must be a bigint, got ${typeof value}`);
  if (value < I64_MIN || value > I64_MAX) throw new RangeError(`${field}: ${value} is outside int64`);
  return value.toString();
}

function parseInteger(value: string, field: string): bigint {
  if (typeof value !== "string" || !/^-?[0-9]+$/.test(value)) {
    throw new TypeError(`${field}: expected a decimal integer string, got ${String(value)}`);
  }
  return BigInt(value);
}
