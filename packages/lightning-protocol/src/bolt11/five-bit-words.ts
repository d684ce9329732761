// Regrouping between bytes and bech32's 5-bit words. BOLT 11 fields are byte strings padded with
// zero bits to a word boundary; readers here reject non-zero padding and a whole spare word, as
// BIP 173's convertbits(pad = false) does, so every field has one encoding.

/** Bytes to words, zero-padding the last word. */
export function bytesToWords(bytes: Uint8Array): number[] {
  const words: number[] = [];
  let accumulator = 0;
  let bits = 0;
  for (const byte of bytes) {
    accumulator = ((accumulator << 8) | byte) & 0x1fff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      words.push((accumulator >>> bits) & 31);
    }
  }
  if (bits > 0) words.push((accumulator << (5 - bits)) & 31);
  return words;
}

/** Words to bytes; null when the leftover bits are a whole word or not all zero. */
export function wordsToBytes(words: readonly number[]): Uint8Array | null {
  const { bytes, accumulator, bits } = packWords(words, Math.floor((words.length * 5) / 8));
  if (bits >= 5 || (accumulator & ((1 << bits) - 1)) !== 0) return null;
  return bytes;
}

/** Words to bytes with the final partial byte zero-padded: the BOLT 11 signing preimage. */
export function wordsToPaddedBytes(words: readonly number[]): Uint8Array {
  const { bytes, accumulator, bits } = packWords(words, Math.ceil((words.length * 5) / 8));
  if (bits > 0) bytes[bytes.length - 1] = (accumulator << (8 - bits)) & 0xff;
  return bytes;
}

/** Packs the words' bits into `length` bytes; the bits left over (fewer than 8) stay in the accumulator. */
function packWords(words: readonly number[], length: number): { bytes: Uint8Array; accumulator: number; bits: number } {
  const bytes = new Uint8Array(length);
  let accumulator = 0;
  let bits = 0;
  let index = 0;
  for (const word of words) {
    accumulator = ((accumulator << 5) | word) & 0xfff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      bytes[index++] = (accumulator >>> bits) & 0xff;
    }
  }
  return { bytes, accumulator, bits };
}

/** Big-endian unsigned value of words; callers bound the word count so it stays below 2^53. */
export function wordsToUint(words: readonly number[]): number {
  let value = 0;
  for (const word of words) value = value * 32 + word;
  return value;
}

/** Minimal big-endian words of a non-negative safe integer (no leading zero word; 0 is no words). */
export function uintToWords(value: number): number[] {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError("uintToWords needs a non-negative safe integer");
  const words: number[] = [];
  for (let rest = value; rest > 0; rest = Math.floor(rest / 32)) words.unshift(rest % 32);
  return words;
}

/** Exactly `count` big-endian words (leading zeros kept), for fixed-width fields such as the timestamp. */
export function uintToFixedWords(value: number, count: number): number[] {
  const words = uintToWords(value);
  if (words.length > count) throw new RangeError(`value needs more than ${count} words`);
  return [...new Array<number>(count - words.length).fill(0), ...words];
}
