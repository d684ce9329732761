// BOLT 7 short_channel_id: block height (3 bytes) || tx index (3 bytes) || output index (2 bytes),
// a uint64 that exceeds 2^53: always a bigint here, a decimal string on the wire.
import { MAX_UINT64 } from "../encoding/bigsize.ts";

export interface ShortChannelIdParts {
  readonly blockHeight: number;
  readonly txIndex: number;
  readonly outputIndex: number;
}

export function shortChannelIdParts(scid: bigint): ShortChannelIdParts {
  if (scid < 0n || scid > MAX_UINT64) throw new RangeError("short channel id out of uint64 range");
  return {
    blockHeight: Number(scid >> 40n),
    txIndex: Number((scid >> 16n) & 0xff_ffffn),
    outputIndex: Number(scid & 0xffffn),
  };
}

export function shortChannelIdFromParts(parts: ShortChannelIdParts): bigint {
  const { blockHeight, txIndex, outputIndex } = parts;
  const fits = (value: number, max: number) => Number.isInteger(value) && value >= 0 && value <= max;
  if (!fits(blockHeight, 0xff_ffff) || !fits(txIndex, 0xff_ffff) || !fits(outputIndex, 0xffff)) {
    throw new RangeError("short channel id part out of range");
  }
  return (BigInt(blockHeight) << 40n) | (BigInt(txIndex) << 16n) | BigInt(outputIndex);
}

/** "BLOCKxTXxOUTPUT", the form lnd, CLN and BOLT 11 examples print. */
export function formatShortChannelId(scid: bigint): string {
  const { blockHeight, txIndex, outputIndex } = shortChannelIdParts(scid);
  return `${blockHeight}x${txIndex}x${outputIndex}`;
}

/** Parses "BLOCKxTXxOUTPUT"; null if malformed or out of range. */
export function parseShortChannelId(text: string): bigint | null {
  const match = /^(\d{1,8})x(\d{1,8})x(\d{1,5})$/.exec(text);
  if (match === null) return null;
  const [blockHeight, txIndex, outputIndex] = [match[1], match[2], match[3]].map(Number) as [number, number, number];
  if (blockHeight > 0xff_ffff || txIndex > 0xff_ffff || outputIndex > 0xffff) return null;
  return shortChannelIdFromParts({ blockHeight, txIndex, outputIndex });
}
