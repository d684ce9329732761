// The regrouping between bytes and bech32's 5-bit words, checked on its own: every field of a
// BOLT 11 invoice goes through it, so a wrong padding rule would give a field two encodings.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bytesToWords, wordsToBytes, wordsToPaddedBytes } from "./five-bit-words.ts";

describe("five-bit words", () => {
  it("round-trips any bytes, zero-padding the last word", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
        const words = bytesToWords(bytes);
        expect(words).toHaveLength(Math.ceil((bytes.length * 8) / 5));
        expect(words.every((w) => w >= 0 && w < 32)).toBe(true);
        expect(wordsToBytes(words)).toEqual(bytes);
      }),
    );
  });

  it("writes 0xff as 11111 11100 (three padding zero bits)", () => {
    expect(bytesToWords(Uint8Array.of(0xff))).toEqual([31, 28]);
    expect(wordsToBytes([31, 28])).toEqual(Uint8Array.of(0xff));
  });

  it("refuses non-zero padding bits and a whole spare word (BIP 173's convertbits, pad = false)", () => {
    expect(wordsToBytes([31, 29])).toBeNull();
    expect(wordsToBytes([31, 28, 0])).toBeNull();
    expect(wordsToBytes([])).toEqual(new Uint8Array(0));
  });

  it("pads the signing preimage's last byte with zero bits", () => {
    expect(wordsToPaddedBytes([31])).toEqual(Uint8Array.of(0xf8));
    expect(wordsToPaddedBytes([31, 31])).toEqual(Uint8Array.of(0xff, 0xc0));
    expect(wordsToPaddedBytes([31, 28])).toEqual(Uint8Array.of(0xff, 0x00));
  });
});
