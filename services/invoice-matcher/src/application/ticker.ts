// The matcher's clock: every interval, a Tick for each invoice whose timeouts or expiry may be due.
// The decider decides what is due; this loop only delivers time (STYLE.md §3).
import type pg from "pg";
import type { Logger } from "pino";
import { bridgeHeartbeats, invoicesDueForTick } from "../postgres/invoice-store.ts";
import type { InvoiceProcessor } from "./invoice-processor.ts";

export function startTicker(deps: {
  pool: pg.Pool;
  processor: InvoiceProcessor;
  now: () => number;
  intervalMs: number;
  logger: Logger;
  /** After each round: the block height it decided with (for the ic_matcher_tick_block_height gauge). */
  onRound?: (blockHeight: number) => void;
}): { stop(): Promise<void> } {
  let running: Promise<void> | null = null;
  async function tick(): Promise<void> {
    const now = deps.now();
    const heights = [...(await bridgeHeartbeats(deps.pool)).values()].map((h) => h.blockHeight);
    const blockHeight = Math.max(0, ...heights);
    for (const paymentHash of await invoicesDueForTick(deps.pool, now)) {
      // One invoice that cannot be decided must not hold back the timeouts of the others.
      try {
        const { decision } = await deps.processor.process(paymentHash, { type: "Tick", data: { paymentHash, now, blockHeight } });
        if (decision.events.length > 0) {
          deps.logger.info({ paymentHash, events: decision.events.map((e) => e.type) }, "timer decision");
        }
      } catch (error) {
        deps.logger.error({ paymentHash, err: error instanceof Error ? error.message : String(error) }, "tick of an invoice failed");
      }
    }
    deps.onRound?.(blockHeight);
  }
  const timer = setInterval(() => {
    if (running) return;
    running = tick()
      .catch((error: unknown) => deps.logger.error({ err: (error as Error).message }, "tick failed"))
      .finally(() => (running = null));
  }, deps.intervalMs);
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
