// Applies the matcher's migrations (node-pg-migrate) to a database schema. Idempotent: a second
// run applies nothing.
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { runner } from "node-pg-migrate";

export const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../migrations");

export interface MigrateOptions {
  databaseUrl: string;
  /** Postgres schema holding the projection; created if missing. */
  schema: string;
  log?: (message: string) => void;
}

export async function migrate({ databaseUrl, schema, log }: MigrateOptions): Promise<string[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const applied = await runner({
      dbClient: client,
      dir: MIGRATIONS_DIR,
      direction: "up",
      migrationsTable: "pgmigrations",
      schema,
      createSchema: true,
      checkOrder: true,
      log: log ?? (() => undefined),
      noLock: false,
    });
    return applied.map((m) => m.name);
  } finally {
    await client.end();
  }
}
