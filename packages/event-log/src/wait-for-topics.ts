// Services never create topics (the provisioning CLI does, with the ACLs). At start they wait
// until every topic they use exists with a leader for each partition, with backoff and one log
// line per attempt that says what is missing and who provisions it, instead of exiting. This
// also rides out a just-created topic whose partitions are not served yet ("This server does not
// host this topic-partition"). Before provisioning, a topic without an ACL for the principal is
// reported by Kafka as not authorized rather than unknown: both mean "wait". A wrong password
// is not waited out: it is thrown at once.
import type { Admin } from "kafkajs";
import type { EventLogLogger } from "./kafka-logger.ts";

export interface WaitForTopicsOptions {
  readonly logger: EventLogLogger;
  /** Who creates the topics, for the log line (e.g. "the provisioning CLI, run by infra/stack up"). */
  readonly provisionedBy?: string;
  readonly initialDelayMs?: number;
  readonly maxDelayMs?: number;
  readonly signal?: AbortSignal;
  /** Told which topics are still missing on each attempt (for a readiness probe). */
  readonly onWaiting?: (missing: string) => void;
}

export const PROVISIONED_BY = "packages/event-log/src/provisioning/main.ts (infra/stack up runs it for the embedded stack)";

/** The topics that are not ready yet, with why; empty when all are. */
export async function missingTopics(admin: Admin, topics: readonly string[]): Promise<{ topic: string; reason: string }[]> {
  const missing: { topic: string; reason: string }[] = [];
  // One metadata request per topic: an unknown or unauthorized topic fails the whole request.
  for (const topic of topics) {
    try {
      const { topics: found } = await admin.fetchTopicMetadata({ topics: [topic] });
      const metadata = found.find((t) => t.name === topic);
      if (metadata === undefined || metadata.partitions.length === 0) missing.push({ topic, reason: "no partitions yet" });
      else if (metadata.partitions.some((p) => p.leader < 0)) missing.push({ topic, reason: "a partition has no leader yet" });
    } catch (error) {
      if (isAuthenticationError(error)) throw error;
      missing.push({ topic, reason: (error as Error).message });
    }
  }
  return missing;
}

export async function waitForTopics(admin: Admin, topics: readonly string[], options: WaitForTopicsOptions): Promise<void> {
  const initial = options.initialDelayMs ?? 250;
  const max = options.maxDelayMs ?? 5_000;
  let delay = initial;
  for (;;) {
    const missing = await missingTopics(admin, topics);
    if (missing.length === 0) return;
    options.onWaiting?.(missing.map((m) => m.topic).join(", "));
    for (const { topic, reason } of missing) {
      options.logger.warn(
        { topic, reason, retryInMs: delay },
        `waiting for topic ${topic}: provisioned by ${options.provisionedBy ?? PROVISIONED_BY}`,
      );
    }
    await sleep(delay, options.signal);
    delay = Math.min(max, delay * 2);
  }
}

function isAuthenticationError(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  return name === "KafkaJSSASLAuthenticationError";
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new Error("waiting for topics was cancelled"));
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new Error("waiting for topics was cancelled"));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
