// Commands this bridge already carried out, by commandId, with the outcome it reported. A
// command delivered again (Kafka redelivers after a failed outcome publish or a consumer
// restart) is answered by repeating that outcome, never by a second resolution. Bounded: a
// redelivery comes soon after the first delivery, and an entry that fell out only turns a
// repeat into SKIPPED_NOT_HELD (the key is no longer held), which is still no resolution.
import type { HtlcOutcomeKind } from "@ic/event-log";

/** SETTLE_REFUSED_MISMATCH: a FAIL was sent in place of the SETTLE (command-decision.ts). */
export type AppliedOutcome = Extract<HtlcOutcomeKind, "SETTLE_SENT" | "FAIL_SENT" | "SETTLE_REFUSED_MISMATCH">;

export class AppliedCommands {
  private readonly outcomes = new Map<string, AppliedOutcome>();
  /** The reason reported with a refused SETTLE, so that a repeat reports it again. */
  private readonly reasons = new Map<string, string>();

  constructor(private readonly capacity = 100_000) {
    if (!(capacity >= 1)) throw new RangeError(`capacity must be at least 1, got ${capacity}`);
  }

  record(commandId: string, outcome: AppliedOutcome, reason: string | null = null): void {
    this.outcomes.delete(commandId);
    this.reasons.delete(commandId);
    this.outcomes.set(commandId, outcome);
    if (reason !== null) this.reasons.set(commandId, reason);
    if (this.outcomes.size > this.capacity) {
      const oldest = this.outcomes.keys().next().value;
      if (oldest !== undefined) {
        this.outcomes.delete(oldest);
        this.reasons.delete(oldest);
      }
    }
  }

  outcomeOf(commandId: string): AppliedOutcome | undefined {
    return this.outcomes.get(commandId);
  }

  /** The reason recorded with the outcome; null when there is none. */
  reasonOf(commandId: string): string | null {
    return this.reasons.get(commandId) ?? null;
  }

  get size(): number {
    return this.outcomes.size;
  }
}
