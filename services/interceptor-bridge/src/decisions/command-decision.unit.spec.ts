import { createHash } from "node:crypto";
import type { HtlcCommand } from "@ic/event-log";
import { describe, expect, it } from "vitest";
import { AppliedCommands, type AppliedOutcome } from "./applied-commands.ts";
import { decideCommand, type CommandContext } from "./command-decision.ts";
import { HeldHtlcs } from "./held-htlcs.ts";

const NODE_ID = "02" + "11".repeat(32);
const OTHER_NODE = "03" + "22".repeat(32);
const PREIMAGE = Buffer.alloc(32, 0x5c);
const PAYMENT_HASH = createHash("sha256").update(PREIMAGE).digest("hex");
const KEY = { chanId: 2n ** 60n + 5n, htlcId: 3n };
// What lnd offered under KEY on the current stream (amount past 2^53: compared as bigint).
const OFFERED_MSAT = 2n ** 53n + 1_001n;
const OFFERED_EXPIRY = 740;

function settle(fields: Partial<HtlcCommand> = {}): HtlcCommand {
  return {
    commandId: "cmd-1",
    nodeId: NODE_ID,
    circuitKey: KEY,
    paymentHash: PAYMENT_HASH,
    action: "SETTLE",
    preimage: PREIMAGE,
    failureMessage: null,
    failureCode: null,
    expectedIncomingAmountMsat: OFFERED_MSAT,
    expectedIncomingExpiry: OFFERED_EXPIRY,
    issuedAtMs: 1,
    ...fields,
  };
}

function fail(fields: Partial<HtlcCommand> = {}): HtlcCommand {
  return settle({
    action: "FAIL",
    preimage: null,
    failureMessage: Buffer.alloc(292, 9),
    expectedIncomingAmountMsat: null,
    expectedIncomingExpiry: null,
    ...fields,
  });
}

function given(
  options: { held?: boolean; blockHeight?: number; applied?: [string, AppliedOutcome, string?][] } = {},
) {
  const held = new HeldHtlcs();
  if (options.held ?? true) {
    held.hold({
      circuitKey: KEY,
      paymentHash: PAYMENT_HASH,
      incomingAmountMsat: OFFERED_MSAT,
      incomingExpiry: OFFERED_EXPIRY,
      autoFailHeight: 700,
      interceptedAtMs: 10,
    });
  }
  const applied = new AppliedCommands();
  for (const [id, outcome, reason] of options.applied ?? []) applied.record(id, outcome, reason ?? null);
  const context: CommandContext = { nodeId: NODE_ID, held, blockHeight: options.blockHeight ?? 650, applied };
  return context;
}

