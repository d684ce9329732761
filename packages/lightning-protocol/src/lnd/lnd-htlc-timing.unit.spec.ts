import { describe, expect, it } from "vitest";
import { LND_HTLC_TIMING, lndHtlcTimingFor } from "./lnd-htlc-timing.ts";

describe("lnd HTLC timing per version line", () => {
  it("0.19 and 0.20: auto-fail 13 blocks before expiry, never offered within 16, final delta 18", () => {
    expect(lndHtlcTimingFor({ major: 0, minor: 19 })).toEqual(LND_HTLC_TIMING["0.19"]);
    expect(lndHtlcTimingFor({ major: 0, minor: 20 })).toMatchObject({ autoFailBlocks: 13, interceptorMinExpiryBlocks: 16, minFinalCltvExpiryDelta: 18 });
  });

  it("0.21 and later: 19, 22, 24", () => {
    expect(lndHtlcTimingFor({ major: 0, minor: 21 })).toMatchObject({ autoFailBlocks: 19, interceptorMinExpiryBlocks: 22, minFinalCltvExpiryDelta: 24 });
    expect(lndHtlcTimingFor({ major: 1, minor: 0 })).toEqual(LND_HTLC_TIMING["0.21"]);
  });

  it("older than the table knows: undefined", () => {
    expect(lndHtlcTimingFor({ major: 0, minor: 18 })).toBeUndefined();
  });
});
