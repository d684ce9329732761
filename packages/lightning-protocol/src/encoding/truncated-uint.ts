// BOLT 1 truncated integers (tu16/tu32/tu64): big-endian with all leading zero bytes removed, so
// zero is the empty string. Readers MUST reject a leading zero byte (non-minimal) and anything
// longer than the type's width.
import { err, ok, type Result } from "../result.ts";

export type TruncatedUintError = "tu_too_long" | "tu_not_minimal";

function readTruncated(bytes: Uint8Array, maxLength: number): Result<bigint, TruncatedUintError> {
  if (bytes.length > maxLength) return err("tu_too_long");
  if (bytes.length > 0 && bytes[0] === 0) return err("tu_not_minimal");
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  return ok(value);
}

export function readTu64(bytes: Uint8Array): Result<bigint, TruncatedUintError> {
  return readTruncated(bytes, 8);
}

export function readTu32(bytes: Uint8Array): Result<number, TruncatedUintError> {
  const read = readTruncated(bytes, 4);
  return read.ok ? ok(Number(read.value)) : read;
}

export function encodeTu64(value: bigint): Uint8Array {
  if (value < 0n || value > 0xffff_ffff_ffff_ffffn) throw new RangeError("tu64 value out of range");
  const bytes: number[] = [];
  for (let rest = value; rest > 0n; rest >>= 8n) bytes.unshift(Number(rest & 0xffn));
  return Uint8Array.from(bytes);
}

export function encodeTu32(value: number): Uint8Array {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff_ffff) throw new RangeError("tu32 value out of range");
  return encodeTu64(BigInt(value));
}
