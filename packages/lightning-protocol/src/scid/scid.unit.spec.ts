import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { hexToBytes } from "../bytes/hex.ts";
import { formatShortChannelId, parseShortChannelId, shortChannelIdFromParts, shortChannelIdParts } from "./short-channel-id.ts";
import { virtualScidForNode } from "./virtual-scid.ts";

describe("virtualScidForNode (lnmux: last 8 pubkey bytes, top bit set, big-endian)", () => {
  const cases: Array<[string, bigint]> = [
    ["02eec7245d6b7d2ccb30380bfbe2a3648cd7a942653f5aa340edcea1f283686619", 0xedcea1f283686619n],
    // Tail 5aa297165faa2007 has the top bit clear: it gets set.
    ["027f31ebc5462c1fdce1b737ecff52d37d75dea43ce11c74d25aa297165faa2007", 0xdaa297165faa2007n],
    ["032c0b7cf95324a07d05398b240174dc0c2be444d96b159aa6c7f7b1e668680991", 0xc7f7b1e668680991n],
  ];
  it.each(cases)("%s -> %s", (pubkey, scid) => {
    expect(virtualScidForNode(hexToBytes(pubkey))).toBe(scid);
  });

  it("always lands above block 2^23, where no real channel exists, and beyond 2^53 (bigint, never number)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 33, maxLength: 33 }), (pubkey) => {
        const scid = virtualScidForNode(pubkey);
        expect(shortChannelIdParts(scid).blockHeight).toBeGreaterThanOrEqual(2 ** 23);
        expect(scid > BigInt(Number.MAX_SAFE_INTEGER)).toBe(true);
      }),
      { numRuns: 500, seed: 61 },
    );
  });

  it("reads a subarray at its own offset", () => {
    const padded = hexToBytes("ffff" + cases[0]![0]);
    expect(virtualScidForNode(padded.subarray(2))).toBe(cases[0]![1]);
  });
});

describe("short channel id formatting", () => {
  it("formats and parses BOLT 11's example scids", () => {
    expect(formatShortChannelId(0x0102030405060708n)).toBe("66051x263430x1800");
    expect(parseShortChannelId("197637x395016x2314")).toBe(0x030405060708090an);
    expect(formatShortChannelId(0xedcea1f283686619n)).toBe("15584929x15893352x26137");
  });

  it("round-trips any uint64 through parts and text", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), (scid) => {
        expect(shortChannelIdFromParts(shortChannelIdParts(scid))).toBe(scid);
        expect(parseShortChannelId(formatShortChannelId(scid))).toBe(scid);
      }),
      { numRuns: 1000, seed: 62 },
    );
  });

  it("rejects malformed or out-of-range text", () => {
    for (const text of ["", "1x2", "1x2x3x4", "16777216x0x0", "0x16777216x0", "0x0x65536", "ax1x2", "1x2x3 "]) expect(parseShortChannelId(text)).toBeNull();
  });
});
