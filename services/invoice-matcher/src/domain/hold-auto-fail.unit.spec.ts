import { describe, expect, it } from "vitest";
import { failHtlc } from "./commands.ts";
import { MatcherConfigError, validateMatcherConfig } from "./matcher-config.ts";
import { given, run } from "./testing/decider-specification.ts";
import { HEIGHT, NODE_A, NODE_B, PAYMENT_HASH, T0, arrival, arrivalOf, htlcKey, settleInvoice, terms, testConfig, tick } from "./testing/fixtures.ts";
import type { InvoiceEvent } from "./events.ts";

// Hold invoices never settle partially. lnd fails a held HTLC by itself at its auto_fail_height
// (incoming expiry - 19 blocks in lnd 0.21, - 13 before); a SETTLE that reaches lnd after that
// would hand out the preimage while part of the set is failed. So within holdSafetyMarginBlocks of
// the earliest part's auto-fail height, SettleInvoice is refused (FAILED_PRECONDITION at the API)
// and the matcher's tick cancels the ACCEPTED set itself, failing every part.

// Earliest part: auto-fail at HEIGHT + 45; the other at HEIGHT + 60.
const a = arrival({ key: htlcKey(NODE_A, 1n), amtMsat: 50_000n, now: T0 + 1_000, autoFailHeight: HEIGHT + 45 });
const b = arrival({ key: htlcKey(NODE_B, 1n), amtMsat: 50_000n, now: T0 + 2_000, autoFailHeight: HEIGHT + 60 });
const margin = testConfig.holdSafetyMarginBlocks;
const accepted = (): InvoiceEvent[] => run([{ type: "CreateInvoice", data: terms({ mode: "hold" }) }, a, b]);
const lastSafeHeight = HEIGHT + 45 - margin - 1;

describe("hold invoices: SettleInvoice near a held part's auto-fail height", () => {
  it("the margin is 3 blocks by default and the HTLC's auto_fail_height is recorded with it", () => {
    expect(margin).toBe(3);
    expect(accepted().at(-1)?.type).toBe("InvoiceAccepted");
    const recorded = accepted().find((e) => e.type === "HtlcAccepted");
    expect(recorded?.type === "HtlcAccepted" && recorded.data.htlc.autoFailHeight).toBe(HEIGHT + 45);
  });

  it("accepted: more than the margin left before the earliest auto-fail height -> settled", () => {
    const outcome = given(...accepted()).when(settleInvoice(T0 + 10_000, lastSafeHeight));
    expect(outcome.decision.events.map((e) => e.type)).toEqual(["InvoiceSettleRequested"]);
    expect(outcome.decision.commands.map((c) => c.type)).toEqual(["SettleHtlc", "SettleHtlc"]);
  });

  it("rejected: height + margin reaches the earliest part's auto-fail height -> refused, naming the blocks left", () => {
    const outcome = given(...accepted()).when(settleInvoice(T0 + 10_000, lastSafeHeight + 1)).thenRejected("hold_set_near_auto_fail");
    expect(outcome.decision.rejection?.message).toContain("3 block(s) from lnd's auto-fail height 850045");
    expect(outcome.decision.rejection?.message).toContain("safety margin 3 blocks");
  });

  it("rejected: a larger configured margin refuses earlier", () => {
    const wide = validateMatcherConfig({ ...testConfig, holdSafetyMarginBlocks: 10 });
    given(...accepted()).when(settleInvoice(T0 + 10_000, HEIGHT + 35), wide).thenRejected("hold_set_near_auto_fail");
  });

  it("accepted: a part recorded before auto-fail heights were kept is not judged", () => {
    const old = accepted().map((event) => {
      if (event.type !== "HtlcAccepted") return event;
      const htlc: Record<string, unknown> = { ...event.data.htlc };
      delete htlc.autoFailHeight;
      return { ...event, data: { ...event.data, htlc: htlc as unknown as typeof event.data.htlc } };
    });
    expect(given(...old).when(settleInvoice(T0 + 10_000, HEIGHT + 50)).decision.events.map((e) => e.type)).toEqual(["InvoiceSettleRequested"]);
  });
});

describe("hold invoices: the matcher cancels an ACCEPTED set before lnd would auto-fail a part", () => {
  it("accepted (no cancel): the tick one block before the margin changes nothing", () => {
    given(...accepted()).when(tick(T0 + 20_000, lastSafeHeight)).thenNothingHappens();
  });

  it("rejected: at the margin, every part is failed and the invoice CANCELLED with reason auto_fail_height_near", () => {
    const height = lastSafeHeight + 1;
    const failure = (input: typeof a) => ({ kind: "incorrect_or_unknown_payment_details", htlcMsat: arrivalOf(input).outgoingAmountMsat, height }) as const;
    given(...accepted())
      .when(tick(T0 + 20_000, height))
      .then({
        events: [
          {
            type: "InvoiceCancelled",
            data: { paymentHash: PAYMENT_HASH, reason: "auto_fail_height_near", failedHtlcs: [{ key: a.data.key, failure: failure(a) }, { key: b.data.key, failure: failure(b) }], at: T0 + 20_000 },
          },
        ],
        commands: [failHtlc(a.data.key, PAYMENT_HASH, failure(a)), failHtlc(b.data.key, PAYMENT_HASH, failure(b))],
      });
  });

  it("whichever comes first: the CLTV bound cancels long before a long accept timeout", () => {
    const patient = validateMatcherConfig({ ...testConfig, acceptTimeoutMs: 7 * 24 * 3_600_000 });
    const outcome = given(...accepted()).when(tick(T0 + 60_000, HEIGHT + 44), patient);
    expect(outcome.decision.events.map((e) => (e.type === "InvoiceCancelled" ? e.data.reason : e.type))).toEqual(["auto_fail_height_near"]);
  });

  it("whichever comes first: the accept timeout still cancels when the parts' CLTV is far", () => {
    const outcome = given(...accepted()).when(tick(T0 + 2_000 + testConfig.acceptTimeoutMs + 1, HEIGHT));
    expect(outcome.decision.events.map((e) => (e.type === "InvoiceCancelled" ? e.data.reason : e.type))).toEqual(["accept_timeout"]);
  });

  it("an OPEN invoice's incomplete set is left to the MPP timeout (not cancelled by this rule)", () => {
    const history = run([{ type: "CreateInvoice", data: terms({ mode: "hold" }) }, a]);
    given(...history).when(tick(T0 + 3_000, HEIGHT + 44)).thenNothingHappens();
  });
});

describe("holdSafetyMarginBlocks is validated", () => {
  it("accepted: 3 and more", () => {
    expect(validateMatcherConfig({ holdSafetyMarginBlocks: 3 }).holdSafetyMarginBlocks).toBe(3);
    expect(validateMatcherConfig({ holdSafetyMarginBlocks: 12 }).holdSafetyMarginBlocks).toBe(12);
  });

  it("rejected: below 3, naming the field and the value", () => {
    expect(() => validateMatcherConfig({ holdSafetyMarginBlocks: 2 })).toThrow(MatcherConfigError);
    expect(() => validateMatcherConfig({ holdSafetyMarginBlocks: 2 })).toThrow(/holdSafetyMarginBlocks must be an integer in 3\.\.1000 .*got 2/);
  });
});
