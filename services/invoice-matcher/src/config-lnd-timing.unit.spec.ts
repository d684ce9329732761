import { describe, expect, it } from "vitest";
import { LND_HTLC_TIMING } from "@ic/lightning-protocol";
import { validateMatcherConfig } from "./domain/index.ts";
import { HOLD_SLACK_BLOCKS, lndTimingProblems } from "./config.ts";

// lnd 0.21 timing: auto-fail 19 blocks before expiry (13 before 0.21), never offered to the
// interceptor within 22 blocks of expiry (16), minimum final CLTV delta 24 (18). The matcher's
// defaults must be safe for the strictest line the bridges accept.
const withDelta = (cltvExpiryDelta: number, holdSafetyMarginBlocks = 3) =>
  validateMatcherConfig({ virtualHopPolicy: { cltvExpiryDelta }, holdSafetyMarginBlocks });

describe("config lower bounds from lnd's HTLC timing", () => {
  it("the table: 0.19/0.20 and 0.21+", () => {
    expect(LND_HTLC_TIMING["0.21"]).toMatchObject({ autoFailBlocks: 19, interceptorMinExpiryBlocks: 22, minFinalCltvExpiryDelta: 24 });
    expect(LND_HTLC_TIMING["0.19"]).toMatchObject({ autoFailBlocks: 13, interceptorMinExpiryBlocks: 16, minFinalCltvExpiryDelta: 18 });
  });

  it("accepted: the defaults and the demo's (cltvExpiryDelta 40, minFinalCltvExpiryDelta 40)", () => {
    expect(lndTimingProblems(40, withDelta(40))).toEqual([]);
  });

  it("accepted: minFinalCltvExpiryDelta 24 with just enough virtual hop delta", () => {
    // 24 + 8 = 32 > 22 + 3 + 6 = 31
    expect(HOLD_SLACK_BLOCKS).toBe(6);
    expect(lndTimingProblems(24, withDelta(8))).toEqual([]);
  });

  it("rejected: minFinalCltvExpiryDelta 18 (lnd 0.19's minimum), naming the field, the value and the bound", () => {
    expect(lndTimingProblems(18, withDelta(40))).toEqual(["minFinalCltvExpiryDelta is 18, below 24, lnd 0.21+'s minimum final CLTV delta"]);
  });

  it("rejected: virtual hop delta + final delta not above the interceptor cut-off + margin + slack", () => {
    const [problem] = lndTimingProblems(24, withDelta(7));
    expect(problem).toMatch(/^virtualHopPolicy.cltvExpiryDelta \+ minFinalCltvExpiryDelta is 7 \+ 24 = 31, must exceed 31 /);
    expect(problem).toContain("within 22 blocks of expiry");
  });

  it("rejected: a larger hold safety margin raises the bound", () => {
    expect(lndTimingProblems(24, withDelta(8, 4))).toHaveLength(1);
  });
});
