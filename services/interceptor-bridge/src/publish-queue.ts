// Records waiting for the event log, published oldest first and retried with backoff while
// Kafka is away. The bridge keeps its interceptor stream through a Kafka outage (routing through
// the node goes on: forwards not for the virtual scid never touch Kafka), so the coordinator's
// HTLCs and the outcome records wait here instead, in a bounded queue.
//
// One batch is in flight at a time: every waiting entry is handed to the publisher at once and
// in order (the serial producer puts them into one request, in that order), so a healthy queue
// adds no latency over publishing directly, and a failed batch goes back in front of what
// arrived meanwhile: order is kept. Entries the owner no longer wants (keep() false: their stream
// ended, lnd no longer holds the HTLC) are dropped before each batch and after a failed one.
import { abortableDelay } from "./abortable-delay.ts";
import { errorText } from "./error-text.ts";
import { reconnectDelayMs, type ReconnectPolicy } from "./decisions/reconnect-delay.ts";

/** Kafka as the bridge's publishes last saw it. */
export class KafkaHealth {
  /** Unix ms of the first failed publish of the current outage; undefined while publishes succeed. */
  unreachableSinceMs: number | undefined;
  lastError: string | undefined;

  constructor(private readonly now: () => number) {}

  get reachable(): boolean {
    return this.unreachableSinceMs === undefined;
  }

  /** true when this failure starts an outage. */
  failed(error: unknown): boolean {
    this.lastError = errorText(error);
    if (this.unreachableSinceMs !== undefined) return false;
    this.unreachableSinceMs = this.now();
    return true;
  }

  /** true when this success ends an outage. */
  succeeded(): boolean {
    const wasDown = this.unreachableSinceMs !== undefined;
    this.unreachableSinceMs = undefined;
    this.lastError = undefined;
    return wasDown;
  }

  /** For /readyz: "reachable", or "unreachable since <ISO time>: <last error>". */
  describe(): string {
    if (this.unreachableSinceMs === undefined) return "reachable";
    return `unreachable since ${new Date(this.unreachableSinceMs).toISOString()}: ${this.lastError ?? "unknown error"}`;
  }
}

export interface PublishQueueOptions<E> {
  /** Most entries waiting or in flight. */
  readonly limit: number;
  readonly policy: ReconnectPolicy;
  readonly signal: AbortSignal;
  readonly health: KafkaHealth;
  /** Resolves once the entry is durable in the log. */
  publish(entry: E): Promise<void>;
  /** false: drop the entry instead of publishing it (checked before each batch and after a failure). */
  keep(entry: E): boolean;
  /** The queue's size changed (for a gauge). */
  onSize(size: number): void;
  onPublished(entry: E): void;
  /** A batch failed: called once with the first error, the entries that failed and the delay before the retry. */
  onBatchFailed(error: unknown, failed: readonly E[], retryInMs: number): void;
}

export class PublishQueue<E> {
  private waiting: E[] = [];
  private inFlight = 0;
  private wake: (() => void) | undefined;

  constructor(private readonly options: PublishQueueOptions<E>) {}

  /** Entries waiting or in flight. */
  get size(): number {
    return this.waiting.length + this.inFlight;
  }

  get full(): boolean {
    return this.size >= this.options.limit;
  }

  /** Appends the entry; false (and nothing queued) when the queue is full. */
  offer(entry: E): boolean {
    if (this.full) return false;
    this.waiting.push(entry);
    this.sizeChanged();
    this.wake?.();
    return true;
  }

  /** Removes and returns the waiting entries (not those in flight) that match. */
  remove(match: (entry: E) => boolean): E[] {
    const removed = this.waiting.filter(match);
    if (removed.length > 0) {
      this.waiting = this.waiting.filter((entry) => !match(entry));
      this.sizeChanged();
    }
    return removed;
  }

  /** The waiting entries, oldest first (not those in flight). */
  waitingEntries(): readonly E[] {
    return this.waiting;
  }

  /** Publishes until the bridge stops; what is still waiting then stays unpublished (see the owner). */
  async run(): Promise<void> {
    const { options } = this;
    let attempt = 0;
    while (!options.signal.aborted) {
      this.dropUnwanted();
      if (this.waiting.length === 0) {
        await this.nextEntry();
        continue;
      }
      const batch = this.waiting;
      this.waiting = [];
      this.inFlight = batch.length;
      const results = await Promise.allSettled(batch.map((entry) => options.publish(entry)));
      this.inFlight = 0;
      const failed: E[] = [];
      let firstError: unknown;
      results.forEach((result, index) => {
        const entry = batch[index] as E;
        if (result.status === "fulfilled") {
          options.onPublished(entry);
        } else {
          failed.push(entry);
          firstError ??= result.reason;
        }
      });
      if (failed.length === 0) {
        options.health.succeeded();
        attempt = 0;
        this.sizeChanged();
        continue;
      }
      // In front of what was offered meanwhile: oldest first.
      this.waiting = [...failed, ...this.waiting];
      options.health.failed(firstError);
      this.dropUnwanted();
      this.sizeChanged();
      const delayMs = reconnectDelayMs(attempt++, options.policy);
      options.onBatchFailed(firstError, failed, delayMs);
      await abortableDelay(delayMs, options.signal);
    }
  }

  private dropUnwanted(): void {
    this.remove((entry) => !this.options.keep(entry));
  }

  private nextEntry(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.wake = undefined;
        this.options.signal.removeEventListener("abort", done);
        resolve();
      };
      this.wake = done;
      this.options.signal.addEventListener("abort", done, { once: true });
    });
  }

  private sizeChanged(): void {
    this.options.onSize(this.size);
  }
}
