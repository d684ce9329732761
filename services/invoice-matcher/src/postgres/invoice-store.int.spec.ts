// The event journal against real PostgreSQL: a reader that resumes after the last global_seq it
// saw (subscribeInvoices) must never see a journal row while a lower one can still commit.
import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitUntil } from "../../../../test/support/wait-until.ts";
import { rebuildState, type InvoiceEvent } from "../domain/index.ts";
import { invoiceCreated } from "../domain/testing/fixtures.ts";
import { journalAfter, saveInvoice } from "./invoice-store.ts";
import { migrate } from "./migrate.ts";

const databaseUrl = process.env.IC_TEST_DATABASE_URL ?? "postgres://ic@127.0.0.1:15432/invoice_coordinator";
const schema = `test_store_${randomBytes(4).toString("hex")}`;
let pool: pg.Pool;

beforeAll(async () => {
  await migrate({ databaseUrl, schema });
  pool = new pg.Pool({ connectionString: databaseUrl, options: `-c search_path=${schema}` });
});

afterAll(async () => {
  await pool?.end();
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  await client.query(`drop schema if exists ${schema} cascade`);
  await client.end();
});

function created(n: number): { event: InvoiceEvent; paymentHash: string } {
  const paymentHash = randomBytes(32).toString("hex");
  return { event: invoiceCreated({ paymentHash, externalRef: `ref-${n}-${paymentHash.slice(0, 8)}` }), paymentHash };
}

describe("invoice_event_journal", () => {
  it("a later writer waits until an earlier one commits, so a reader never skips a global_seq", async () => {
    const a = created(1);
    const b = created(2);
    const clientA = await pool.connect();
    const clientB = await pool.connect();
    try {
      const start = (await journalAfter(pool, 0n, 1000)).at(-1)?.globalSeq ?? 0n;
      await clientA.query("begin");
      await saveInvoice(clientA, rebuildState([a.event]), 0, [a.event], 1);

      const pidB = (await clientB.query<{ pid: number }>("select pg_backend_pid() as pid")).rows[0]!.pid;
      let bCommitted = false;
      const writeB = (async () => {
        await clientB.query("begin");
        await saveInvoice(clientB, rebuildState([b.event]), 0, [b.event], 2);
        await clientB.query("commit");
        bCommitted = true;
      })();
      await waitUntil(
        "B to commit or to wait for a lock",
        async () =>
          bCommitted ||
          (await pool.query("select 1 from pg_stat_activity where pid = $1 and wait_event_type = 'Lock'", [pidB])).rowCount === 1,
        { intervalMs: 10 },
      );
      // While A is open, nothing after `start` may be visible: had B committed, a reader would
      // move past A's global_seq before A commits.
      expect(await journalAfter(pool, start, 10)).toEqual([]);

      await clientA.query("commit");
      await writeB;
      const seen = await journalAfter(pool, start, 10);
      expect(seen.map((e) => e.paymentHash)).toEqual([a.paymentHash, b.paymentHash]);
    } finally {
      clientA.release();
      clientB.release();
    }
  });
});
