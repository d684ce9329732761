// The matcher's application service: one input at a time per invoice, in one Postgres
// transaction: lock the invoice row, decide, persist the new state, journal the events and put
// every record to publish (events, commands) in the outbox. Commands leave only after this
// transaction commits, so a settle decision is durable before any SETTLE reaches lnd (rule 2).
import { randomUUID } from "node:crypto";
import type pg from "pg";
import { encode, type EncodedEvent } from "@ic/event-log";
import type { HtlcKey as DomainHtlcKey } from "../domain/index.ts";
import { decide, evolve, type Decision, type InvoiceState, type MatcherConfig, type MatcherInput } from "../domain/index.ts";
import { loadInvoiceForUpdate, saveDecision, type OutboxRow } from "../postgres/invoice-store.ts";
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
      const client = await pool.connect();
      try {
        await client.query("begin");
        // The onion key is noted in the same statement that locks the row (one round trip).
        const { state, version } = await loadInvoiceForUpdate(client, paymentHash, onionKey);
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
        // State, journal and outbox in one statement: begin, lock, write, commit.
        await saveDecision(client, writesInvoice ? { state: next, previousVersion: version, events: decision.events, atMs } : undefined, outbox);
        await client.query("commit");
        if (outbox.length > 0) deps.onOutboxWritten();
        return { decision, state: next };
      } catch (error) {
        await client.query("rollback").catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
  };
}

/** An already encoded record, stored as base64 in the outbox's jsonb. */
function encodedPayload(encoded: EncodedEvent): { value: string; headers: Record<string, string> } {
  return { value: encoded.value.toString("base64"), headers: encoded.headers };
}
