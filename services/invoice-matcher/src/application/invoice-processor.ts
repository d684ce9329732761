// The matcher's application service: one input at a time per invoice, each decision written in
// ONE Postgres statement: the new state, the events journalled and every record to publish
// (events, commands) put in the outbox, together or not at all. Commands leave only after that
// statement commits, so a settle decision is durable before any SETTLE reaches lnd (rule 2).
// Optimistic concurrency instead of a row lock: the invoice is read without a lock, decided, and
// written only if its version is still the one read (saveDecision's guard); if another decision
// wrote it meanwhile, nothing is written and this one is decided again on the new state. Two round
// trips per decision (read, write), not four (begin, lock and read, write, commit).
// The read is skipped when this process holds the invoice's state from its own last read or write
// (RecentStates): the write is guarded by that state's version all the same, so a state another
// process (a second matcher) has moved on from is refused by the guard, forgotten, and the input
// decided again on a fresh read. A decision from a remembered state that would write nothing has
// no guard to meet, so it is decided again on a fresh read before anything is answered.
import { randomUUID } from "node:crypto";
import type pg from "pg";
import { encode, type EncodedEvent } from "@ic/event-log";
import type { HtlcKey as DomainHtlcKey } from "../domain/index.ts";
import { decide, evolve, type Decision, type InvoiceState, type MatcherConfig, type MatcherInput } from "../domain/index.ts";
import { InvoiceChangedConcurrentlyError, loadInvoiceVersion, saveDecision, type LoadedInvoice, type OutboxRow } from "../postgres/invoice-store.ts";
import { outboxCommandToJson, serializeEvent } from "../serialization/index.ts";
import { toPublicInvoiceEvent } from "./public-invoice-events.ts";
import type { MatcherTopics } from "./matcher-topics.ts";

export interface ProcessedInput {
  decision: Decision;
  state: InvoiceState;
}

export interface OnionKeyNote {
  key: DomainHtlcKey;
  ephemeralPubkey: Uint8Array;
}

export interface InvoiceProcessor {
  process(paymentHash: string, input: MatcherInput, onionKey?: OnionKeyNote): Promise<ProcessedInput>;
}

/**
 * Decisions of one invoice racing each other retry this often before the error goes to the caller
 * (the consumer then delivers the record again). Each retry means another decision was written.
 */
const MAX_ATTEMPTS = 8;

/** How many invoices' states a processor remembers (the least recently used go first). */
export const RECENT_STATES = 4096;

/**
 * The states of the invoices this process last read or wrote, with their versions. A remembered
 * state is a claim, not a fact: it is only ever written over under its version's guard. A slower
 * answer never replaces a newer version (versions only rise), and a state is forgotten on any
 * failed write.
 */
export class RecentStates {
  private readonly states = new Map<string, LoadedInvoice>();

  constructor(private readonly capacity: number = RECENT_STATES) {}

  get(paymentHash: string): LoadedInvoice | undefined {
    const known = this.states.get(paymentHash);
    if (known !== undefined) {
      this.states.delete(paymentHash);
      this.states.set(paymentHash, known);
    }
    return known;
  }

  note(paymentHash: string, loaded: LoadedInvoice): void {
    // No row yet (version 0): nothing to remember; the first write inserts it.
    if (loaded.version === 0) return;
    const known = this.states.get(paymentHash);
    if (known !== undefined && known.version > loaded.version) return;
    this.states.delete(paymentHash);
    this.states.set(paymentHash, loaded);
    if (this.states.size > this.capacity) {
      const oldest = this.states.keys().next();
      if (oldest.done !== true) this.states.delete(oldest.value);
    }
  }

  forget(paymentHash: string): void {
    this.states.delete(paymentHash);
  }

  get size(): number {
    return this.states.size;
  }
}

