import { describe, expect, it } from "vitest";
import { traceHtlcs } from "./htlc-trace.ts";

const hash = "ab".repeat(32);
const line = (o: Record<string, unknown>): string => JSON.stringify(o);

describe("traceHtlcs", () => {
  it("splits one settled HTLC's time into its hops, from the matcher's and the bridge's log lines", () => {
    const matcher = [
      line({ level: 30, time: 1_000_020, msg: "htlc decided", paymentHash: hash, circuitKey: "5:1", commands: ["SettleHtlc"], interceptedAtMs: 1_000_000, producedAtMs: 1_000_002, receivedAtMs: 1_000_010, committedAtMs: 1_000_018 }),
      line({ level: 30, time: 1_000_025, msg: "htlc command published", paymentHash: hash, circuitKey: "5:1", action: "SETTLE" }),
      "not json",
    ].join("\n");
    // The bridge logs ISO times.
    const bridge = line({ level: 30, time: new Date(1_000_031).toISOString(), msg: "SETTLE sent to lnd", paymentHash: hash, circuitKey: "5:1" });
    expect(traceHtlcs(matcher, [bridge], new Set([hash]))).toEqual([
      { paymentHash: hash, circuitKey: "5:1", bridgeMs: 2, toMatcherMs: 8, decideMs: 8, outboxMs: 7, toBridgeMs: 6, totalMs: 31, interceptedAtMs: 1_000_000, settleSentAtMs: 1_000_031 },
    ]);
  });

  it("leaves out HTLCs of other payments, HTLCs not settled, and HTLCs missing a line", () => {
    const other = "cd".repeat(32);
    const matcher = [
      line({ time: 10, msg: "htlc decided", paymentHash: other, circuitKey: "5:1", commands: ["SettleHtlc"], interceptedAtMs: 1, producedAtMs: 2, receivedAtMs: 3, committedAtMs: 4 }),
      line({ time: 10, msg: "htlc decided", paymentHash: hash, circuitKey: "5:2", commands: ["FailHtlc"], interceptedAtMs: 1, producedAtMs: 2, receivedAtMs: 3, committedAtMs: 4 }),
      line({ time: 10, msg: "htlc decided", paymentHash: hash, circuitKey: "5:3", commands: ["SettleHtlc"], interceptedAtMs: 1, producedAtMs: 2, receivedAtMs: 3, committedAtMs: 4 }),
      line({ time: 12, msg: "htlc command published", paymentHash: hash, circuitKey: "5:3", action: "SETTLE" }),
    ].join("\n");
    expect(traceHtlcs(matcher, [""], new Set([hash]))).toEqual([]);
  });
});
