// One invoice's events from the log, put in sequence order, with what is wrong with the sequence.
import type { InvoiceEvent } from "../domain/index.ts";

export interface SequenceGap {
  readonly paymentHash: string;
  /** Sequence numbers in 1..max(sequence) with no event in the log. */
  readonly missing: readonly number[];
  /** Sequence numbers held by two different events (different eventIds). */
  readonly duplicated: readonly number[];
  /** Sequence numbers below 1, which the matcher never writes. */
  readonly invalid: readonly number[];
}

export interface LoggedEvent {
  readonly eventId: string;
  readonly sequence: number;
  readonly event: InvoiceEvent;
  /** When the matcher decided it (the record's atMs); the journal's at_ms. */
  readonly atMs: number;
}

// The outbox publisher may send a record twice (a crash between send and marking it published);
// both copies carry the same eventId, so one is dropped here. Two eventIds at one sequence mean
// two decisions claimed the same place in the stream: reported, and the first read is kept.
export function inSequence(paymentHash: string, logged: readonly LoggedEvent[]): { ordered: LoggedEvent[]; gap: SequenceGap | null } {
  const bySequence = new Map<number, LoggedEvent>();
  const duplicated = new Set<number>();
  for (const entry of logged) {
    const seen = bySequence.get(entry.sequence);
    if (seen === undefined) bySequence.set(entry.sequence, entry);
    else if (seen.eventId !== entry.eventId) duplicated.add(entry.sequence);
  }
  const ordered = [...bySequence.values()].sort((a, b) => a.sequence - b.sequence);
  const last = ordered.at(-1)?.sequence ?? 0;
  const missing: number[] = [];
  for (let sequence = 1; sequence <= last; sequence++) if (!bySequence.has(sequence)) missing.push(sequence);
  const invalid = ordered.filter((e) => e.sequence < 1).map((e) => e.sequence);
  const hasGap = missing.length > 0 || duplicated.size > 0 || invalid.length > 0;
  return { ordered, gap: hasGap ? { paymentHash, missing, duplicated: [...duplicated].sort((a, b) => a - b), invalid } : null };
}

