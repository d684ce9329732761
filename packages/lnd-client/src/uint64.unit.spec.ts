import { describe, expect, it } from "vitest";
import { i64FromWire, i64ToWire, u64FromWire, u64ToWire } from "./uint64.ts";

describe("uint64 at the proto-loader edge", () => {
  it("keeps short channel ids above 2^53 exact both ways", () => {
    expect(u64FromWire("1234567890123456789", "chan_id")).toBe(1234567890123456789n);
    expect(u64ToWire(1234567890123456789n, "chan_id")).toBe("1234567890123456789");
    expect(u64FromWire("18446744073709551615", "chan_id")).toBe(2n ** 64n - 1n);
  });

  it("refuses values protobuf would truncate or that are not integers", () => {
    expect(() => u64ToWire(2n ** 64n, "chan_id")).toThrow(/outside uint64/);
    expect(() => u64ToWire(-1n, "chan_id")).toThrow(/outside uint64/);
    expect(() => u64FromWire("-1", "chan_id")).toThrow(/outside uint64/);
    expect(() => u64FromWire("1e3", "chan_id")).toThrow(/decimal integer/);
    expect(() => u64ToWire(5 as unknown as bigint, "chan_id")).toThrow(/must be a bigint/);
  });

  it("handles signed int64 amounts", () => {
    expect(i64FromWire("-9223372036854775808", "amt")).toBe(-(2n ** 63n));
    expect(i64ToWire(-5n, "amt")).toBe("-5");
    expect(() => i64ToWire(2n ** 63n, "amt")).toThrow(/outside int64/);
  });
});
