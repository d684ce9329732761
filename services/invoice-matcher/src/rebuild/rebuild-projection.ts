// Rebuilds the matcher's Postgres projection from its event log (issue 12, item 3): reads the
// matcher-events topic from offset 0 (the audit's reader, up to the end offsets taken at start),
// folds each invoice's events with `evolve`, and writes the invoice rows and the journal into a
// NEW schema, migrated first. The live schema is never written; switching the matcher to the
// rebuilt schema is a separate, fenced step (switchToRebuilt). Docs: docs/operations.md, "Rebuild
// the projection from the log".
//
// What the log does not hold is copied from the live schema, if one is given: the onion keys of
// held HTLCs (htlc_onions, from the HTLC records: the matcher needs them to encrypt a failure
// later) and the bridges' last block heights (bridge_heartbeats). The outbox starts empty: a
// switch refuses while the live outbox has unpublished rows.
import pg from "pg";
import { evolve, initialState, type InvoiceState } from "../domain/index.ts";
import { eventToJson, serializeState } from "../serialization/index.ts";
import { migrate } from "../postgres/migrate.ts";
import { PUBLISHER_LOCK_ID } from "../application/outbox-publisher.ts";
import { inSequence } from "../audit/event-sequence.ts";
import { readMatcherEvents, type AuditOptions } from "../audit/replay-audit.ts";

