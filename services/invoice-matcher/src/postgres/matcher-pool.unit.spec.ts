import { createServer, type Server, type Socket } from "node:net";
import type { Logger } from "pino";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createMatcherPool, DEFAULT_POSTGRES_TIMEOUTS } from "./matcher-pool.ts";

let server: Server | undefined;
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** A TCP server on loopback that accepts connections and never answers: a Postgres that hangs. */
async function silentServer(): Promise<number> {
  server = createServer((socket) => sockets.push(socket));
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

describe("createMatcherPool", () => {
  it("logs a lost idle connection instead of crashing on the pool's error event", async () => {
    const logger = { warn: vi.fn() } as unknown as Logger;
    const pool = createMatcherPool({ postgresUrl: "postgres://ic@127.0.0.1:1/none", dbSchema: "matcher" }, logger);
    expect(() => pool.emit("error", new Error("terminating connection due to administrator command"))).not.toThrow();
    expect(logger.warn).toHaveBeenCalledWith({ err: "terminating connection due to administrator command" }, "idle Postgres connection lost");
    await pool.end();
  });

  it("gives every connection the schema, a statement timeout, an idle-in-transaction timeout and TCP keepalives both ways", async () => {
    const pool = createMatcherPool(
      { postgresUrl: "postgres://ic@127.0.0.1:1/none", dbSchema: "m1", postgresTimeouts: { connectMs: 1234, statementMs: 5678, idleInTransactionMs: 9000, idleMs: 4000 } },
      { warn: vi.fn() } as unknown as Logger,
    );
    expect(pool.options).toMatchObject({
      connectionTimeoutMillis: 1234,
      idleTimeoutMillis: 4000,
      query_timeout: 7678,
      options:
        "-c search_path=m1 -c statement_timeout=5678 -c idle_in_transaction_session_timeout=9000 -c tcp_keepalives_idle=10 -c tcp_keepalives_interval=5 -c tcp_keepalives_count=3",
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
    });
    await pool.end();
  });

  it("a Postgres that never answers fails the query within the connect timeout instead of hanging", async () => {
    const port = await silentServer();
    const pool = createMatcherPool(
      { postgresUrl: `postgres://ic@127.0.0.1:${port}/none`, dbSchema: "m", postgresTimeouts: { ...DEFAULT_POSTGRES_TIMEOUTS, connectMs: 200 } },
      { warn: vi.fn() } as unknown as Logger,
    );
    await expect(pool.query("select 1")).rejects.toThrow(/timeout/i);
    await pool.end();
  });
});
