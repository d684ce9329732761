// The benchmarks refuse bad arguments with a message that names the flag and shows the usage.
import { describe, expect, it } from "vitest";
import { parseConcurrencyOptions } from "./concurrent-payments.bench.ts";
import { parseCreationOptions } from "./invoice-creation.bench.ts";
import { parseOptions as parseLoadOptions } from "./matcher-load.bench.ts";
import { parseWireFormatOptions, wireBytes } from "./wire-format.bench.ts";

describe("benchmark arguments", () => {
  it("matcher-load: defaults, overrides, and refusals", () => {
    expect(parseLoadOptions([])).toEqual({ rates: [50, 100, 200, 400, 800], seconds: 6, matchers: [1, 2], mppShare: 0.5, profile: false });
    expect(parseLoadOptions(["--profile", "--rates", "200"])).toMatchObject({ rates: [200], profile: true });
    expect(parseLoadOptions(["--rates", "400,100", "--matchers", "2", "--mpp-share", "0"])).toMatchObject({ rates: [100, 400], matchers: [2], mppShare: 0 });
    expect(() => parseLoadOptions(["--rates", "10,x"])).toThrow(/--rates takes whole numbers.*\nusage:/s);
    expect(() => parseLoadOptions(["--mpp-share", "2"])).toThrow(/--mpp-share takes a number from 0 to 1/);
    expect(() => parseLoadOptions(["--matchers", "9"])).toThrow(/from 1 to 4/);
    expect(() => parseLoadOptions(["--fast"])).toThrow(/unknown argument --fast/);
  });

  it("concurrent-payments: defaults, overrides, and refusals", () => {
    expect(parseConcurrencyOptions([])).toEqual({ levels: [1, 8, 32], payments: 64, rounds: 2, count: false, profile: [], warmup: 16, gapMs: 0 });
    expect(parseConcurrencyOptions(["--levels", "4", "--payments", "10", "--rounds", "5"])).toEqual({ levels: [4], payments: 10, rounds: 5, count: false, profile: [], warmup: 16, gapMs: 0 });
    expect(parseConcurrencyOptions(["--count", "--profile", "matcher,alpha", "--levels", "8"])).toEqual({ levels: [8], payments: 64, rounds: 2, count: true, profile: ["matcher", "alpha"], warmup: 16, gapMs: 0 });
    expect(parseConcurrencyOptions(["--warmup", "0"]).warmup).toBe(0);
    expect(parseConcurrencyOptions(["--gap-ms", "150"]).gapMs).toBe(150);
    expect(() => parseConcurrencyOptions(["--gap-ms", "soon"])).toThrow(/--gap-ms/);
    expect(() => parseConcurrencyOptions(["--profile", "kafka"])).toThrow(/--profile takes a comma list of matcher, alpha, bravo, got kafka/);
    expect(() => parseConcurrencyOptions(["--levels", "0"])).toThrow(/--levels takes whole numbers/);
    expect(() => parseConcurrencyOptions(["--payments", "2", "--rounds", "3"])).toThrow(/must be at least --rounds/);
  });

  it("invoice-creation: defaults, overrides, and refusals", () => {
    expect(parseCreationOptions([])).toEqual({ callers: [1, 8, 32], invoices: 400 });
    expect(parseCreationOptions(["--callers", "2", "--invoices", "50"])).toEqual({ callers: [2], invoices: 50 });
    expect(() => parseCreationOptions(["--invoices", "-1"])).toThrow(/--invoices takes whole numbers/);
  });

  it("wire-format: defaults, overrides, refusals, and what a record's bytes count", () => {
    expect(parseWireFormatOptions([])).toEqual({ records: 20_000, rounds: 7 });
    expect(parseWireFormatOptions(["--rounds", "3", "--records", "100"])).toEqual({ records: 100, rounds: 3 });
    expect(() => parseWireFormatOptions(["--records", "0"])).toThrow(/--records takes whole numbers.*\nusage:/s);
    expect(() => parseWireFormatOptions(["--warm"])).toThrow(/unknown argument --warm/);
    expect(wireBytes({ value: Buffer.alloc(10), headers: { "ic-schema": "htlc-command", "ic-schema-version": "2" } })).toBe(10 + 9 + 12 + 17 + 1);
  });
});