describe("commands from the matcher", () => {
  it("ignores a command for another node (every bridge reads the whole topic)", () => {
    expect(decideCommand(settle({ nodeId: OTHER_NODE }), given())).toEqual({ kind: "ignore" });
  });

  it("settles a key held on the current stream with the command's preimage", () => {
    const decision = decideCommand(settle(), given());
    expect(decision).toMatchObject({
      kind: "send",
      outcome: "SETTLE_SENT",
      resolution: { action: "SETTLE", circuitKey: KEY, preimage: PREIMAGE },
      held: { paymentHash: PAYMENT_HASH, interceptedAtMs: 10 },
    });
  });

  it("fails a held key with the matcher's 292-byte failure packet", () => {
    expect(decideCommand(fail(), given())).toMatchObject({
      kind: "send",
      outcome: "FAIL_SENT",
      resolution: { action: "FAIL", circuitKey: KEY, failureMessage: Buffer.alloc(292, 9) },
    });
  });

  it("fails a held key with one of lnd's own failure codes", () => {
    expect(decideCommand(fail({ failureMessage: null, failureCode: "INVALID_ONION_HMAC" }), given())).toMatchObject({
      kind: "send",
      outcome: "FAIL_SENT",
      resolution: { action: "FAIL", circuitKey: KEY, failureCode: "INVALID_ONION_HMAC" },
    });
  });

  it("sends nothing for a key not held on the current stream (money-safety rule 5)", () => {
    expect(decideCommand(settle(), given({ held: false }))).toEqual({ kind: "skip", reason: "not-held" });
  });

  it("sends nothing while no interceptor stream is open", () => {
    expect(decideCommand(settle(), { ...given(), held: undefined })).toEqual({ kind: "skip", reason: "not-held" });
  });

  it("repeats the outcome of a commandId already carried out, and sends nothing", () => {
    expect(decideCommand(settle(), given({ held: false, applied: [["cmd-1", "SETTLE_SENT"]] }))).toEqual({
      kind: "repeat",
      outcome: "SETTLE_SENT",
      reason: null,
    });
  });

  it("answers a key held again on a new stream even if its commandId was carried out on an old one", () => {
    // lnd offering it again means the earlier answer never took effect.
    expect(decideCommand(settle(), given({ held: true, applied: [["cmd-1", "SETTLE_SENT"]] })).kind).toBe("send");
  });

  it("a second command for an answered key is skipped, never a second resolution", () => {
    expect(decideCommand(fail({ commandId: "cmd-2" }), given({ held: false, applied: [["cmd-1", "SETTLE_SENT"]] }))).toEqual({
      kind: "skip",
      reason: "not-held",
    });
  });

  it("treats a held key at or past its auto-fail height as no longer held (lnd fails it itself)", () => {
    expect(decideCommand(settle(), given({ blockHeight: 700 }))).toEqual({ kind: "skip", reason: "auto-fail-height-reached" });
    expect(decideCommand(settle(), given({ blockHeight: 699 })).kind).toBe("send");
  });

  it("refuses a preimage that does not open the payment hash, without showing it", () => {
    const wrong = Buffer.alloc(32, 0x01);
    const decision = decideCommand(settle({ preimage: wrong }), given());
    expect(decision).toEqual({ kind: "refuse", reason: "the SETTLE preimage does not hash to the payment hash" });
    expect(JSON.stringify(decision)).not.toContain(wrong.toString("hex"));
  });

  it("refuses a command whose payment hash is not the held HTLC's", () => {
    const otherHash = "ee".repeat(32);
    expect(decideCommand(settle({ paymentHash: otherHash }), given())).toEqual({
      kind: "refuse",
      reason: `the command names payment hash ${otherHash} but the held HTLC has ${PAYMENT_HASH}`,
    });
  });

  it("refuses malformed commands the codec would not produce", () => {
    expect(decideCommand(settle({ preimage: null }), given())).toEqual({ kind: "refuse", reason: "SETTLE without a preimage" });
    expect(decideCommand(fail({ failureMessage: null, failureCode: null }), given())).toEqual({
      kind: "refuse",
      reason: "FAIL without failureMessage or failureCode",
    });
  });
});

