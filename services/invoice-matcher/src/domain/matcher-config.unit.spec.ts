import { describe, expect, it } from "vitest";
import { DEFAULT_MATCHER_CONFIG, MatcherConfigError, validateMatcherConfig } from "./matcher-config.ts";

describe("validateMatcherConfig", () => {
  it("defaults to a 120 s MPP timeout, lnmux's 60 s accept timeout and a free 40-block virtual hop", () => {
    expect(validateMatcherConfig()).toEqual(DEFAULT_MATCHER_CONFIG);
    expect(DEFAULT_MATCHER_CONFIG.mppTimeoutMs).toBe(120_000);
  });

  it("accepts an MPP timeout of exactly 60 s, the BOLT 4 minimum", () => {
    expect(validateMatcherConfig({ mppTimeoutMs: 60_000 }).mppTimeoutMs).toBe(60_000);
  });

  it("rejects an MPP timeout below 60 s with an error that says why", () => {
    expect(() => validateMatcherConfig({ mppTimeoutMs: 59_999 })).toThrow(MatcherConfigError);
    expect(() => validateMatcherConfig({ mppTimeoutMs: 30_000 })).toThrow(/mppTimeoutMs must be an integer >= 60000 \(BOLT 4.*got 30000/);
    expect(() => validateMatcherConfig({ mppTimeoutMs: Number.NaN })).toThrow(MatcherConfigError);
  });

  it("rejects a non-positive accept timeout", () => {
    expect(() => validateMatcherConfig({ acceptTimeoutMs: 0 })).toThrow(/acceptTimeoutMs/);
    expect(validateMatcherConfig({ acceptTimeoutMs: 1 }).acceptTimeoutMs).toBe(1);
  });

  it("takes a partial virtual hop policy over the defaults", () => {
    expect(validateMatcherConfig({ virtualHopPolicy: { feeBaseMsat: 1_000n } }).virtualHopPolicy).toEqual({
      feeBaseMsat: 1_000n,
      feeProportionalMillionths: 0n,
      cltvExpiryDelta: 40,
    });
  });

  it("rejects policy values a BOLT 11 route hint cannot carry (u32 fees, u16 delta) or negative ones", () => {
    expect(() => validateMatcherConfig({ virtualHopPolicy: { feeBaseMsat: -1n } })).toThrow(/feeBaseMsat/);
    expect(() => validateMatcherConfig({ virtualHopPolicy: { feeBaseMsat: 2n ** 32n } })).toThrow(/feeBaseMsat/);
    expect(() => validateMatcherConfig({ virtualHopPolicy: { feeProportionalMillionths: -5n } })).toThrow(/feeProportionalMillionths/);
    expect(() => validateMatcherConfig({ virtualHopPolicy: { cltvExpiryDelta: 65_536 } })).toThrow(/cltvExpiryDelta/);
    expect(() => validateMatcherConfig({ virtualHopPolicy: { cltvExpiryDelta: 1.5 } })).toThrow(/cltvExpiryDelta/);
    expect(() => validateMatcherConfig({ virtualHopPolicy: { feeBaseMsat: 5 as unknown as bigint } })).toThrow(/feeBaseMsat must be a bigint/);
  });
});
