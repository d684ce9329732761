// Migrations apply to an empty database schema and a second run applies nothing.
import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { dropSchemas, TEST_DATABASE_URL } from "../testing/test-schema.ts";
import { migrate } from "./migrate.ts";

const databaseUrl = TEST_DATABASE_URL;
const schema = `test_migrate_${randomBytes(4).toString("hex")}`;

afterAll(async () => {
  await dropSchemas(schema);
});

describe("matcher migrations", () => {
  it("apply to an empty schema, then are re-runnable", async () => {
    const first = await migrate({ databaseUrl, schema });
    expect(first.length).toBeGreaterThan(0);
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      const tables = await client.query<{ table_name: string }>(
        "select table_name from information_schema.tables where table_schema = $1 order by table_name",
        [schema],
      );
      expect(tables.rows.map((r) => r.table_name)).toEqual([
        "bridge_heartbeats",
        "htlc_onions",
        "invoice_event_journal",
        "invoices",
        "outbox",
        "pgmigrations",
      ]);
    } finally {
      await client.end();
    }
    const second = await migrate({ databaseUrl, schema });
    expect(second).toEqual([]);
  });
});
