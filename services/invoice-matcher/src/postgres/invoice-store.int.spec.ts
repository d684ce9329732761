// The event journal against real PostgreSQL: a reader that resumes after the last global
// sequence it saw (subscribeInvoices) never skips a row, though writers no longer wait for each
// other: rows get their place in that order when stamped after commit (stampJournal).
import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createInvoiceHistory } from "../application/invoice-history.ts";
import { publicKindOf } from "../application/public-invoice-events.ts";
import { decide, evolve, initialState, rebuildState, type InvoiceEvent, type MatcherInput } from "../domain/index.ts";
import { NODE_A, NODE_B, T0, arrival, htlcFinal, htlcKey, invoiceCreated, settleInvoice, terms, testConfig } from "../domain/testing/fixtures.ts";
import {
  addToOutbox,
  InvoiceChangedConcurrentlyError,
  journalAfter,
  journalOfInvoice,
  loadInvoice,
  loadInvoiceVersion,
  markPublished,
  markPublishedAndStamp,
  prunePublishedOutbox,
  saveDecision,
  saveInvoice,
  stampJournal,
  unpublishedOutbox,
} from "./invoice-store.ts";
import { testSchema } from "../testing/test-schema.ts";

const database = testSchema("test_store");
let pool: pg.Pool;

beforeAll(async () => {
  pool = await database.create();
});

afterAll(async () => {
  await database.drop();
});

function created(n: number): { event: InvoiceEvent; paymentHash: string } {
  const paymentHash = randomBytes(32).toString("hex");
  return { event: invoiceCreated({ paymentHash, externalRef: `ref-${n}-${paymentHash.slice(0, 8)}` }), paymentHash };
}

describe("invoice_event_journal", () => {
  it("writers do not wait for each other; a reader resuming after a stamp never skips a row that commits later", async () => {
    const a = created(1);
    const b = created(2);
    const clientA = await pool.connect();
    const clientB = await pool.connect();
    try {
      await stampJournal(pool);
      const start = (await journalAfter(pool, 0n, 100_000)).at(-1)?.globalSeq ?? 0n;
      // A draws the lower global_seq and stays open; B draws a higher one and commits first,
      // without waiting for A (no lock held to commit any more).
      await clientA.query("begin");
      await saveInvoice(clientA, rebuildState([a.event]), 0, [a.event], 1);
      await clientB.query("begin");
      await saveInvoice(clientB, rebuildState([b.event]), 0, [b.event], 2);
      await clientB.query("commit");
      // Nothing is visible before it is stamped.
      expect(await journalAfter(pool, start, 10)).toEqual([]);
      expect(await stampJournal(pool)).toBe(1);
      const first = await journalAfter(pool, start, 10);
      expect(first.map((e) => e.paymentHash)).toEqual([b.paymentHash]);
      // A reader resumes after B's stamp; A commits later and is stamped after B: not skipped.
      const cursor = first[0]!.globalSeq;
      await clientA.query("commit");
      expect(await stampJournal(pool)).toBe(1);
      const next = await journalAfter(pool, cursor, 10);
      expect(next.map((e) => e.paymentHash)).toEqual([a.paymentHash]);
      expect(next[0]!.globalSeq).toBeGreaterThan(cursor);
      expect(await stampJournal(pool)).toBe(0);
    } finally {
      clientA.release();
      clientB.release();
    }
  });

  it("the publisher's end of a round: the sent outbox rows marked and the journal stamped, in one statement", async () => {
    await stampJournal(pool);
    const e = created(5);
    const f = created(6);
    await saveDecision(pool, { state: rebuildState([e.event]), previousVersion: 0, events: [e.event], atMs: 5 }, [
      { topic: "t.round", recordKey: e.paymentHash, kind: "encoded", payload: { value: "", headers: {} } },
    ]);
    await saveInvoice(pool, rebuildState([f.event]), 0, [f.event], 6);
    const before = (await journalAfter(pool, 0n, 100_000)).at(-1)?.globalSeq ?? 0n;
    const sent = (await unpublishedOutbox(pool, 100_000)).filter((r) => r.topic === "t.round").map((r) => r.id);
    expect(sent).toHaveLength(1);
    expect(await markPublishedAndStamp(pool, sent)).toBe(2);
    expect((await unpublishedOutbox(pool, 100_000)).filter((r) => r.topic === "t.round")).toEqual([]);
    const seen = await journalAfter(pool, before, 10);
    expect(seen.map((r) => r.paymentHash)).toEqual([e.paymentHash, f.paymentHash]);
    expect(seen[1]!.globalSeq).toBe(seen[0]!.globalSeq + 1n);
    // Nothing left to stamp or mark: the statement does nothing.
    expect(await markPublishedAndStamp(pool, [])).toBe(0);
    // The outbox tests below count every row of the table.
    await pool.query("delete from outbox where topic = 't.round'");
  });

  it("stamps committed rows in global_seq order, one invoice's rows in their order", async () => {
    const c = created(3);
    const d = created(4);
    await saveInvoice(pool, rebuildState([c.event]), 0, [c.event], 3);
    await saveInvoice(pool, rebuildState([d.event]), 0, [d.event], 4);
    const before = (await journalAfter(pool, 0n, 100_000)).at(-1)?.globalSeq ?? 0n;
    await stampJournal(pool);
    const seen = await journalAfter(pool, before, 10);
    expect(seen.map((e) => e.paymentHash)).toEqual([c.paymentHash, d.paymentHash]);
    expect(seen[1]!.globalSeq).toBe(seen[0]!.globalSeq + 1n);
  });
});

