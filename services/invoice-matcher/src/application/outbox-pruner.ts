// Keeps the outbox from growing without bound: published rows older than the retention are
// deleted, once at start and then every interval. Their records are in Kafka for good (topics
// keep data forever) and the decisions in invoice_event_journal; nothing reads a published row.
import type pg from "pg";
import type { Logger } from "pino";
import { prunePublishedOutbox } from "../postgres/invoice-store.ts";

export function startOutboxPruner(deps: {
  pool: pg.Pool;
  retentionHours: number;
  logger: Logger;
  /** How often to prune (default hourly). */
  intervalMs?: number;
}): { stop(): Promise<void> } {
  let running: Promise<void> | null = null;
  const prune = (): void => {
    if (running) return;
    running = prunePublishedOutbox(deps.pool, deps.retentionHours)
      .then((deleted) => {
        if (deleted > 0) deps.logger.info({ deleted, retentionHours: deps.retentionHours }, "pruned published outbox rows");
      })
      .catch((error: unknown) => deps.logger.error({ err: error instanceof Error ? error.message : String(error) }, "outbox pruning failed"))
      .finally(() => (running = null));
  };
  prune();
  const timer = setInterval(prune, deps.intervalMs ?? 3_600_000);
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
