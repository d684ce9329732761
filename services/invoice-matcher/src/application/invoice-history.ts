// The invoice as it was right after one of its events, for SubscribeInvoices: a subscriber, or an
// auditor replaying the stream, sees CREATED with status OPEN, then each later event with the
// status and amounts of that moment, never today's invoice repeated.
//
// Rebuilt from the journal rather than stored with each row. The journal already holds every
// event of an invoice from sequence 1 (saveInvoice writes the events whose fold is the stored
// state, in the same transaction), so folding its rows with the domain's evolve from initialState
// gives the state after any of them, for rows written before this existed too. A snapshot per
// row would write the whole state (every HTLC ever seen, rejected ones included) on every event,
// inside the transaction that holds the journal lock every decision queues on, and would need a
// migration plus this fold anyway for the old rows. The cost here is reads on the subscription
// path only: each subscription keeps the last state it folded per invoice, so a stream in
// global order reads each journal row about once more, and a resumed stream reads an invoice's
// earlier rows once when it first meets it.
import { evolve, initialState, type InvoiceState } from "../domain/index.ts";
import { eventFromJson } from "../serialization/index.ts";
import type { JournalEvent } from "../postgres/invoice-store.ts";

/** The rows of one invoice with afterSequence < sequence <= uptoSequence, in order. */
export type ReadInvoiceJournal = (paymentHash: string, afterSequence: number, uptoSequence: number) => Promise<JournalEvent[]>;

/** The journal row of an event cannot be read back as that event: its history cannot be shown. */
export class InvoiceHistoryError extends Error {
  override readonly name = "InvoiceHistoryError";
}

export interface InvoiceHistory {
  /** The invoice's state right after its event number `sequence`. */
  stateAt(paymentHash: string, sequence: number): Promise<InvoiceState>;
}

/** One per subscription: remembers the last folded state of up to `capacity` invoices. */
export function createInvoiceHistory(read: ReadInvoiceJournal, capacity = 1_000): InvoiceHistory {
  const folded = new Map<string, { sequence: number; state: InvoiceState }>();
  return {
    async stateAt(paymentHash, sequence) {
      const known = folded.get(paymentHash);
      // A stream meets an invoice's events in order; anything else starts over from the beginning.
      const start = known !== undefined && known.sequence <= sequence ? known : { sequence: 0, state: initialState() };
      let state = start.state;
      let at = start.sequence;
      for (const row of await read(paymentHash, at, sequence)) {
        if (row.sequence !== at + 1) throw new InvoiceHistoryError(`invoice ${paymentHash}: journal sequence ${row.sequence} follows ${at}`);
        // The jsonb payload is the event's data with uint64 as decimal strings, which the event
        // log's reader takes (bigints inside an onion failure come back as strings: no view shows them).
        state = evolve(state, eventFromJson(row.eventType, row.payload));
        at = row.sequence;
      }
      if (at !== sequence) throw new InvoiceHistoryError(`invoice ${paymentHash}: journal ends at sequence ${at}, before ${sequence}`);
      folded.delete(paymentHash);
      folded.set(paymentHash, { sequence, state });
      // Forget the invoice met longest ago (Map keeps insertion order; a use re-inserts).
      if (folded.size > capacity) folded.delete(folded.keys().next().value!);
      return state;
    },
  };
}
