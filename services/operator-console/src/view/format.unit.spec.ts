import { describe, expect, it } from "vitest";
import { ago, formatMsat, orDash, shortHex } from "./format.ts";

describe("format", () => {
  it("formatMsat keeps amounts exact, beyond a double's precision", () => {
    expect(formatMsat("1500000000")).toBe("1,500,000 sat");
    expect(formatMsat("1000500")).toBe("1,000.5 sat");
    expect(formatMsat("999")).toBe("0.999 sat");
    expect(formatMsat("18446744073709551615")).toBe("18,446,744,073,709,551.615 sat");
    expect(formatMsat(null)).toBe("any amount");
  });
  it("shortHex, ago, orDash", () => {
    expect(shortHex("0123456789abcdef0123")).toBe("01234567…0123");
    expect(shortHex(undefined)).toBe("-");
    expect(ago(1000, 6000)).toBe("5 s ago");
    expect(ago(0, 7_200_000)).toBe("2 h ago");
    expect(orDash(undefined)).toBe("-");
    expect(orDash(0)).toBe("0");
  });
});
