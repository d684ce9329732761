import type pg from "pg";
import pino from "pino";
import { describe, expect, it } from "vitest";
import type { ConsumedRecord, HtlcIntercepted } from "@ic/event-log";
import { sampleEvents } from "@ic/event-log/testing";
import { createCoordinatorIdentity } from "../application/coordinator-identity.ts";
import type { InvoiceProcessor } from "../application/invoice-processor.ts";
import { initialState } from "../domain/index.ts";
import { createMatcherMetrics } from "../metrics.ts";
import { createInputHandlers } from "./input-handlers.ts";

// The HTLC handler's order: nothing that can fail may follow the decision's commit. A handler
// that throws after it gets its record delivered again, and the redelivery is decided as a replay
// (a part of a set settled meanwhile gets a second SETTLE). So the node's height is written before
// the decision, and a failed write leaves nothing decided.
const ALPHA = "02" + "aa".repeat(32);
const identity = createCoordinatorIdentity("11".repeat(32), "22".repeat(32));
const record: ConsumedRecord = { topic: "t", partition: 0, offset: "0", key: null, value: null, headers: {}, timestamp: "1" };
const htlcAt = (blockHeight: number, htlcId: bigint): HtlcIntercepted => {
  const sample = sampleEvents()["htlc-intercepted"];
  return { ...sample, nodeId: ALPHA, blockHeight, circuitKey: { ...sample.circuitKey, htlcId } };
};

function setUp() {
  const steps: string[] = [];
  let failWrites = false;
  const pool = {
    async query(sql: string, params: unknown[]) {
      if (!sql.includes("bridge_heartbeats")) throw new Error(`unexpected statement: ${sql}`);
      if (failWrites) {
        steps.push("height write failed");
        throw new Error("Connection terminated unexpectedly");
      }
      steps.push(`height ${String(params[2])}`);
      return { rows: [], rowCount: 1 };
    },
  } as unknown as pg.Pool;
  const processor: InvoiceProcessor = {
    async process(_paymentHash, input) {
      steps.push(`decide ${input.type === "HtlcArrived" ? String(input.data.key.htlcId) : input.type}`);
      return { decision: { events: [], commands: [], rejection: null }, state: initialState() };
    },
  };
  const handlers = createInputHandlers({ pool, processor, identity, now: () => 1_000, logger: pino({ level: "silent" }), metrics: createMatcherMetrics() });
  return { handlers, steps, failWrites: (fail: boolean) => (failWrites = fail) };
}

describe("the matcher's HTLC handler", () => {
  it("a height write that fails fails the record before anything is decided (its redelivery is a first decision, not a replay)", async () => {
    const { handlers, steps, failWrites } = setUp();
    failWrites(true);
    await expect(handlers.htlc(htlcAt(500, 1n), record)).rejects.toThrow("Connection terminated unexpectedly");
    expect(steps).toEqual(["height write failed"]);
    // The redelivery writes the height (still not written) and decides.
    failWrites(false);
    await handlers.htlc(htlcAt(500, 1n), record);
    expect(steps).toEqual(["height write failed", "height 500", "decide 1"]);
  });

  it("writes the node's height before the decision, only when it rises", async () => {
    const { handlers, steps } = setUp();
    await handlers.htlc(htlcAt(500, 1n), record);
    await handlers.htlc(htlcAt(500, 2n), record);
    await handlers.htlc(htlcAt(499, 3n), record);
    await handlers.htlc(htlcAt(501, 4n), record);
    expect(steps).toEqual(["height 500", "decide 1", "decide 2", "decide 3", "height 501", "decide 4"]);
  });
});