describe("the invoice as of each journal row (SubscribeInvoices)", () => {
  it("folds an invoice's rows up to an event into the state right after that event, the last one equal to the stored row", async () => {
    // Decided and saved one input at a time, as the processor does (one transaction each).
    const a = arrival({ key: htlcKey(NODE_A, 1n), amtMsat: 60_000n, now: T0 + 1_000 });
    const b = arrival({ key: htlcKey(NODE_B, 2n), amtMsat: 40_000n, outgoingAmountMsat: 40_005n, now: T0 + 2_000 });
    const inputs: MatcherInput[] = [
      { type: "CreateInvoice", data: terms({ mode: "hold", externalRef: `history-${randomBytes(4).toString("hex")}` }) },
      a,
      b,
      settleInvoice(),
      htlcFinal(a.data.key, true),
      htlcFinal(b.data.key, true),
    ];
    let state = initialState();
    const history: InvoiceEvent[] = [];
    for (const input of inputs) {
      const { events } = decide(state, input, testConfig);
      const next = events.reduce(evolve, state);
      await saveInvoice(pool, next, history.length, events, T0);
      history.push(...events);
      state = next;
    }
    const paymentHash = state.paymentHash!;
    await stampJournal(pool);
    const rows = (await journalAfter(pool, 0n, 10_000)).filter((e) => e.paymentHash === paymentHash);
    expect(rows.map((r) => r.sequence)).toEqual(history.map((_e, i) => i + 1));

    const replay = createInvoiceHistory((hash, after, upto) => journalOfInvoice(pool, hash, after, upto));
    const statuses: string[] = [];
    for (const row of rows.filter((r) => publicKindOf(r.eventType) !== undefined)) {
      const asOf = await replay.stateAt(paymentHash, row.sequence);
      expect(asOf).toEqual(rebuildState(history.slice(0, row.sequence)));
      statuses.push(asOf.invoice!.status);
    }
    expect(statuses).toEqual(["OPEN", "ACCEPTED", "SETTLE_REQUESTED", "SETTLED"]);
    // A fresh reader (a resumed subscription) folds from the first row.
    expect(await createInvoiceHistory((hash, after, upto) => journalOfInvoice(pool, hash, after, upto)).stateAt(paymentHash, history.length)).toEqual(
      await loadInvoice(pool, paymentHash),
    );
  });
});

describe("outbox pruning", () => {
  it("deletes only rows published longer ago than the retention, in batches, never unpublished ones", async () => {
    const row = (n: number) => ({ topic: "t", recordKey: `k${n}`, kind: "matcher-event", payload: { n } });
    await addToOutbox(pool, [1, 2, 3, 4, 5, 6].map(row));
    const ids = (await unpublishedOutbox(pool, 100)).map((r) => r.id);
    expect(ids).toHaveLength(6);
    const [old1, old2, old3, recent] = ids as [bigint, bigint, bigint, bigint];
    await markPublished(pool, [old1, old2, old3, recent]);
    // Three published 200 hours ago, one just now, two never.
    await pool.query("update outbox set published_at = now() - interval '200 hours' where id = any($1::bigint[])", [[old1, old2, old3].map(String)]);

    expect(await prunePublishedOutbox(pool, 168, 2)).toBe(3);
    const left = (await pool.query<{ id: string; published: boolean }>("select id, published_at is not null as published from outbox order by id")).rows;
    expect(left.map((r) => BigInt(r.id))).toEqual(ids.slice(3));
    expect(left.map((r) => r.published)).toEqual([true, false, false]);
    expect(await prunePublishedOutbox(pool, 168)).toBe(0);
    expect(await prunePublishedOutbox(pool, 0)).toBe(1);
    expect((await unpublishedOutbox(pool, 100)).map((r) => r.id)).toEqual(ids.slice(4));
  });
});

