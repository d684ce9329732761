import { describe, expect, it } from "vitest";
import { rebuildState } from "../domain/index.ts";
import { run } from "../domain/testing/decider-specification.ts";
import { NODE_A, NODE_B, T0, arrival, htlcFinal, htlcKey, terms, everyShapeInputs } from "../domain/testing/fixtures.ts";
import { deserializeState, InvoiceStateFormatError, serializeState } from "./state-json.ts";

// A state touching every shape: amount-less terms, accepted and rejected HTLCs, an onion failure
// holding a bigint, an MPP timeout, a cancellation, lnd final reports, scids above 2^53.
const richState = () => rebuildState(run(everyShapeInputs()));

describe("state serialization for the Postgres projection", () => {
  it("round-trips a state through JSON text without loss, uint64 values included", () => {
    const state = richState();
    const text = JSON.stringify(serializeState(state));
    expect(deserializeState(JSON.parse(text))).toEqual(state);
    expect(text).toContain(`"chanId":"${(840_000n << 40n) | 0x2a0001n}"`);
    expect(text).toContain('{"$bigint":"9223372036854775808"}');
    expect(state.invoice?.status).toBe("CANCELLED");
  });

  it("round-trips a SETTLE_FAILED state, and still loads a SETTLE_REQUESTED one written before that status existed", () => {
    const settleFailed = rebuildState(
      run([
        { type: "CreateInvoice", data: terms({ amountMsat: 1_000n }) },
        arrival({ key: htlcKey(NODE_A, 1n), amtMsat: 600n, totalMsat: 1_000n, now: T0 + 1_000 }),
        arrival({ key: htlcKey(NODE_B, 2n), amtMsat: 400n, totalMsat: 1_000n, now: T0 + 2_000 }),
        htlcFinal(htlcKey(NODE_A, 1n), true),
        htlcFinal(htlcKey(NODE_B, 2n), false),
      ]),
    );
    expect(settleFailed.invoice?.status).toBe("SETTLE_FAILED");
    const text = JSON.stringify(serializeState(settleFailed));
    expect(deserializeState(JSON.parse(text))).toEqual(settleFailed);
    // The previous version stopped here: both parts final, the invoice still SETTLE_REQUESTED.
    const old = JSON.parse(text.replace('"SETTLE_FAILED"', '"SETTLE_REQUESTED"')) as unknown;
    expect(deserializeState(old).invoice?.status).toBe("SETTLE_REQUESTED");
  });

  it("round-trips the initial state", () => {
    const initial = rebuildState([]);
    expect(deserializeState(JSON.parse(JSON.stringify(serializeState(initial))))).toEqual(initial);
  });

  it("refuses a row with a wrong field, naming the field", () => {
    const good = serializeState(richState());
    const mutate = (change: (copy: ReturnType<typeof serializeState>) => void) => {
      const copy = JSON.parse(JSON.stringify(good)) as ReturnType<typeof serializeState>;
      change(copy);
      return () => deserializeState(copy);
    };
    expect(mutate((c) => Object.assign(c, { version: 2 }))).toThrow(/state.version/);
    expect(mutate((c) => Object.assign(c.htlcs[0]!.key, { chanId: 5 }))).toThrow(/state.htlcs\[0\].key.chanId: expected a decimal uint64 string/);
    expect(mutate((c) => Object.assign(c.htlcs[0]!, { incomingAmountMsat: "18446744073709551616" }))).toThrow(/incomingAmountMsat/);
    expect(mutate((c) => Object.assign(c.htlcs[0]!, { status: "LOST" }))).toThrow(/state.htlcs\[0\].status/);
    expect(mutate((c) => Object.assign(c.invoice!, { status: "PAID" }))).toThrow(/state.invoice.status/);
    expect(mutate((c) => Object.assign(c.invoice!.terms, { amountMsat: "-1" }))).toThrow(/amountMsat/);
    expect(mutate((c) => Object.assign(c.htlcs[1]!.failure!, { kind: "something_else" }))).toThrow(/failure.kind/);
    expect(mutate((c) => Object.assign(c, { paymentHash: "00".repeat(32) }))).toThrow(/state.paymentHash/);
    expect(mutate((c) => c.htlcs.push(c.htlcs[0]!))).toThrow(/a key not already listed/);
    expect(mutate((c) => Object.assign(c.invoice!, { settledSet: ["nobody:1:1"] }))).toThrow(/settledSet/);
    expect(() => deserializeState("not an object")).toThrow(InvoiceStateFormatError);
  });
});

describe("state serialization of the onion key and auto-fail height of each HTLC", () => {
  it("writes and reads them back", () => {
    const state = richState();
    const text = JSON.stringify(serializeState(state));
    expect(text).toContain('"onionEphemeralKey":"02e7');
    expect(text).toContain('"autoFailHeight":');
    expect(deserializeState(JSON.parse(text))).toStrictEqual(state);
  });

  it("loads a state stored before they were kept: the HTLCs have no such fields", () => {
    const old = serializeState(richState());
    for (const htlc of old.htlcs) {
      delete htlc.onionEphemeralKey;
      delete htlc.autoFailHeight;
    }
    const state = deserializeState(JSON.parse(JSON.stringify(old)));
    for (const htlc of state.htlcs.values()) expect("onionEphemeralKey" in htlc || "autoFailHeight" in htlc).toBe(false);
    expect(serializeState(state)).toEqual(old);
  });

  it("refuses an onion key that is not a compressed public key, naming the field", () => {
    const bad = serializeState(richState());
    Object.assign(bad.htlcs[0]!, { onionEphemeralKey: "00" });
    expect(() => deserializeState(bad)).toThrow(/state.htlcs\[0\].onionEphemeralKey: expected a 33-byte compressed public key/);
  });
});