describe("a SETTLE is applied only to the HTLC its decision was about (forged-replay defence)", () => {
  const failInstead = { action: "FAIL", circuitKey: KEY, failureCode: "TEMPORARY_CHANNEL_FAILURE" };

  it("the forged replay: the command says 100,000,000 msat, lnd offered 1,000 msat under that key: FAIL, never SETTLE", () => {
    const held = new HeldHtlcs();
    held.hold({ circuitKey: KEY, paymentHash: PAYMENT_HASH, incomingAmountMsat: 1_000n, incomingExpiry: OFFERED_EXPIRY, autoFailHeight: 700, interceptedAtMs: 10 });
    const context = { ...given(), held };
    const decision = decideCommand(settle({ expectedIncomingAmountMsat: 100_000_000n }), context);
    expect(decision).toEqual({
      kind: "refuse-settle",
      resolution: failInstead,
      mismatch: "incoming_amount",
      reason:
        "the SETTLE was decided for another HTLC than lnd holds under this circuit key: " +
        "expectedIncomingAmountMsat 100000000 but lnd offered incomingAmountMsat 1000",
      held: expect.objectContaining({ incomingAmountMsat: 1_000n }),
    });
    expect(JSON.stringify(decision, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v))).not.toContain(PREIMAGE.toString("hex"));
  });

  it("an amount off by 1 msat, either way, is refused (exact match, compared as uint64 past 2^53)", () => {
    for (const amount of [OFFERED_MSAT - 1n, OFFERED_MSAT + 1n]) {
      expect(decideCommand(settle({ expectedIncomingAmountMsat: amount }), given())).toMatchObject({
        kind: "refuse-settle",
        mismatch: "incoming_amount",
        resolution: failInstead,
      });
    }
  });

  it("a wrong incoming expiry is refused, naming both values", () => {
    expect(decideCommand(settle({ expectedIncomingExpiry: OFFERED_EXPIRY + 1 }), given())).toMatchObject({
      kind: "refuse-settle",
      mismatch: "incoming_expiry",
      resolution: failInstead,
      reason: `the SETTLE was decided for another HTLC than lnd holds under this circuit key: expectedIncomingExpiry ${OFFERED_EXPIRY + 1} but lnd offered incomingExpiry ${OFFERED_EXPIRY}`,
    });
  });

  it("both differing: one refusal naming both", () => {
    const decision = decideCommand(settle({ expectedIncomingAmountMsat: 5n, expectedIncomingExpiry: 1 }), given());
    expect(decision).toMatchObject({ kind: "refuse-settle", mismatch: "incoming_amount_and_expiry", resolution: failInstead });
    expect(decision.kind === "refuse-settle" && decision.reason).toMatch(/expectedIncomingAmountMsat 5 but .*; expectedIncomingExpiry 1 but/);
  });

  it("a SETTLE without expected values (v1-shaped) is refused: nothing says what it was decided for", () => {
    for (const missing of [
      { expectedIncomingAmountMsat: null, expectedIncomingExpiry: null },
      { expectedIncomingAmountMsat: null },
      { expectedIncomingExpiry: null },
    ]) {
      const decision = decideCommand(settle(missing), given());
      expect(decision).toMatchObject({ kind: "refuse-settle", mismatch: "missing_expected", resolution: failInstead });
      expect(decision.kind === "refuse-settle" && decision.reason).toMatch(/^the SETTLE has no expected/);
    }
  });

  it("exact values: SETTLE", () => {
    expect(decideCommand(settle(), given())).toMatchObject({ kind: "send", outcome: "SETTLE_SENT", resolution: { action: "SETTLE" } });
  });

  it("a FAIL needs no expected values (failing is always safe)", () => {
    expect(decideCommand(fail(), given())).toMatchObject({ kind: "send", outcome: "FAIL_SENT" });
  });

  it("the existing checks come first: not held -> skip, auto-fail height -> skip, wrong hash or preimage -> refuse (nothing sent)", () => {
    const mismatched = settle({ expectedIncomingAmountMsat: 1n });
    expect(decideCommand(mismatched, given({ held: false }))).toEqual({ kind: "skip", reason: "not-held" });
    expect(decideCommand(mismatched, given({ blockHeight: 700 }))).toEqual({ kind: "skip", reason: "auto-fail-height-reached" });
    expect(decideCommand(settle({ expectedIncomingAmountMsat: 1n, paymentHash: "ee".repeat(32) }), given()).kind).toBe("refuse");
    expect(decideCommand(settle({ expectedIncomingAmountMsat: 1n, preimage: Buffer.alloc(32, 1) }), given()).kind).toBe("refuse");
  });

  it("a refused SETTLE delivered again repeats its outcome and reason, and sends nothing", () => {
    expect(decideCommand(settle(), given({ held: false, applied: [["cmd-1", "SETTLE_REFUSED_MISMATCH", "why"]] }))).toEqual({
      kind: "repeat",
      outcome: "SETTLE_REFUSED_MISMATCH",
      reason: "why",
    });
  });
});

describe("applied commands memory", () => {
  it("remembers outcomes by commandId and forgets the oldest past its capacity", () => {
    const applied = new AppliedCommands(2);
    applied.record("a", "SETTLE_SENT");
    applied.record("b", "FAIL_SENT");
    applied.record("c", "SETTLE_SENT");
    expect(applied.outcomeOf("a")).toBeUndefined();
    expect(applied.outcomeOf("b")).toBe("FAIL_SENT");
    expect(applied.outcomeOf("c")).toBe("SETTLE_SENT");
    expect(applied.size).toBe(2);
    expect(() => new AppliedCommands(0)).toThrow(RangeError);
  });
});
