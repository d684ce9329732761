// The matcher's pool against real PostgreSQL: a connection checked out with pool.connect() (a
// decision's attempts, the outbox publisher's lock) whose backend dies must fail its caller, not
// the process. pg emits 'error' on such a client; with no listener that event is thrown from a
// socket callback, an uncaught exception that ended the matcher (vitest fails a file on one).
import type { Logger } from "pino";
import pg from "pg";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { TEST_DATABASE_URL } from "../testing/test-schema.ts";
import { createMatcherPool } from "./matcher-pool.ts";

const logger = { warn: vi.fn(), debug: vi.fn() } as unknown as Logger;
let admin: pg.Client;

beforeAll(async () => {
  admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
});

afterAll(async () => {
  await admin.end();
});

async function backendPid(client: pg.PoolClient): Promise<number> {
  return (await client.query<{ pid: number }>("select pg_backend_pid() as pid")).rows[0]!.pid;
}

async function terminate(pid: number): Promise<void> {
  await admin.query("select pg_terminate_backend($1)", [pid]);
}

function ended(client: pg.PoolClient): Promise<void> {
  return new Promise((resolve) => client.once("end", () => resolve()));
}

it("a checked-out connection whose backend dies between statements: its next query fails, the pool drops it, the process lives", { timeout: 15_000 }, async () => {
  const pool = createMatcherPool({ postgresUrl: TEST_DATABASE_URL, dbSchema: "public" }, logger);
  try {
    const client = await pool.connect();
    const gone = ended(client);
    await terminate(await backendPid(client));
    await gone;
    await expect(client.query("select 1")).rejects.toThrow();
    client.release();
    expect(pool.totalCount).toBe(0);
    // The pool goes on with a new connection.
    expect((await pool.query<{ one: number }>("select 1 as one")).rows[0]?.one).toBe(1);
  } finally {
    await pool.end();
  }
});

it("a checked-out connection whose backend dies during a statement: that statement fails, the process lives", { timeout: 15_000 }, async () => {
  const pool = createMatcherPool({ postgresUrl: TEST_DATABASE_URL, dbSchema: "public" }, logger);
  try {
    const client = await pool.connect();
    const pid = await backendPid(client);
    const gone = ended(client);
    const slow = client.query("select pg_sleep(30)");
    await vi.waitFor(async () => {
      const active = await admin.query("select 1 from pg_stat_activity where pid = $1 and query like 'select pg_sleep%'", [pid]);
      expect(active.rowCount).toBe(1);
    });
    await terminate(pid);
    await expect(slow).rejects.toThrow();
    await gone;
    client.release();
    expect(pool.totalCount).toBe(0);
  } finally {
    await pool.end();
  }
});

it("a real session carries the server-side TCP keepalives (a dead matcher host releases the publisher's lock within ~25 s)", async () => {
  const pool = createMatcherPool({ postgresUrl: TEST_DATABASE_URL, dbSchema: "public" }, logger);
  try {
    const { rows } = await pool.query<{ idle: string; interval: string; count: string }>(
      "select current_setting('tcp_keepalives_idle') as idle, current_setting('tcp_keepalives_interval') as interval, current_setting('tcp_keepalives_count') as count",
    );
    // Over TCP (the test database URL is a host and port, as the matcher's is); on a Unix socket
    // Postgres would report 0 for all three.
    expect(rows[0]).toEqual({ idle: "10", interval: "5", count: "3" });
  } finally {
    await pool.end();
  }
});
