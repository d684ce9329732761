import { randomBytes } from "node:crypto";
import type pg from "pg";
import { describe, expect, it } from "vitest";
import { bytesToHex } from "@ic/lightning-protocol";
import { waitUntil } from "../../../../test/support/wait-until.ts";
import { rebuildState, serializeState } from "../domain/index.ts";
import { invoiceCreated, PAYMENT_HASH } from "../domain/testing/fixtures.ts";
import { createCoordinatorIdentity } from "./coordinator-identity.ts";
import type { InvoiceProcessor } from "./invoice-processor.ts";
import { createInvoiceService } from "./invoice-service-impl.ts";

interface JournalRow {
  global_seq: string;
  payment_hash: string;
  event_type: string;
  at_ms: string;
}

/** The journal and invoices tables, answering the service's queries as Postgres would. */
function fakePool(journal: JournalRow[]) {
  const journalCursors: string[] = [];
  const state = serializeState(rebuildState([invoiceCreated()]));
  const pool = {
    query: async (sql: string, params: unknown[]) => {
      if (sql.includes("from invoice_event_journal")) {
        journalCursors.push(params[0] as string);
        const types = sql.includes("event_type = any") ? (params[1] as string[]) : undefined;
        const limit = params.at(-1) as number;
        const rows = journal.filter((r) => BigInt(r.global_seq) > BigInt(params[0] as string) && (types === undefined || types.includes(r.event_type)));
        return { rows: rows.slice(0, limit) };
      }
      if (sql.startsWith("select state from invoices")) return { rows: params[0] === PAYMENT_HASH ? [{ state }] : [] };
      throw new Error(`unexpected query ${sql}`);
    },
  };
  return { pool: pool as unknown as pg.Pool, journalCursors };
}

function service(pool: pg.Pool) {
  const identity = createCoordinatorIdentity(bytesToHex(randomBytes(32)), bytesToHex(randomBytes(32)));
  return createInvoiceService({
    pool,
    processor: {} as InvoiceProcessor,
    identity,
    now: () => 0,
    settings: {
      network: "regtest",
      cluster: [{ name: "a", pubkey: bytesToHex(identity.backend.publicKeyCreate(randomBytes(32))) }],
      virtualHopPolicy: { feeBaseMsat: 0n, feeProportionalMillionths: 0n, cltvExpiryDelta: 40 },
      minFinalCltvExpiryDelta: 40,
      defaultExpirySeconds: 3600,
      maxExpirySeconds: 86_400,
    },
    bridgeConnected: async () => false,
  });
}

const row = (seq: number, eventType: string): JournalRow => ({ global_seq: String(seq), payment_hash: PAYMENT_HASH, event_type: eventType, at_ms: "5" });

describe("subscribeInvoices", () => {
  it("yields the public events only, each with its journal global_seq", async () => {
    const { pool } = fakePool([row(1, "HtlcAccepted"), row(2, "InvoiceCreated")]);
    const abort = new AbortController();
    const events = service(pool).subscribeInvoices(0n, abort.signal)[Symbol.asyncIterator]();
    const first = await events.next();
    abort.abort();
    expect(first.value).toMatchObject({ sequence: 2n, kind: "CREATED", atMs: 5, invoice: { paymentHash: PAYMENT_HASH, status: "OPEN" } });
  });

  it("moves its cursor past internal events, so a poll does not read them again", async () => {
    const { pool, journalCursors } = fakePool([row(1, "HtlcRejected"), row(2, "HtlcRejected"), row(3, "HtlcRejected")]);
    const abort = new AbortController();
    const events = service(pool).subscribeInvoices(0n, abort.signal)[Symbol.asyncIterator]();
    const next = events.next();
    await waitUntil("a second poll", () => journalCursors.length >= 2, { timeoutMs: 5_000, intervalMs: 10 });
    abort.abort();
    expect((await next).done).toBe(true);
    expect(journalCursors.slice(0, 2)).toEqual(["0", "3"]);
  });
});