export function createInvoiceProcessor(deps: {
  pool: pg.Pool;
  config: MatcherConfig;
  topics: MatcherTopics;
  now: () => number;
  /** Called after each commit that added outbox rows. */
  onOutboxWritten: () => void;
  /** The remembered states (tests pass their own to look at it); one per processor otherwise. */
  recentStates?: RecentStates;
}): InvoiceProcessor {
  const { pool, config, topics } = deps;
  const recent = deps.recentStates ?? new RecentStates();
  return {
    async process(paymentHash, input, onionKey) {
      // One pooled connection for the attempts (no transaction is opened on it): pool.query would
      // close the connection on the conflict's error, and a new one costs Postgres a backend.
      const client = await pool.connect();
      try {
        return await decideAndWrite(client, paymentHash, input, onionKey);
      } finally {
        client.release();
      }
    },
  };

  async function decideAndWrite(client: pg.PoolClient, paymentHash: string, input: MatcherInput, onionKey: OnionKeyNote | undefined): Promise<ProcessedInput> {
    let remembered = recent.get(paymentHash);
    for (let attempt = 1; ; attempt++) {
      const { state, version } = remembered ?? (await loadInvoiceVersion(client, paymentHash));
      const decision = decide(state, input, config);
      const next = decision.events.reduce(evolve, state);
      const atMs = deps.now();
      const outbox: Omit<OutboxRow, "id">[] = [];
      // An HTLC for a hash we never issued leaves no invoice row: the answer (fail) is the
      // same on every replay without storing anything.
      const writesInvoice = decision.events.length > 0 && next.invoice !== null;
      if (writesInvoice) {
        for (const [i, event] of decision.events.entries()) {
          const sequence = version + i + 1;
          const eventId = randomUUID();
          const matcherEvent = encode("matcher-event", {
            eventId,
            paymentHash,
            type: event.type,
            sequence,
            payloadJson: serializeEvent(event),
            atMs,
          });
          outbox.push({ topic: topics.matcherEvents, recordKey: paymentHash, kind: "encoded", payload: encodedPayload(matcherEvent) });
          const publicEvent = toPublicInvoiceEvent(event, next, sequence, eventId, atMs);
          if (publicEvent) {
            const encoded = encode("invoice-event", publicEvent);
            outbox.push({ topic: topics.invoiceEvents, recordKey: paymentHash, kind: "encoded", payload: encodedPayload(encoded) });
          }
        }
      }
      const paymentSecret = next.invoice?.terms.paymentSecret ?? null;
      for (const command of decision.commands) {
        outbox.push({
          topic: topics.htlcCommands(command.data.key.nodeId),
          recordKey: command.data.key.nodeId,
          kind: "htlc-command",
          payload: outboxCommandToJson({ commandId: randomUUID(), command, paymentSecret }),
        });
      }
      if (remembered !== undefined && !writesInvoice && outbox.length === 0 && onionKey === undefined) {
        // Nothing to write, so no guard would check the remembered state: decide on a read.
        remembered = undefined;
        continue;
      }
      try {
        // State, journal, outbox and the onion key in one statement, guarded by the version read.
        await saveDecision(client, writesInvoice ? { state: next, previousVersion: version, events: decision.events, atMs } : undefined, outbox, {
          paymentHash,
          expectVersion: version,
          ...(onionKey === undefined ? {} : { onion: onionKey }),
        });
      } catch (error) {
        // A write that failed may or may not have committed: what is remembered is no longer known.
        recent.forget(paymentHash);
        remembered = undefined;
        // Decided on a state another decision replaced meanwhile: nothing was written; again.
        if (error instanceof InvoiceChangedConcurrentlyError && attempt < MAX_ATTEMPTS) continue;
        throw error;
      }
      recent.note(paymentHash, writesInvoice ? { state: next, version: version + decision.events.length } : { state, version });
      if (outbox.length > 0) deps.onOutboxWritten();
      return { decision, state: next };
    }
  }
}

/** An already encoded record, stored as base64 in the outbox's jsonb. */
function encodedPayload(encoded: EncodedEvent): { value: string; headers: Record<string, string> } {
  return { value: encoded.value.toString("base64"), headers: encoded.headers };
}
