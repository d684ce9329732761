// BOLT 1 BigSize: a big-endian varint. 0..0xfc in one byte; 0xfd + u16; 0xfe + u32; 0xff + u64.
// Readers MUST reject non-minimal encodings, otherwise two byte strings would carry the same TLV
// stream and a MAC-covered payload could be re-encoded without changing its meaning.
import { err, ok, type Result } from "../result.ts";

export const MAX_UINT64 = 0xffff_ffff_ffff_ffffn;

export type BigSizeError = "bigsize_truncated" | "bigsize_not_minimal";

export interface BigSizeRead {
  readonly value: bigint;
  /** Offset just past the encoding. */
  readonly next: number;
}

export function readBigSize(bytes: Uint8Array, offset: number): Result<BigSizeRead, BigSizeError> {
  const first = bytes[offset];
  if (first === undefined) return err("bigsize_truncated");
  if (first < 0xfd) return ok({ value: BigInt(first), next: offset + 1 });
  const width = first === 0xfd ? 2 : first === 0xfe ? 4 : 8;
  if (offset + 1 + width > bytes.length) return err("bigsize_truncated");
  let value = 0n;
  for (let i = 1; i <= width; i++) value = (value << 8n) | BigInt(bytes[offset + i] as number);
  const minimum = width === 2 ? 0xfdn : width === 4 ? 0x1_0000n : 0x1_0000_0000n;
  if (value < minimum) return err("bigsize_not_minimal");
  return ok({ value, next: offset + 1 + width });
}

export function bigSizeLength(value: bigint): number {
  if (value < 0xfdn) return 1;
  if (value <= 0xffffn) return 3;
  if (value <= 0xffff_ffffn) return 5;
  return 9;
}

export function encodeBigSize(value: bigint): Uint8Array {
  if (value < 0n || value > MAX_UINT64) throw new RangeError("BigSize value out of uint64 range");
  const length = bigSizeLength(value);
  const out = new Uint8Array(length);
  if (length === 1) {
    out[0] = Number(value);
    return out;
  }
  out[0] = length === 3 ? 0xfd : length === 5 ? 0xfe : 0xff;
  let rest = value;
  for (let i = length - 1; i >= 1; i--) {
    out[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  return out;
}
