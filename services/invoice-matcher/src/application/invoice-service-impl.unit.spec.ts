import type pg from "pg";
import { describe, expect, it } from "vitest";
import { waitUntil } from "../../../../test/support/wait-until.ts";
import { rebuildState, type InvoiceEvent } from "../domain/index.ts";
import { run } from "../domain/testing/decider-specification.ts";
import { NODE_A, NODE_B, PAYMENT_HASH, T0, arrival, htlcFinal, htlcKey, invoiceCreated, settleInvoice, terms } from "../domain/testing/fixtures.ts";
import type { InvoiceEventView } from "@ic/invoice-api-client";
import { deserializeEvent, eventToJson, serializeState } from "../serialization/index.ts";
import { InvoiceHistoryError } from "./invoice-history.ts";
import { publicKindOf } from "./public-invoice-events.ts";
import { testInvoiceService } from "./testing/test-invoice-service.ts";

interface JournalRow {
  global_seq: string;
  payment_hash: string;
  sequence: string;
  event_type: string;
  payload: unknown;
  at_ms: string;
}

/**
 * The journal and invoices tables, answering the service's queries as Postgres would. The
 * invoices row holds the state after the whole journal (the present), as saveInvoice leaves it.
 */
function fakePool(journal: JournalRow[]) {
  const journalCursors: string[] = [];
  const invoiceReads: { paymentHash: string; after: number; upto: number }[] = [];
  const pool = {
    query: async (sql: string, params: unknown[]) => {
      if (sql.includes("from invoice_event_journal") && sql.includes("where payment_hash = $1")) {
        const [paymentHash, after, upto] = params as [string, number, number];
        invoiceReads.push({ paymentHash, after, upto });
        const rows = journal.filter((r) => r.payment_hash === paymentHash && Number(r.sequence) > after && Number(r.sequence) <= upto);
        return { rows: rows.sort((x, y) => Number(x.sequence) - Number(y.sequence)) };
      }
      if (sql.includes("from invoice_event_journal")) {
        journalCursors.push(params[0] as string);
        const limit = params.at(-1) as number;
        const rows = journal.filter((r) => BigInt(r.global_seq) > BigInt(params[0] as string));
        return { rows: rows.slice(0, limit) };
      }
      if (sql.startsWith("select state from invoices")) {
        const events = journal.filter((r) => r.payment_hash === params[0]).map((r) => deserializeEvent(r.event_type, JSON.stringify(r.payload)));
        return { rows: events.length === 0 ? [] : [{ state: serializeState(rebuildState(events)) }] };
      }
      throw new Error(`unexpected query ${sql}`);
    },
  };
  return { pool: pool as unknown as pg.Pool, journalCursors, invoiceReads };
}

/** Journal rows as saveInvoice writes them (payload = eventToJson(event)), global_seq from `firstGlobal`. */
function journalOf(events: readonly InvoiceEvent[], firstGlobal = 1, paymentHash = PAYMENT_HASH): JournalRow[] {
  return events.map((event, i) => ({
    global_seq: String(firstGlobal + i),
    payment_hash: paymentHash,
    sequence: String(i + 1),
    event_type: event.type,
    payload: JSON.parse(JSON.stringify(eventToJson(event))) as unknown,
    at_ms: String(1_000 + i),
  }));
}

const service = (pool: pg.Pool) => testInvoiceService(pool);

async function take(iterable: AsyncIterable<InvoiceEventView>, count: number, abort: AbortController): Promise<InvoiceEventView[]> {
  const seen: InvoiceEventView[] = [];
  for await (const event of iterable) {
    seen.push(event);
    if (seen.length === count) break;
  }
  abort.abort();
  return seen;
}

// A hold invoice paid in two parts, settled through the API, then final-settled by lnd.
const a = arrival({ key: htlcKey(NODE_A, 1n), amtMsat: 60_000n, now: T0 + 1_000 });
const b = arrival({ key: htlcKey(NODE_B, 2n), amtMsat: 40_000n, outgoingAmountMsat: 40_005n, now: T0 + 2_000 });
const paid = run([{ type: "CreateInvoice", data: terms({ mode: "hold" }) }, a, b, settleInvoice(), htlcFinal(a.data.key, true), htlcFinal(b.data.key, true)]);