describe("saveDecision (one statement per decision)", () => {
  it("a decision's read and write are prepared once per connection and reused, one statement per shape", async () => {
    const client = await pool.connect();
    try {
      const prepared = async (): Promise<string[]> =>
        (await client.query<{ statement: string }>("select statement from pg_prepared_statements order by statement")).rows.map((r) => r.statement);
      const decideOne = async (n: number): Promise<void> => {
        const c = created(n);
        expect((await loadInvoiceVersion(client, c.paymentHash)).version).toBe(0);
        await saveDecision(client, { state: rebuildState([c.event]), previousVersion: 0, events: [c.event], atMs: n }, [
          { topic: "t.events", recordKey: c.paymentHash, kind: "encoded", payload: { value: "", headers: {} } },
        ]);
        expect((await loadInvoiceVersion(client, c.paymentHash)).version).toBe(1);
      };
      await decideOne(21);
      const afterOne = await prepared();
      expect(afterOne.filter((t) => t.startsWith("select state, version from invoices"))).toHaveLength(1);
      expect(afterOne.some((t) => t.startsWith("with inv as (insert into invoices"))).toBe(true);
      // Two more decisions of the same shape prepare nothing new: the statements are reused.
      await decideOne(22);
      await decideOne(23);
      expect(await prepared()).toEqual(afterOne);
    } finally {
      client.release();
    }
  });

  it("writes a new invoice, its journal rows and its outbox rows together", async () => {
    const c = created(7);
    const before = (await unpublishedOutbox(pool, 100_000)).length;
    await saveDecision(pool, { state: rebuildState([c.event]), previousVersion: 0, events: [c.event], atMs: 7 }, [
      { topic: "t.events", recordKey: c.paymentHash, kind: "encoded", payload: { value: "", headers: {} } },
      { topic: "t.commands", recordKey: c.paymentHash, kind: "encoded", payload: { value: "", headers: {} } },
    ]);
    expect((await loadInvoice(pool, c.paymentHash))?.paymentHash).toBe(c.paymentHash);
    expect(await journalOfInvoice(pool, c.paymentHash, 0, 10)).toHaveLength(1);
    const outbox = await unpublishedOutbox(pool, 100_000);
    expect(outbox.slice(before).map((r) => r.topic)).toEqual(["t.events", "t.commands"]);
  });

  it("outside a transaction, a decision on a stale version writes nothing: no journal, no outbox rows", async () => {
    const c = created(9);
    await saveInvoice(pool, rebuildState([c.event]), 0, [c.event], 9);
    const outboxBefore = (await unpublishedOutbox(pool, 100_000)).length;
    // Decided on version 0 (no row), but the row is there: the insert finds it.
    await expect(
      saveDecision(pool, { state: rebuildState([c.event]), previousVersion: 0, events: [c.event], atMs: 9 }, [
        { topic: "t.x", recordKey: c.paymentHash, kind: "encoded", payload: { value: "", headers: {} } },
      ]),
    ).rejects.toBeInstanceOf(InvoiceChangedConcurrentlyError);
    // Decided on version 3; the row is at 1: the update finds another version.
    await expect(
      saveDecision(pool, { state: rebuildState([c.event]), previousVersion: 3, events: [c.event], atMs: 9 }, [
        { topic: "t.x", recordKey: c.paymentHash, kind: "encoded", payload: { value: "", headers: {} } },
      ]),
    ).rejects.toBeInstanceOf(InvoiceChangedConcurrentlyError);
    expect(await journalOfInvoice(pool, c.paymentHash, 0, 10)).toHaveLength(1);
    expect(await unpublishedOutbox(pool, 100_000)).toHaveLength(outboxBefore);
  });

  it("outbox rows without an invoice write are written only while the invoice is at the version decided on", async () => {
    const c = created(10);
    await saveInvoice(pool, rebuildState([c.event]), 0, [c.event], 10);
    const row = { topic: "t.guarded", recordKey: c.paymentHash, kind: "encoded", payload: { value: "", headers: {} } };
    const guarded = async () => (await unpublishedOutbox(pool, 100_000)).filter((r) => r.topic === "t.guarded").length;
    await expect(saveDecision(pool, undefined, [row], { paymentHash: c.paymentHash, expectVersion: 2 })).rejects.toBeInstanceOf(InvoiceChangedConcurrentlyError);
    await expect(saveDecision(pool, undefined, [row], { paymentHash: c.paymentHash, expectVersion: 0 })).rejects.toBeInstanceOf(InvoiceChangedConcurrentlyError);
    expect(await guarded()).toBe(0);
    await saveDecision(pool, undefined, [row], { paymentHash: c.paymentHash, expectVersion: 1 });
    expect(await guarded()).toBe(1);
    // No invoice at all (an HTLC for a hash never issued): version 0 holds while no row appears.
    const unknown = randomBytes(32).toString("hex");
    await saveDecision(pool, undefined, [{ ...row, recordKey: unknown }], { paymentHash: unknown, expectVersion: 0 });
    expect(await guarded()).toBe(2);
    await pool.query("delete from outbox where topic = 't.guarded'");
  });

  it("a journal sequence another decision took first is the same race: InvoiceChangedConcurrentlyError, nothing written", async () => {
    // Two decisions on version 1 both journal sequence 2. Postgres does not promise the order in
    // which a statement's parts run, so the other decision may hold the journal's key before
    // either reaches the invoice row; here it has written only that (uncommitted) when this one
    // runs, whose version guard therefore passes and whose journal insert waits, then collides.
    const c = created(11);
    await saveInvoice(pool, rebuildState([c.event]), 0, [c.event], 11);
    const outboxBefore = (await unpublishedOutbox(pool, 100_000)).length;
    const other = await pool.connect();
    try {
      const otherPid = (await other.query<{ pid: number }>("select pg_backend_pid() as pid")).rows[0]?.pid;
      await other.query("begin");
      await other.query("insert into invoice_event_journal (payment_hash, sequence, event_type, payload, at_ms) values ($1, 2, 'HtlcAccepted', '{}', 12)", [c.paymentHash]);
      const decision = saveDecision(pool, { state: rebuildState([c.event]), previousVersion: 1, events: [c.event], atMs: 12 }, [
        { topic: "t.x", recordKey: c.paymentHash, kind: "encoded", payload: { value: "", headers: {} } },
      ]).then(
        () => undefined,
        (error: unknown) => error,
      );
      // The decision's insert waits on the other's uncommitted key.
      await vi.waitFor(async () => {
        const waiting = await pool.query("select 1 from pg_stat_activity where $1 = any(pg_blocking_pids(pid))", [otherPid]);
        expect(waiting.rowCount).toBe(1);
      });
      await other.query("commit");
      const error = await decision;
      expect(error).toBeInstanceOf(InvoiceChangedConcurrentlyError);
      expect((error as InvoiceChangedConcurrentlyError).paymentHash).toBe(c.paymentHash);
    } finally {
      other.release();
    }
    // Nothing of the decision: the invoice still at version 1, no outbox row.
    expect((await pool.query<{ version: string }>("select version from invoices where payment_hash = $1", [c.paymentHash])).rows[0]?.version).toBe("1");
    expect(await unpublishedOutbox(pool, 100_000)).toHaveLength(outboxBefore);
  });

  it("a version that moved under the decision throws, and its transaction writes nothing", async () => {
    const c = created(8);
    await saveInvoice(pool, rebuildState([c.event]), 0, [c.event], 8);
    const client = await pool.connect();
    const outboxBefore = (await unpublishedOutbox(pool, 100_000)).length;
    try {
      await client.query("begin");
      // Stale: the decision claims version 5; the row is at version 1.
      await expect(
        saveDecision(client, { state: rebuildState([c.event]), previousVersion: 5, events: [c.event], atMs: 9 }, [
          { topic: "t.x", recordKey: c.paymentHash, kind: "encoded", payload: { value: "", headers: {} } },
        ]),
      ).rejects.toThrow(/changed concurrently/);
      await client.query("rollback");
    } finally {
      client.release();
    }
    expect(await journalOfInvoice(pool, c.paymentHash, 0, 10)).toHaveLength(1);
    expect(await unpublishedOutbox(pool, 100_000)).toHaveLength(outboxBefore);
  });
});
