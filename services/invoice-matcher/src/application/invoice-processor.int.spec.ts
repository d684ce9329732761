// The invoice processor against real PostgreSQL: a decision is read without a lock and written in
// one statement guarded by the version it read, so two decisions racing on one invoice are both
// written, the later one decided again on the state the earlier one left, and a decision made on
// a stale state leaves no row behind (no journal row, no outbox row, no command).
import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deploymentTopics } from "@ic/event-log";
import { NODE_A, NODE_B, T0, arrival, htlcKey, terms, testConfig } from "../domain/testing/fixtures.ts";
import { journalOfInvoice, loadInvoice, unpublishedOutbox } from "../postgres/invoice-store.ts";
import { createInvoiceProcessor, RecentStates } from "./invoice-processor.ts";
import { testSchema } from "../testing/test-schema.ts";

const database = testSchema("test_processor");
const topics = deploymentTopics(`test-${randomBytes(4).toString("hex")}`);
let pool: pg.Pool;

beforeAll(async () => {
  pool = await database.create();
});

afterAll(async () => {
  await database.drop();
});

/** A pool whose connections' next write (the decision's one statement) first waits for `hold` to finish. */
function poolHoldingNextWrite(): { pool: pg.Pool; holdNextWrite(hold: () => Promise<void>): void; writes: () => number; reads: () => number; connections: () => number } {
  let hold: (() => Promise<void>) | undefined;
  let writes = 0;
  let reads = 0;
  let connections = 0;
  const wrapped = {
    connect: async () => {
      const client = await pool.connect();
      connections++;
      return {
        query: async (statement: string | pg.QueryConfig, params?: unknown[]) => {
          const text = typeof statement === "string" ? statement : statement.text;
          if (text.startsWith("with ")) {
            writes++;
            const h = hold;
            hold = undefined;
            if (h !== undefined) await h();
          }
          if (text.startsWith("select state, version from invoices")) reads++;
          return typeof statement === "string" ? client.query(statement, params) : client.query(statement);
        },
        release: (error?: Error | boolean) => client.release(error),
      };
    },
  };
  return { pool: wrapped as unknown as pg.Pool, holdNextWrite: (h) => (hold = h), writes: () => writes, reads: () => reads, connections: () => connections };
}

function newInvoice(): { paymentHash: string; externalRef: string } {
  return { paymentHash: randomBytes(32).toString("hex"), externalRef: `ref-${randomBytes(6).toString("hex")}` };
}

