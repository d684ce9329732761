// BOLT 1 TLV stream: a sequence of (BigSize type, BigSize length, value) records. This reader
// enforces only the stream-level rules (minimal BigSizes, strictly increasing types, lengths
// within the stream); which types are known, required or forbidden is the caller's business,
// because it differs per stream (hop payload vs failure message extension).
import { err, ok, type Result } from "../result.ts";
import { concatBytes } from "../bytes/concat-bytes.ts";
import { encodeBigSize, readBigSize, type BigSizeError } from "./bigsize.ts";

export interface TlvRecord {
  readonly type: bigint;
  /** A view into the parsed bytes, not a copy. */
  readonly value: Uint8Array;
  /** Offset of the record's type field in the stream, as reported in invalid_onion_payload. */
  readonly offset: number;
}

export type TlvStreamViolation = BigSizeError | "types_not_increasing" | "length_overflow";

export interface TlvStreamError {
  readonly violation: TlvStreamViolation;
  /** Offset of the offending record's type field. */
  readonly offset: number;
  /** The record's type, when it could be read. */
  readonly type?: bigint;
}

export function parseTlvStream(bytes: Uint8Array): Result<TlvRecord[], TlvStreamError> {
  const records: TlvRecord[] = [];
  let offset = 0;
  let previousType = -1n;
  while (offset < bytes.length) {
    const typeRead = readBigSize(bytes, offset);
    if (!typeRead.ok) return err({ violation: typeRead.error, offset });
    const type = typeRead.value.value;
    if (type <= previousType) return err({ violation: "types_not_increasing", offset, type });
    const lengthRead = readBigSize(bytes, typeRead.value.next);
    if (!lengthRead.ok) return err({ violation: lengthRead.error, offset, type });
    const start = lengthRead.value.next;
    // Compare as bigint: a u64 length must not wrap or lose precision before the bounds check.
    if (lengthRead.value.value > BigInt(bytes.length - start)) return err({ violation: "length_overflow", offset, type });
    const end = start + Number(lengthRead.value.value);
    records.push({ type, value: bytes.subarray(start, end), offset });
    previousType = type;
    offset = end;
  }
  return ok(records);
}

export interface TlvRecordInput {
  readonly type: bigint;
  readonly value: Uint8Array;
}

/** Throws if types are not strictly increasing: the records come from our own code. */
export function encodeTlvStream(records: readonly TlvRecordInput[]): Uint8Array {
  const parts: Uint8Array[] = [];
  let previousType = -1n;
  for (const record of records) {
    if (record.type <= previousType) throw new RangeError("TLV record types must be strictly increasing");
    parts.push(encodeBigSize(record.type), encodeBigSize(BigInt(record.value.length)), record.value);
    previousType = record.type;
  }
  return concatBytes(...parts);
}
