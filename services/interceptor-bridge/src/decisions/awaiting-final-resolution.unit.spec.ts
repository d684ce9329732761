import { describe, expect, it } from "vitest";
import { AwaitingFinalResolution } from "./awaiting-final-resolution.ts";
import { HeldHtlcs } from "./held-htlcs.ts";
import { reconnectDelayMs } from "./reconnect-delay.ts";

const NODE_ID = "02" + "11".repeat(32);
const KEY = { chanId: 2n ** 62n + 1n, htlcId: 0n };
const HASH = "ab".repeat(32);

describe("final resolution watch", () => {
  it("turns lnd's final word on a watched key into one FINAL outcome with the answering command", () => {
    const watch = new AwaitingFinalResolution();
    watch.watch({ circuitKey: KEY, paymentHash: HASH, commandId: null });
    watch.watch({ circuitKey: KEY, paymentHash: HASH, commandId: "cmd-9" });
    expect(watch.resolve(KEY, true, NODE_ID, 42)).toEqual({
      nodeId: NODE_ID,
      circuitKey: KEY,
      paymentHash: HASH,
      kind: "FINAL_SETTLED",
      commandId: "cmd-9",
      reason: null,
      atMs: 42,
    });
    // Reported once: a repeated event for the key finds nothing to report.
    expect(watch.resolve(KEY, true, NODE_ID, 43)).toBeUndefined();
    expect(watch.size).toBe(0);
  });

  it("reports a held key that lnd failed by itself as FINAL_FAILED without a command", () => {
    const watch = new AwaitingFinalResolution();
    watch.watch({ circuitKey: KEY, paymentHash: HASH, commandId: null });
    expect(watch.resolve(KEY, false, NODE_ID, 1)).toMatchObject({ kind: "FINAL_FAILED", commandId: null });
  });

  it("keeps the answering command when the key is offered (and watched) again", () => {
    const watch = new AwaitingFinalResolution();
    watch.watch({ circuitKey: KEY, paymentHash: HASH, commandId: "cmd-1" });
    watch.watch({ circuitKey: KEY, paymentHash: HASH, commandId: null });
    expect(watch.get(KEY)?.commandId).toBe("cmd-1");
  });

  it("ignores final events of keys it does not watch (other forwards)", () => {
    const watch = new AwaitingFinalResolution();
    expect(watch.resolve({ chanId: 5n, htlcId: 1n }, true, NODE_ID, 1)).toBeUndefined();
  });

  it("tells circuit keys apart by both halves", () => {
    const watch = new AwaitingFinalResolution();
    watch.watch({ circuitKey: { chanId: 1n, htlcId: 23n }, paymentHash: HASH, commandId: null });
    expect(watch.get({ chanId: 12n, htlcId: 3n })).toBeUndefined();
    expect(watch.entries()).toHaveLength(1);
  });
});

describe("held HTLCs of a session", () => {
  it("releases a key once", () => {
    const held = new HeldHtlcs();
    held.hold({ circuitKey: KEY, paymentHash: HASH, incomingAmountMsat: 1_000n, incomingExpiry: 40, autoFailHeight: 10, interceptedAtMs: 0 });
    expect(held.get({ chanId: KEY.chanId, htlcId: KEY.htlcId })?.paymentHash).toBe(HASH);
    expect(held.release(KEY)?.paymentHash).toBe(HASH);
    expect(held.release(KEY)).toBeUndefined();
    expect(held.size).toBe(0);
  });
});

describe("reconnect delay", () => {
  it("doubles from the initial delay and stays at the cap", () => {
    const policy = { initialDelayMs: 100, maxDelayMs: 5000 };
    expect([0, 1, 2, 3, 4, 5, 6, 60].map((attempt) => reconnectDelayMs(attempt, policy))).toEqual([
      100, 200, 400, 800, 1600, 3200, 5000, 5000,
    ]);
  });
});