describe("invoice processor: one guarded statement per decision", () => {
  it("two parts racing: the part decided on a stale state is decided again, and the set settles once", async () => {
    const { paymentHash, externalRef } = newInvoice();
    const plain = createInvoiceProcessor({ pool, config: testConfig, topics, now: () => T0, onOutboxWritten: () => {} });
    await plain.process(paymentHash, { type: "CreateInvoice", data: terms({ paymentHash, externalRef }) });
    const outboxBefore = (await unpublishedOutbox(pool, 100_000)).length;

    const held = poolHoldingNextWrite();
    const racing = createInvoiceProcessor({ pool: held.pool, config: testConfig, topics, now: () => T0 + 2_000, onOutboxWritten: () => {} });
    const partA = arrival({ paymentHash, key: htlcKey(NODE_A, 1n), amtMsat: 60_000n, now: T0 + 1_000 });
    const partB = arrival({ paymentHash, key: htlcKey(NODE_B, 2n), amtMsat: 40_000n, outgoingAmountMsat: 40_005n, now: T0 + 1_500 });
    // A reads version 1 and decides (hold the part: the set is not complete); before its write,
    // B is decided and written on the same version 1.
    held.holdNextWrite(async () => {
      const b = await plain.process(paymentHash, partB, { key: partB.data.key, ephemeralPubkey: Buffer.from("02".padEnd(66, "b"), "hex") });
      expect(b.decision.commands).toEqual([]);
    });
    const a = await racing.process(paymentHash, partA, { key: partA.data.key, ephemeralPubkey: Buffer.from("02".padEnd(66, "a"), "hex") });

    // A's first write found version 2 and wrote nothing; decided again on B's state (on the same
    // connection: the conflict does not cost one), it completes the set.
    expect(held.writes()).toBe(2);
    expect(held.connections()).toBe(1);
    expect(a.decision.commands.map((c) => c.type)).toEqual(["SettleHtlc", "SettleHtlc"]);
    expect(a.decision.commands.map((c) => String(c.data.key.htlcId)).sort()).toEqual(["1", "2"]);
    const state = await loadInvoice(pool, paymentHash);
    expect(state?.invoice?.status).toBe("SETTLE_REQUESTED");
    const journal = await journalOfInvoice(pool, paymentHash, 0, 1_000);
    expect(journal.map((e) => e.sequence)).toEqual(journal.map((_e, i) => i + 1));
    // Each part's commands once: the stale attempt left no outbox row.
    const commands = (await unpublishedOutbox(pool, 100_000)).slice(outboxBefore).filter((r) => r.kind === "htlc-command");
    expect(commands).toHaveLength(2);
    // Both onion keys noted, in the statements that wrote each decision.
    const onions = await pool.query("select htlc_id from htlc_onions where payment_hash = $1 order by htlc_id", [paymentHash]);
    expect(onions.rows.map((r: { htlc_id: string }) => r.htlc_id)).toEqual(["1", "2"]);
  });

  it("a decision that writes nothing sends no statement at all", async () => {
    const { paymentHash, externalRef } = newInvoice();
    const counted = poolHoldingNextWrite();
    const processor = createInvoiceProcessor({ pool: counted.pool, config: testConfig, topics, now: () => T0, onOutboxWritten: () => {} });
    await processor.process(paymentHash, { type: "CreateInvoice", data: terms({ paymentHash, externalRef }) });
    expect(counted.writes()).toBe(1);
    // A tick long before any timeout changes nothing.
    const { decision } = await processor.process(paymentHash, { type: "Tick", data: { paymentHash, now: T0 + 1, blockHeight: 850_000 } });
    expect(decision.events).toEqual([]);
    expect(decision.commands).toEqual([]);
    expect(counted.writes()).toBe(1);
  });

  it("a state this process wrote is decided on without a read", async () => {
    const { paymentHash, externalRef } = newInvoice();
    const counted = poolHoldingNextWrite();
    const processor = createInvoiceProcessor({ pool: counted.pool, config: testConfig, topics, now: () => T0, onOutboxWritten: () => {} });
    await processor.process(paymentHash, { type: "CreateInvoice", data: terms({ paymentHash, externalRef }) });
    const readsAfterCreate = counted.reads();
    const part = arrival({ paymentHash, key: htlcKey(NODE_A, 7n), amtMsat: 100_000n, now: T0 + 1_000 });
    const { decision } = await processor.process(paymentHash, part, { key: part.data.key, ephemeralPubkey: Buffer.from("02".padEnd(66, "c"), "hex") });
    expect(decision.commands.map((c) => c.type)).toEqual(["SettleHtlc"]);
    expect(counted.reads()).toBe(readsAfterCreate);
    expect((await loadInvoice(pool, paymentHash))?.invoice?.status).toBe("SETTLE_REQUESTED");
  });

  it("a remembered state another matcher moved on from: the guard refuses the write, the input is decided on a read", async () => {
    const { paymentHash, externalRef } = newInvoice();
    const counted = poolHoldingNextWrite();
    const recentStates = new RecentStates();
    const first = createInvoiceProcessor({ pool: counted.pool, config: testConfig, topics, now: () => T0, onOutboxWritten: () => {}, recentStates });
    const second = createInvoiceProcessor({ pool, config: testConfig, topics, now: () => T0, onOutboxWritten: () => {} });
    await first.process(paymentHash, { type: "CreateInvoice", data: terms({ paymentHash, externalRef }) });
    expect(recentStates.get(paymentHash)?.version).toBe(1);
    // The other matcher holds part B (version 2); the first still remembers version 1.
    const partB = arrival({ paymentHash, key: htlcKey(NODE_B, 2n), amtMsat: 40_000n, outgoingAmountMsat: 40_005n, now: T0 + 1_500 });
    await second.process(paymentHash, partB, { key: partB.data.key, ephemeralPubkey: Buffer.from("02".padEnd(66, "b"), "hex") });
    const partA = arrival({ paymentHash, key: htlcKey(NODE_A, 1n), amtMsat: 60_000n, now: T0 + 1_000 });
    const readsBefore = counted.reads();
    const writesBefore = counted.writes();
    const a = await first.process(paymentHash, partA, { key: partA.data.key, ephemeralPubkey: Buffer.from("02".padEnd(66, "a"), "hex") });
    // Decided on version 1 (part A alone: held), refused by the guard, decided again on a read: the set is complete.
    expect(counted.writes() - writesBefore).toBe(2);
    expect(counted.reads() - readsBefore).toBe(1);
    expect(a.decision.commands.map((c) => String(c.data.key.htlcId)).sort()).toEqual(["1", "2"]);
    expect(recentStates.get(paymentHash)?.version).toBe((await journalOfInvoice(pool, paymentHash, 0, 1_000)).length);
  });

  it("a remembered state that would write nothing is decided again on a read", async () => {
    const { paymentHash, externalRef } = newInvoice();
    const first = createInvoiceProcessor({ pool, config: testConfig, topics, now: () => T0, onOutboxWritten: () => {} });
    const second = createInvoiceProcessor({ pool, config: testConfig, topics, now: () => T0, onOutboxWritten: () => {} });
    await first.process(paymentHash, { type: "CreateInvoice", data: terms({ paymentHash, externalRef }) });
    // The other matcher holds a part of the set; the first remembers the invoice with nothing held.
    const part = arrival({ paymentHash, key: htlcKey(NODE_A, 3n), amtMsat: 60_000n, now: T0 + 1_000 });
    await second.process(paymentHash, part, { key: part.data.key, ephemeralPubkey: Buffer.from("02".padEnd(66, "d"), "hex") });
    // After the MPP timeout a tick on the remembered state changes nothing; on the invoice's state it fails the part.
    const { decision } = await first.process(paymentHash, { type: "Tick", data: { paymentHash, now: T0 + 1_000 + testConfig.mppTimeoutMs + 1, blockHeight: 850_000 } });
    expect(decision.commands.map((c) => `${c.type}:${String(c.data.key.htlcId)}`)).toEqual(["FailHtlc:3"]);
  });
});

describe("remembered states", () => {
  it("keeps the newest version, forgets the least recently used beyond its capacity, and never remembers a missing row", () => {
    const recent = new RecentStates(2);
    const at = (version: number) => ({ state: { paymentHash: null, invoice: null, htlcs: new Map() }, version });
    recent.note("a", at(2));
    recent.note("a", at(1));
    expect(recent.get("a")?.version).toBe(2);
    recent.note("none", at(0));
    expect(recent.get("none")).toBeUndefined();
    recent.note("b", at(1));
    recent.get("a");
    recent.note("c", at(1));
    expect([recent.get("a")?.version, recent.get("b"), recent.get("c")?.version]).toEqual([2, undefined, 1]);
    recent.forget("a");
    expect(recent.size).toBe(1);
  });
});