describe("subscribeInvoices", () => {
  it("yields the public events only, each with its journal global_seq", async () => {
    const { pool } = fakePool(journalOf([invoiceCreated(), ...paid.slice(1, 2)]));
    const abort = new AbortController();
    const [first] = await take(service(pool).subscribeInvoices(0n, abort.signal), 1, abort);
    expect(first).toMatchObject({ sequence: 1n, kind: "CREATED", atMs: 1_000, invoice: { paymentHash: PAYMENT_HASH, status: "OPEN" } });
  });

  it("a replay from sequence 0 shows each event with the invoice as it was then, not as it is now", async () => {
    const { pool } = fakePool(journalOf(paid));
    expect((await service(pool).lookupInvoice({ paymentHash: PAYMENT_HASH })).status).toBe("SETTLED");
    const abort = new AbortController();
    const events = await take(service(pool).subscribeInvoices(0n, abort.signal), 4, abort);
    expect(events.map((e) => [e.kind, e.invoice.status, e.invoice.amountPaidMsat])).toEqual([
      ["CREATED", "OPEN", 0n],
      ["ACCEPTED", "ACCEPTED", 100_005n],
      ["SETTLE_REQUESTED", "SETTLE_REQUESTED", 100_005n],
      ["SETTLED", "SETTLED", 100_005n],
    ]);
    expect(events.map((e) => e.invoice.htlcs.map((h) => h.status))).toEqual([
      [],
      ["HELD", "HELD"],
      ["SETTLE_REQUESTED", "SETTLE_REQUESTED"],
      ["SETTLED", "SETTLED"],
    ]);
    expect(events.map((e) => e.sequence)).toEqual(paid.flatMap((e, i) => (publicKindOf(e.type) ? [BigInt(i + 1)] : [])));
  });

  it("resumed after ACCEPTED, folds the earlier rows once and shows SETTLE_REQUESTED as it was", async () => {
    const { pool, invoiceReads } = fakePool(journalOf(paid));
    const acceptedAt = paid.findIndex((e) => e.type === "InvoiceAccepted") + 1;
    const abort = new AbortController();
    const events = await take(service(pool).subscribeInvoices(BigInt(acceptedAt), abort.signal), 2, abort);
    expect(events.map((e) => [e.kind, e.invoice.status])).toEqual([
      ["SETTLE_REQUESTED", "SETTLE_REQUESTED"],
      ["SETTLED", "SETTLED"],
    ]);
    // The second event reads only the rows after the first one.
    expect(invoiceReads).toEqual([
      { paymentHash: PAYMENT_HASH, after: 0, upto: acceptedAt + 1 },
      { paymentHash: PAYMENT_HASH, after: acceptedAt + 1, upto: paid.length },
    ]);
  });

  it("a settle lnd did not carry out streams as SETTLE_FAILED, each part SETTLED or FAILED", async () => {
    const lost = run([{ type: "CreateInvoice", data: terms() }, a, b, htlcFinal(a.data.key, true), htlcFinal(b.data.key, false)]);
    const { pool } = fakePool(journalOf(lost));
    const abort = new AbortController();
    const events = await take(service(pool).subscribeInvoices(0n, abort.signal), 3, abort);
    expect(events.map((e) => [e.kind, e.invoice.status])).toEqual([
      ["CREATED", "OPEN"],
      ["SETTLE_REQUESTED", "SETTLE_REQUESTED"],
      ["SETTLE_FAILED", "SETTLE_FAILED"],
    ]);
    expect(events[2]?.invoice.htlcs.map((h) => h.status)).toEqual(["SETTLED", "FAILED"]);
  });

  it("refuses to make up an invoice when the journal misses a row of its history", async () => {
    const { pool } = fakePool(journalOf(paid).filter((r) => r.sequence !== "2"));
    const abort = new AbortController();
    const events = service(pool).subscribeInvoices(0n, abort.signal)[Symbol.asyncIterator]();
    expect((await events.next()).value).toMatchObject({ kind: "CREATED" });
    await expect(events.next()).rejects.toThrow(InvoiceHistoryError);
    abort.abort();
  });

  it("moves its cursor past internal events, so a poll does not read them again", async () => {
    const internal = journalOf(paid).filter((r) => publicKindOf(r.event_type) === undefined).slice(0, 3);
    const { pool, journalCursors } = fakePool(internal.map((r, i) => ({ ...r, global_seq: String(i + 1) })));
    const abort = new AbortController();
    const events = service(pool).subscribeInvoices(0n, abort.signal)[Symbol.asyncIterator]();
    const next = events.next();
    await waitUntil("a second poll", () => journalCursors.length >= 2, { timeoutMs: 5_000, intervalMs: 10 });
    abort.abort();
    expect((await next).done).toBe(true);
    expect(journalCursors.slice(0, 2)).toEqual(["0", "3"]);
  });
});
