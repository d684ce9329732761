import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bytesToHex, hexToBytes } from "../bytes/hex.ts";
import { encodeBigSize, MAX_UINT64, readBigSize } from "./bigsize.ts";
import { encodeTlvStream, parseTlvStream } from "./tlv-stream.ts";
import { encodeTu32, encodeTu64, readTu32, readTu64 } from "./truncated-uint.ts";

describe("BigSize (BOLT 1 appendix A vectors)", () => {
  const valid: Array<[string, bigint]> = [
    ["00", 0n],
    ["fc", 252n],
    ["fd00fd", 253n],
    ["fdffff", 65535n],
    ["fe00010000", 65536n],
    ["feffffffff", 4294967295n],
    ["ff0000000100000000", 4294967296n],
    ["ffffffffffffffffff", 18446744073709551615n],
  ];
  it.each(valid)("reads %s as %s and writes it back", (hex, value) => {
    const read = readBigSize(hexToBytes(hex), 0);
    expect(read).toEqual({ ok: true, value: { value, next: hex.length / 2 } });
    expect(bytesToHex(encodeBigSize(value))).toBe(hex);
  });

  const notMinimal = ["fd00fc", "fe0000ffff", "ff00000000ffffffff"];
  it.each(notMinimal)("rejects the non-canonical %s", (hex) => {
    expect(readBigSize(hexToBytes(hex), 0)).toEqual({ ok: false, error: "bigsize_not_minimal" });
  });

  const truncated = ["fd00", "feffff", "ffffffffff", "", "fd", "fe", "ff"];
  it.each(truncated)("rejects the truncated %j", (hex) => {
    expect(readBigSize(hexToBytes(hex), 0)).toEqual({ ok: false, error: "bigsize_truncated" });
  });

  it("round-trips every uint64", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: MAX_UINT64 }), (value) => {
        const encoded = encodeBigSize(value);
        expect(readBigSize(encoded, 0)).toEqual({ ok: true, value: { value, next: encoded.length } });
      }),
      { numRuns: 2000, seed: 21 },
    );
  });

  it("refuses to encode values outside uint64", () => {
    expect(() => encodeBigSize(-1n)).toThrow(RangeError);
    expect(() => encodeBigSize(MAX_UINT64 + 1n)).toThrow(RangeError);
  });
});

describe("truncated integers", () => {
  it("encode minimally and round-trip", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: MAX_UINT64 }), (value) => {
        const encoded = encodeTu64(value);
        expect(encoded[0]).not.toBe(0);
        expect(readTu64(encoded)).toEqual({ ok: true, value });
      }),
      { numRuns: 2000, seed: 22 },
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffff_ffff }), (value) => {
        expect(readTu32(encodeTu32(value))).toEqual({ ok: true, value });
      }),
      { numRuns: 1000, seed: 23 },
    );
  });

  it("encode zero as no bytes", () => {
    expect(encodeTu64(0n)).toHaveLength(0);
    expect(readTu64(new Uint8Array())).toEqual({ ok: true, value: 0n });
  });

  it("reject a leading zero byte and over-long values", () => {
    expect(readTu64(hexToBytes("0001"))).toEqual({ ok: false, error: "tu_not_minimal" });
    expect(readTu64(hexToBytes("00"))).toEqual({ ok: false, error: "tu_not_minimal" });
    expect(readTu64(hexToBytes("010000000000000000"))).toEqual({ ok: false, error: "tu_too_long" });
    expect(readTu32(hexToBytes("0100000000"))).toEqual({ ok: false, error: "tu_too_long" });
  });
});

describe("TLV stream", () => {
  const record = fc.record({ type: fc.bigInt({ min: 0n, max: MAX_UINT64 }), value: fc.uint8Array({ maxLength: 300 }) });
  const records = fc
    .uniqueArray(record, { selector: (r) => r.type, maxLength: 12 })
    .map((list) => [...list].sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0)));

  it("round-trips any strictly increasing record list", () => {
    fc.assert(
      fc.property(records, (list) => {
        const parsed = parseTlvStream(encodeTlvStream(list));
        expect(parsed.ok).toBe(true);
        if (!parsed.ok) return;
        expect(parsed.value.map((r) => ({ type: r.type, value: bytesToHex(r.value) }))).toEqual(
          list.map((r) => ({ type: r.type, value: bytesToHex(r.value) })),
        );
      }),
      { numRuns: 1000, seed: 24 },
    );
  });

  it("accepts the empty stream", () => {
    expect(parseTlvStream(new Uint8Array())).toEqual({ ok: true, value: [] });
  });

  it("rejects types that are not strictly increasing, pointing at the offending record", () => {
    expect(parseTlvStream(hexToBytes("040101020101"))).toEqual({ ok: false, error: { violation: "types_not_increasing", offset: 3, type: 2n } });
    expect(parseTlvStream(hexToBytes("020101020101"))).toEqual({ ok: false, error: { violation: "types_not_increasing", offset: 3, type: 2n } });
  });

  it("rejects a length running past the end of the stream", () => {
    expect(parseTlvStream(hexToBytes("0203aabb"))).toEqual({ ok: false, error: { violation: "length_overflow", offset: 0, type: 2n } });
    // A u64 length must not wrap around into a small number.
    expect(parseTlvStream(hexToBytes("02ffffffffffffffffff00"))).toEqual({ ok: false, error: { violation: "length_overflow", offset: 0, type: 2n } });
  });

  it("rejects non-minimal and truncated BigSize types and lengths", () => {
    expect(parseTlvStream(hexToBytes("fd000201aa"))).toEqual({ ok: false, error: { violation: "bigsize_not_minimal", offset: 0 } });
    expect(parseTlvStream(hexToBytes("02fd0001aa"))).toEqual({ ok: false, error: { violation: "bigsize_not_minimal", offset: 0, type: 2n } });
    expect(parseTlvStream(hexToBytes("fd02"))).toEqual({ ok: false, error: { violation: "bigsize_truncated", offset: 0 } });
    expect(parseTlvStream(hexToBytes("0101aa02"))).toEqual({ ok: false, error: { violation: "bigsize_truncated", offset: 3, type: 2n } });
  });

  it("refuses to encode out-of-order records", () => {
    expect(() => encodeTlvStream([{ type: 4n, value: new Uint8Array() }, { type: 2n, value: new Uint8Array() }])).toThrow(RangeError);
  });
});
