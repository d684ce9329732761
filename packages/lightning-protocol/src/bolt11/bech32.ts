// BIP 173 bech32, as BOLT 11 uses it: the original checksum constant (1, not bech32m's), and no
// 90-character limit (invoices are routinely longer).
import { err, ok, type Result } from "../result.ts";

const CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
const CHARSET_REVERSE = (() => {
  const table = new Int8Array(128).fill(-1);
  for (let i = 0; i < CHARSET.length; i++) table[CHARSET.charCodeAt(i)] = i;
  return table;
})();
const GENERATORS = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];
const BECH32_CONSTANT = 1;
const CHECKSUM_WORDS = 6;

function polymodStep(checksum: number, value: number): number {
  const top = checksum >>> 25;
  let next = ((checksum & 0x1ffffff) << 5) ^ value;
  for (let i = 0; i < 5; i++) if ((top >>> i) & 1) next ^= GENERATORS[i] as number;
  return next;
}

function hrpChecksumPrefix(hrp: string): number {
  let checksum = 1;
  for (let i = 0; i < hrp.length; i++) checksum = polymodStep(checksum, hrp.charCodeAt(i) >>> 5);
  checksum = polymodStep(checksum, 0);
  for (let i = 0; i < hrp.length; i++) checksum = polymodStep(checksum, hrp.charCodeAt(i) & 31);
  return checksum;
}

/** hrp must be lower case; words are 5-bit values. */
export function encodeBech32(hrp: string, words: readonly number[]): string {
  let checksum = hrpChecksumPrefix(hrp);
  let out = hrp + "1";
  for (const word of words) {
    if (!Number.isInteger(word) || word < 0 || word > 31) throw new RangeError("bech32 word out of range");
    checksum = polymodStep(checksum, word);
    out += CHARSET[word];
  }
  for (let i = 0; i < CHECKSUM_WORDS; i++) checksum = polymodStep(checksum, 0);
  checksum ^= BECH32_CONSTANT;
  for (let i = 0; i < CHECKSUM_WORDS; i++) out += CHARSET[(checksum >>> (5 * (CHECKSUM_WORDS - 1 - i))) & 31];
  return out;
}

export type Bech32Error = "bech32_mixed_case" | "bech32_no_separator" | "bech32_invalid_character" | "bech32_bad_checksum";

export interface Bech32Decoded {
  /** Lower-cased human-readable part. */
  readonly hrp: string;
  /** Data words, checksum removed. */
  readonly words: number[];
}

export function decodeBech32(text: string): Result<Bech32Decoded, Bech32Error> {
  const lower = text.toLowerCase();
  if (lower !== text && text.toUpperCase() !== text) return err("bech32_mixed_case");
  const separator = lower.lastIndexOf("1");
  if (separator < 1 || lower.length - separator - 1 < CHECKSUM_WORDS) return err("bech32_no_separator");
  const hrp = lower.slice(0, separator);
  for (let i = 0; i < hrp.length; i++) {
    const code = hrp.charCodeAt(i);
    if (code < 33 || code > 126) return err("bech32_invalid_character");
  }
  let checksum = hrpChecksumPrefix(hrp);
  const words: number[] = [];
  for (let i = separator + 1; i < lower.length; i++) {
    const code = lower.charCodeAt(i);
    const word = code < 128 ? (CHARSET_REVERSE[code] as number) : -1;
    if (word < 0) return err("bech32_invalid_character");
    checksum = polymodStep(checksum, word);
    words.push(word);
  }
  if (checksum !== BECH32_CONSTANT) return err("bech32_bad_checksum");
  words.length -= CHECKSUM_WORDS;
  return ok({ hrp, words });
}
