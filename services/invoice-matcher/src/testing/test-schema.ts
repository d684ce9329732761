// A PostgreSQL schema of a test's own: migrated, with a pool on it (search_path), and dropped
// afterwards, so that int tests never share data (docs/testing.md).
import { randomBytes } from "node:crypto";
import pg from "pg";
import { migrate } from "../postgres/migrate.ts";

export const TEST_DATABASE_URL = process.env.IC_TEST_DATABASE_URL ?? "postgres://ic@127.0.0.1:15432/invoice_coordinator";

/** Drops the schemas (if they exist) with everything in them. */
export async function dropSchemas(...schemas: readonly string[]): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    for (const schema of schemas) await client.query(`drop schema if exists ${schema} cascade`);
  } finally {
    await client.end();
  }
}

export interface TestSchema {
  /** `<prefix>_<random>`. */
  readonly schema: string;
  /** Migrates the schema and opens a pool on it. */
  create(): Promise<pg.Pool>;
  /** Closes the pool and drops the schema. */
  drop(): Promise<void>;
}

export function testSchema(prefix: string): TestSchema {
  const schema = `${prefix}_${randomBytes(4).toString("hex")}`;
  let pool: pg.Pool | undefined;
  return {
    schema,
    async create() {
      await migrate({ databaseUrl: TEST_DATABASE_URL, schema });
      pool = new pg.Pool({ connectionString: TEST_DATABASE_URL, options: `-c search_path=${schema}` });
      return pool;
    },
    async drop() {
      await pool?.end();
      await dropSchemas(schema);
    },
  };
}
