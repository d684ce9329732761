// The matcher's application service: one input at a time per invoice, each decision written in
// ONE Postgres statement: the new state, the events journalled and every record to publish
// (events, commands) put in the outbox, together or not at all. Commands leave only after that
// statement commits, so a settle decision is durable before any SETTLE reaches lnd (rule 2).
// Optimistic concurrency instead of a row lock: the invoice is read without a lock, decided, and
// written only if its version is still the one read (saveDecision's guard); if another decision
// wrote it meanwhile, nothing is written and this one is decided again on the new state. Two round
// trips per decision (read, write), not four (begin, lock and read, write, commit).
import { randomUUID } from "node:crypto";
import type pg from "pg";
import { encode, type EncodedEvent } from "@ic/event-log";
import type { HtlcKey as DomainHtlcKey } from "../domain/index.ts";
import { decide, evolve, type Decision, type InvoiceState, type MatcherConfig, type MatcherInput } from "../domain/index.ts";
import { InvoiceChangedConcurrentlyError, loadInvoiceVersion, saveDecision, type OutboxRow } from "../postgres/invoice-store.ts";
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

export function createInvoiceProcessor(deps: {
  pool: pg.Pool;
  config: MatcherConfig;
  topics: MatcherTopics;
  now: () => number;
  /** Called after each commit that added outbox rows. */
  onOutboxWritten: () => void;
}): InvoiceProcessor {
  const { pool, config, topics } = deps;
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
    for (let attempt = 1; ; attempt++) {
      const { state, version } = await loadInvoiceVersion(client, paymentHash);
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
      try {
        // State, journal, outbox and the onion key in one statement, guarded by the version read.
        await saveDecision(client, writesInvoice ? { state: next, previousVersion: version, events: decision.events, atMs } : undefined, outbox, {
          paymentHash,
          expectVersion: version,
          ...(onionKey === undefined ? {} : { onion: onionKey }),
        });
      } catch (error) {
        // Decided on a state another decision replaced meanwhile: nothing was written; again.
        if (error instanceof InvoiceChangedConcurrentlyError && attempt < MAX_ATTEMPTS) continue;
        throw error;
      }
      if (outbox.length > 0) deps.onOutboxWritten();
      return { decision, state: next };
    }
  }
}

/** An already encoded record, stored as base64 in the outbox's jsonb. */
function encodedPayload(encoded: EncodedEvent): { value: string; headers: Record<string, string> } {
  return { value: encoded.value.toString("base64"), headers: encoded.headers };
}
