// The matcher's Postgres pool: its schema first on the search path, bounded waits everywhere.
// Used by the matcher and the replay audit.
import pg from "pg";
import type { Logger } from "pino";

export interface PostgresTimeouts {
  /** Waiting for a connection (new or from the pool). */
  readonly connectMs: number;
  /** One statement (server side; the client gives up 2 s later). */
  readonly statementMs: number;
  /** A transaction that sits idle (a stalled client) is ended by the server. */
  readonly idleInTransactionMs: number;
  /** An idle pooled connection is closed. */
  readonly idleMs: number;
}

export const DEFAULT_POSTGRES_TIMEOUTS: PostgresTimeouts = { connectMs: 5_000, statementMs: 10_000, idleInTransactionMs: 30_000, idleMs: 30_000 };

/** Postgres's own TCP keepalives on the matcher's sessions: first probe after idleS, then every intervalS, dead after count misses. */
export const SERVER_KEEPALIVE = { idleS: 10, intervalS: 5, count: 3 } as const;
const SERVER_KEEPALIVE_OPTIONS = ` -c tcp_keepalives_idle=${SERVER_KEEPALIVE.idleS} -c tcp_keepalives_interval=${SERVER_KEEPALIVE.intervalS} -c tcp_keepalives_count=${SERVER_KEEPALIVE.count}`;

/** The matcher's Postgres pool, its schema first on the search path. */
export function createMatcherPool(
  config: { postgresUrl: string; dbSchema: string; postgresPoolSize?: number; postgresTimeouts?: PostgresTimeouts },
  logger: Logger,
): pg.Pool {
  // Bounded waits everywhere (issue 10): a Postgres that stops answering fails the query instead
  // of hanging the consumer. The HTLC handler then throws, its partition waits and kafkajs retries
  // with backoff (the HTLCs stay held by lnd, within their auto-fail height), /readyz says
  // Postgres is away, and consumption resumes by itself when it answers again.
  const t = config.postgresTimeouts ?? DEFAULT_POSTGRES_TIMEOUTS;
  const pool = new pg.Pool({
    connectionString: config.postgresUrl,
    max: config.postgresPoolSize ?? 10,
    connectionTimeoutMillis: t.connectMs,
    idleTimeoutMillis: t.idleMs,
    // Client side: gives up on a query whose answer never comes (a dead server, a cut network).
    query_timeout: t.statementMs + 2_000,
    // Server side: the statement and a transaction left idle are ended by Postgres itself.
    // TCP keepalives both ways: a matcher whose host or network dies without closing its sockets
    // leaves a session that holds the outbox publisher's advisory lock (and with it every SETTLE
    // not yet published) until the server notices; with these it notices within ~25 s instead of
    // the kernel's default two hours, and another matcher takes the lock over.
    keepAlive: true,
    keepAliveInitialDelayMillis: SERVER_KEEPALIVE.idleS * 1_000,
    options: `-c search_path=${config.dbSchema} -c statement_timeout=${t.statementMs} -c idle_in_transaction_session_timeout=${t.idleInTransactionMs}${SERVER_KEEPALIVE_OPTIONS}`,
  });
  // An idle connection that drops (Postgres restart, network) is reported here; with no listener
  // the pool's 'error' event would crash the process. The pool replaces the connection.
  pool.on("error", (error) => logger.warn({ err: error.message }, "idle Postgres connection lost"));
  // A connection checked out with pool.connect() (a decision's attempts, the outbox publisher's
  // lock) has no pool listener while it is out, and pg emits 'error' on a client whose connection
  // drops even when the query in flight is rejected with it: unheard, that event killed the
  // matcher when Postgres went away mid-decision. Every connection gets a listener of its own for
  // its whole life: the query in flight still fails (its caller sees the error), the next one on
  // that client fails at once (it is not queryable), and the pool discards it on release.
  pool.on("connect", (client) => {
    client.on("error", (error) => logger.debug({ err: error.message }, "Postgres connection lost"));
  });
  return pool;
}
