import type pg from "pg";
import type { Logger } from "pino";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { MatcherInput } from "../domain/index.ts";
import type { InvoiceProcessor, ProcessedInput } from "./invoice-processor.ts";
import { startTicker } from "./ticker.ts";

const HASHES = ["aa".repeat(32), "bb".repeat(32), "cc".repeat(32)];

/** Answers the ticker's two queries: bridge heartbeats and the invoices due. */
const pool = {
  query: async (sql: string) => {
    if (sql.includes("bridge_heartbeats")) {
      return {
        rows: [
          { node_id: "n1", last_seen_ms: "1", block_height: 800 },
          { node_id: "n2", last_seen_ms: "1", block_height: 801 },
        ],
      };
    }
    return { rows: HASHES.map((payment_hash) => ({ payment_hash })) };
  },
} as unknown as pg.Pool;

const logger = { info: vi.fn(), error: vi.fn() } as unknown as Logger & { info: ReturnType<typeof vi.fn>; error: ReturnType<typeof vi.fn> };

beforeEach(() => vi.useFakeTimers());
afterEach(() => {
  vi.useRealTimers();
  vi.clearAllMocks();
});

describe("ticker", () => {
  it("ticks every due invoice with the highest bridge block height", async () => {
    const inputs: MatcherInput[] = [];
    const processor: InvoiceProcessor = {
      process: async (_hash, input) => {
        inputs.push(input);
        return { decision: { events: [], commands: [], rejection: null }, state: {} } as unknown as ProcessedInput;
      },
    };
    const ticker = startTicker({ pool, processor, now: () => 5_000, intervalMs: 100, logger });
    await vi.advanceTimersByTimeAsync(100);
    await ticker.stop();
    expect(inputs).toEqual(HASHES.map((paymentHash) => ({ type: "Tick", data: { paymentHash, now: 5_000, blockHeight: 801 } })));
  });

  it("reports each finished round with the height it decided with, after every due invoice was ticked", async () => {
    let ticked = 0;
    const rounds: { height: number; tickedBefore: number }[] = [];
    const processor: InvoiceProcessor = {
      process: async () => {
        ticked++;
        return { decision: { events: [], commands: [], rejection: null }, state: {} } as unknown as ProcessedInput;
      },
    };
    const ticker = startTicker({ pool, processor, now: () => 5_000, intervalMs: 100, logger, onRound: (height) => rounds.push({ height, tickedBefore: ticked }) });
    await vi.advanceTimersByTimeAsync(100);
    await ticker.stop();
    expect(rounds).toEqual([{ height: 801, tickedBefore: HASHES.length }]);
  });

  it("an invoice whose tick fails does not stop the ticks of the others", async () => {
    const ticked: string[] = [];
    const processor: InvoiceProcessor = {
      process: async (hash) => {
        if (hash === HASHES[0]) throw new Error("invoice aaaa changed concurrently");
        ticked.push(hash);
        return { decision: { events: [], commands: [], rejection: null }, state: {} } as unknown as ProcessedInput;
      },
    };
    const ticker = startTicker({ pool, processor, now: () => 5_000, intervalMs: 100, logger });
    await vi.advanceTimersByTimeAsync(100);
    await ticker.stop();
    expect(ticked).toEqual([HASHES[1], HASHES[2]]);
    expect(logger.error).toHaveBeenCalledWith({ paymentHash: HASHES[0], err: "invoice aaaa changed concurrently" }, "tick of an invoice failed");
  });

  it("stop() waits for the tick in progress and ends the timer", async () => {
    let release!: () => void;
    const calls: string[] = [];
    const processor: InvoiceProcessor = {
      process: async (hash) => {
        calls.push(hash);
        await new Promise<void>((resolve) => (release = resolve));
        return { decision: { events: [], commands: [], rejection: null }, state: {} } as unknown as ProcessedInput;
      },
    };
    const ticker = startTicker({ pool, processor, now: () => 5_000, intervalMs: 100, logger });
    await vi.advanceTimersByTimeAsync(100);
    let stopped = false;
    const stopping = ticker.stop().then(() => (stopped = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(stopped).toBe(false);
    for (let i = 0; i < HASHES.length; i++) {
      release();
      await vi.advanceTimersByTimeAsync(0);
    }
    await stopping;
    await vi.advanceTimersByTimeAsync(1_000);
    expect(calls).toEqual(HASHES);
  });
});