export class RebuildError extends Error {
  override readonly name = "RebuildError";
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

export function schemaNameProblem(name: string): string | undefined {
  return IDENTIFIER.test(name) ? undefined : `schema "${name}" must be a plain lower-case SQL identifier ([a-z_][a-z0-9_]*, at most 63 characters)`;
}

export interface RebuildOptions {
  readonly kafka: AuditOptions["kafka"];
  readonly deployment?: string;
  /** The matcher-events topic. */
  readonly topic: string;
  readonly postgresUrl: string;
  /** Must not exist yet: created and migrated here. */
  readonly targetSchema: string;
  /** The live projection's schema: its onion keys and bridge heights are copied (read only). */
  readonly liveSchema?: string;
  /** Invoices per insert statement (default 500). */
  readonly batchSize?: number;
  readonly timeoutMs?: number;
  /** Progress lines (stderr in the CLI). */
  readonly progress?: (message: string) => void;
}

export interface RebuildReport {
  readonly targetSchema: string;
  readonly invoices: number;
  /** Distinct events written to the journal (redelivered copies of a record counted once). */
  readonly events: number;
  /** Records read from the topic, redeliveries included. */
  readonly records: number;
  readonly readMs: number;
  readonly writeMs: number;
  /** Distinct events per second, reading and writing together. */
  readonly eventsPerSecond: number;
  /** Rows copied from the live schema (null: no live schema given). */
  readonly copiedFromLive: { readonly htlcOnions: number; readonly bridgeHeartbeats: number } | null;
}

interface JournalRow {
  paymentHash: string;
  sequence: number;
  type: string;
  payload: string;
  atMs: number;
}

export async function rebuildProjection(options: RebuildOptions): Promise<RebuildReport> {
  const progress = options.progress ?? (() => undefined);
  for (const name of [options.targetSchema, options.liveSchema].filter((s): s is string => s !== undefined)) {
    const problem = schemaNameProblem(name);
    if (problem !== undefined) throw new RebuildError(problem);
  }
  if (options.targetSchema === options.liveSchema) throw new RebuildError("the target schema must not be the live schema: a rebuild never writes the live projection");
  const admin = new pg.Client({ connectionString: options.postgresUrl });
  await admin.connect();
  try {
    const exists = await admin.query("select 1 from pg_namespace where nspname = $1", [options.targetSchema]);
    if ((exists.rowCount ?? 0) > 0) throw new RebuildError(`schema ${options.targetSchema} exists already: name a new one, or drop it first (drop schema ${options.targetSchema} cascade)`);
    if (options.liveSchema !== undefined) {
      const live = await admin.query("select 1 from pg_namespace where nspname = $1", [options.liveSchema]);
      if ((live.rowCount ?? 0) === 0) throw new RebuildError(`live schema ${options.liveSchema} does not exist`);
    }
  } finally {
    await admin.end();
  }

  const started = Date.now();
  progress(`reading ${options.topic} from offset 0`);
  const log = await readMatcherEvents({
    kafka: options.kafka,
    ...(options.deployment === undefined ? {} : { deployment: options.deployment }),
    topic: options.topic,
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
  });
  if (log.unreadable.length > 0) {
    const first = log.unreadable[0]!;
    throw new RebuildError(
      `${log.unreadable.length} record(s) of ${options.topic} cannot be read (first: partition ${first.partition} offset ${first.offset}: ${first.error}); nothing was written`,
    );
  }
  const states: { state: InvoiceState; version: number }[] = [];
  const journal: JournalRow[] = [];
  for (const [paymentHash, logged] of log.byHash) {
    const { ordered, gap } = inSequence(paymentHash, logged);
    if (gap !== null)
      throw new RebuildError(
        `the log of invoice ${paymentHash} has a gap (missing ${gap.missing.join(",") || "-"}, duplicated ${gap.duplicated.join(",") || "-"}): a state folded from it would be wrong; nothing was written`,
      );
    const state = ordered.reduce((s, { event }) => evolve(s, event), initialState());
    if (state.invoice === null) throw new RebuildError(`the log of invoice ${paymentHash} does not start with its InvoiceCreated; nothing was written`);
    // version = the number of events applied (no gap: the last sequence).
    states.push({ state, version: ordered.length });
    for (const { sequence, event, atMs } of ordered) journal.push({ paymentHash, sequence, type: event.type, payload: JSON.stringify(eventToJson(event)), atMs });
  }
  const readMs = Date.now() - started;
  progress(`read ${log.records} records: ${states.length} invoices, ${journal.length} events in ${readMs} ms`);

  const writeStarted = Date.now();
  await migrate({ databaseUrl: options.postgresUrl, schema: options.targetSchema });
  const client = new pg.Client({ connectionString: options.postgresUrl, options: `-c search_path=${options.targetSchema}` });
  await client.connect();
  let copiedFromLive: RebuildReport["copiedFromLive"] = null;
  try {
    await client.query("begin");
    const batch = options.batchSize ?? 500;
    for (let i = 0; i < states.length; i += batch) {
      await insertInvoices(client, states.slice(i, i + batch));
      if (i + batch < states.length) progress(`wrote ${i + batch}/${states.length} invoices`);
    }
    // The order subscribers resume by: the order the matcher decided in, as near as the log tells.
    journal.sort((a, b) => a.atMs - b.atMs || a.paymentHash.localeCompare(b.paymentHash) || a.sequence - b.sequence);
    for (let i = 0; i < journal.length; i += batch * 4) await insertJournal(client, journal.slice(i, i + batch * 4));
    await client.query("update invoice_event_journal set visible_seq = global_seq");
    await client.query("select setval('invoice_event_journal_visible_seq_seq', coalesce((select max(global_seq) from invoice_event_journal), 0) + 1, false)");
    if (options.liveSchema !== undefined) copiedFromLive = await copyInputCaches(client, options.liveSchema, options.targetSchema);
    await client.query("commit");
  } catch (error) {
    await client.query("rollback").catch(() => undefined);
    throw error;
  } finally {
    await client.end();
  }
  const writeMs = Date.now() - writeStarted;
  const totalMs = Math.max(1, Date.now() - started);
  progress(`wrote ${states.length} invoices and ${journal.length} journal rows into ${options.targetSchema} in ${writeMs} ms`);
  return {
    targetSchema: options.targetSchema,
    invoices: states.length,
    events: journal.length,
    records: log.records,
    readMs,
    writeMs,
    eventsPerSecond: Math.round((journal.length / totalMs) * 1000),
    copiedFromLive,
  };
}

// The same columns saveDecision (postgres/invoice-store.ts) writes, many invoices per statement.
async function insertInvoices(client: pg.Client, states: readonly { state: InvoiceState; version: number }[]): Promise<void> {
  const columns: unknown[][] = [[], [], [], [], [], [], [], []];
  for (const { state, version } of states) {
    const invoice = state.invoice!;
    const hasHeld = [...state.htlcs.values()].some((h) => h.status === "HELD");
    const values = [state.paymentHash, invoice.terms.externalRef, invoice.status, JSON.stringify(serializeState(state)), version, invoice.terms.createdAt, invoice.terms.expiresAt, hasHeld];
    values.forEach((v, i) => columns[i]!.push(v));
  }
  await client.query(
    `insert into invoices (payment_hash, external_ref, status, state, version, created_at_ms, expires_at_ms, has_held_htlcs)
     select * from unnest($1::text[], $2::text[], $3::text[], $4::jsonb[], $5::bigint[], $6::bigint[], $7::bigint[], $8::boolean[])`,
    columns,
  );
}

async function insertJournal(client: pg.Client, rows: readonly JournalRow[]): Promise<void> {
  await client.query(
    `insert into invoice_event_journal (payment_hash, sequence, event_type, payload, at_ms)
     select h, s, t, p, a from unnest($1::text[], $2::bigint[], $3::text[], $4::jsonb[], $5::bigint[]) with ordinality as r(h, s, t, p, a, n) order by n`,
    [rows.map((r) => r.paymentHash), rows.map((r) => r.sequence), rows.map((r) => r.type), rows.map((r) => r.payload), rows.map((r) => r.atMs)],
  );
}

async function copyInputCaches(client: pg.Client, live: string, target: string): Promise<{ htlcOnions: number; bridgeHeartbeats: number }> {
  const onions = await client.query(
    `insert into ${target}.htlc_onions (node_id, chan_id, htlc_id, payment_hash, ephemeral_pubkey)
     select node_id, chan_id, htlc_id, payment_hash, ephemeral_pubkey from ${live}.htlc_onions on conflict do nothing`,
  );
  const heights = await client.query(
    `insert into ${target}.bridge_heartbeats (node_id, last_seen_ms, block_height)
     select node_id, last_seen_ms, block_height from ${live}.bridge_heartbeats
     on conflict (node_id) do update set last_seen_ms = greatest(bridge_heartbeats.last_seen_ms, excluded.last_seen_ms),
       block_height = greatest(bridge_heartbeats.block_height, excluded.block_height)`,
  );
  return { htlcOnions: onions.rowCount ?? 0, bridgeHeartbeats: heights.rowCount ?? 0 };
}

export interface ProjectionComparison {
  /** Invoices in both schemas whose row differs (state, version, status, reference or held flag). */
  readonly differing: readonly string[];
  readonly onlyInLive: readonly string[];
  readonly onlyInRebuilt: readonly string[];
  /** Journal entries (payment hash #sequence) present on one side only or with another payload. */
  readonly journalDiffering: readonly string[];
}

export const projectionsEqual = (c: ProjectionComparison): boolean =>
  c.differing.length === 0 && c.onlyInLive.length === 0 && c.onlyInRebuilt.length === 0 && c.journalDiffering.length === 0;

/** Compares two projections row by row (jsonb equality: key order and spacing do not count). */
export async function compareProjections(postgresUrl: string, live: string, rebuilt: string): Promise<ProjectionComparison> {
  for (const name of [live, rebuilt]) {
    const problem = schemaNameProblem(name);
    if (problem !== undefined) throw new RebuildError(problem);
  }
  const client = new pg.Client({ connectionString: postgresUrl });
  await client.connect();
  try {
    const rows = await client.query<{ payment_hash: string; only_live: boolean; only_rebuilt: boolean }>(
      `select coalesce(l.payment_hash, r.payment_hash) as payment_hash, r.payment_hash is null as only_live, l.payment_hash is null as only_rebuilt
       from ${live}.invoices l full outer join ${rebuilt}.invoices r on l.payment_hash = r.payment_hash
       where l.payment_hash is null or r.payment_hash is null or l.state <> r.state or l.version <> r.version or l.status <> r.status
          or l.external_ref <> r.external_ref or l.has_held_htlcs <> r.has_held_htlcs
       order by 1`,
    );
    const journal = await client.query<{ entry: string }>(
      `select coalesce(l.payment_hash, r.payment_hash) || '#' || coalesce(l.sequence, r.sequence) as entry
       from ${live}.invoice_event_journal l full outer join ${rebuilt}.invoice_event_journal r on l.payment_hash = r.payment_hash and l.sequence = r.sequence
       where l.payment_hash is null or r.payment_hash is null or l.payload <> r.payload or l.event_type <> r.event_type
       order by 1`,
    );
    return {
      differing: rows.rows.filter((r) => !r.only_live && !r.only_rebuilt).map((r) => r.payment_hash),
      onlyInLive: rows.rows.filter((r) => r.only_live).map((r) => r.payment_hash),
      onlyInRebuilt: rows.rows.filter((r) => r.only_rebuilt).map((r) => r.payment_hash),
      journalDiffering: journal.rows.map((r) => r.entry),
    };
  } finally {
    await client.end();
  }
}

/**
 * Puts the rebuilt schema in the live one's place, in one transaction: the live schema is renamed
 * to `<live>_replaced_<ms>` (kept for inspection) and the rebuilt one takes its name, so the
 * matcher's config does not change. Fenced: refused while a matcher runs on the live schema (its
 * outbox publisher holds an advisory lock for the schema) or while the live outbox has
 * unpublished rows (they are not in the log, so not in the rebuild). The onion keys and bridge
 * heights are copied again, as of now.
 */
export async function switchToRebuilt(postgresUrl: string, live: string, rebuilt: string, now: () => number = Date.now): Promise<{ replacedSchema: string }> {
  for (const name of [live, rebuilt]) {
    const problem = schemaNameProblem(name);
    if (problem !== undefined) throw new RebuildError(problem);
  }
  const replacedSchema = `${live.slice(0, 40)}_replaced_${now()}`;
  const client = new pg.Client({ connectionString: postgresUrl });
  await client.connect();
  try {
    await client.query("begin");
    const fence = await client.query<{ ok: boolean }>("select pg_try_advisory_xact_lock($1, hashtext($2)) as ok", [PUBLISHER_LOCK_ID, live]);
    if (fence.rows[0]?.ok !== true) throw new RebuildError(`a matcher is running on schema ${live} (it holds the outbox publisher's lock): stop every matcher of the deployment, then switch`);
    const pending = await client.query<{ count: string }>(`select count(*) as count from ${live}.outbox where published_at is null and quarantined_reason is null`);
    if (pending.rows[0]?.count !== "0")
      throw new RebuildError(`the live outbox of ${live} has ${pending.rows[0]?.count} unpublished row(s), which the log (and so the rebuild) does not hold yet: run the matcher until they are published, stop it, rebuild again`);
    await copyInputCaches(client, live, rebuilt);
    await client.query(`alter schema ${live} rename to ${replacedSchema}`);
    await client.query(`alter schema ${rebuilt} rename to ${live}`);
    await client.query("commit");
    return { replacedSchema };
  } catch (error) {
    await client.query("rollback").catch(() => undefined);
    throw error;
  } finally {
    await client.end();
  }
}
