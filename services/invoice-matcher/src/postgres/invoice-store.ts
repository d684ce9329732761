// Postgres persistence of the matcher: the invoice projection, the event journal, the outbox and
// the onion keys. Row types stay here; callers get domain values (STYLE.md §9).
import { createHash } from "node:crypto";
import type pg from "pg";
import { initialState, type InvoiceEvent, type InvoiceState, type HtlcKey } from "../domain/index.ts";
import { deserializeState, eventToJson, serializeState } from "../serialization/index.ts";

export type Queryable = Pick<pg.PoolClient, "query">;

const statementNames = new Map<string, string>();

/**
 * A statement of every decision as a named (prepared) one: Postgres parses, analyses and plans it
 * once per connection instead of on every call (the decision's write is a statement of several
 * parts). The name is the text's hash, so each of saveDecision's shapes (insert or update, how
 * many events and outbox rows) is a statement of its own; values never enter the text.
 */
export function preparedStatement(text: string, values: readonly unknown[]): pg.QueryConfig {
  let name = statementNames.get(text);
  if (name === undefined) {
    name = `ic_${createHash("sha256").update(text).digest("hex").slice(0, 32)}`;
    // A bound on what is remembered, not on what is prepared (a connection keeps its own).
    if (statementNames.size < 1000) statementNames.set(text, name);
  }
  return { name, text, values: [...values] };
}

/** Advisory locks are per database: each is paired with the schema's hash so schemas do not share them. */

export interface LoadedInvoice {
  state: InvoiceState;
  /** Number of domain events applied so far (0: no row yet). */
  version: number;
}

export async function loadInvoice(db: Queryable, paymentHash: string): Promise<InvoiceState | undefined> {
  const result = await db.query<{ state: unknown }>("select state from invoices where payment_hash = $1", [paymentHash]);
  const row = result.rows[0];
  return row === undefined ? undefined : deserializeState(row.state);
}

export async function paymentHashByExternalRef(db: Queryable, externalRef: string): Promise<string | undefined> {
  const result = await db.query<{ payment_hash: string }>("select payment_hash from invoices where external_ref = $1", [externalRef]);
  return result.rows[0]?.payment_hash;
}

/** Writes the new state and journals the events that produced it (saveDecision without outbox rows). */
export async function saveInvoice(db: Queryable, state: InvoiceState, previousVersion: number, events: readonly InvoiceEvent[], atMs: number): Promise<void> {
  await saveDecision(db, { state, previousVersion, events, atMs }, []);
}

/** The decision was made on a state that another decision changed since (retry it on the new state). */
export class InvoiceChangedConcurrentlyError extends Error {
  override readonly name = "InvoiceChangedConcurrentlyError";
  constructor(readonly paymentHash: string) {
    super(`invoice ${paymentHash} changed concurrently`);
  }
}

// What the statement's last part casts to int when its guard failed: the cast fails, which aborts
// the whole statement (all its parts, the journal and outbox rows too).
const CHANGED_MARKER = "ic: invoice changed concurrently";

/** Reads one invoice without locking it (a decision's read; its write is guarded by the version). */
export async function loadInvoiceVersion(db: Queryable, paymentHash: string): Promise<LoadedInvoice> {
  const result = await db.query<{ state: unknown; version: string }>(preparedStatement("select state, version from invoices where payment_hash = $1", [paymentHash]));
  const row = result.rows[0];
  if (row === undefined) return { state: initialState(), version: 0 };
  return { state: deserializeState(row.state), version: Number(row.version) };
}

/**
 * Everything one decision writes, in ONE statement (one round trip; outside a transaction, one
 * commit): the invoice row (insert, or update guarded by its version), its journal rows and its
 * outbox rows, as saveInvoice and addToOutbox write them, and with `options.onion` the HTLC's
 * onion key (htlc_onions; a replayed HTLC's key is already there). The statement's parts see one
 * snapshot and their foreign keys are checked at its end, so a new invoice's journal rows may
 * reference it.
 *
 * The statement writes nothing and throws InvoiceChangedConcurrentlyError when the decision's
 * state is no longer the invoice's: the update finds another version (it waits for a concurrent
 * writer's row lock, then checks the version of the row that writer left), the insert of a new
 * invoice finds one there, its journal rows find their sequence taken, or, without an invoice
 * write, `options.expectVersion` is not the invoice's version any more (checked under the row's
 * lock, `for update`; 0: no row). So a decision read without a lock commits only on the state
 * it was made on (optimistic concurrency: one writer per invoice version, as the row lock gave
 * before).
 */
export async function saveDecision(
  db: Queryable,
  invoiceWrite: { state: InvoiceState; previousVersion: number; events: readonly InvoiceEvent[]; atMs: number } | undefined,
  outbox: readonly Omit<OutboxRow, "id">[],
  options: { paymentHash?: string; expectVersion?: number; onion?: { key: HtlcKey; ephemeralPubkey: Uint8Array } } = {},
): Promise<void> {
  // Nothing to write: no statement (a decision with no events, no commands and no onion to note).
  if (invoiceWrite === undefined && outbox.length === 0 && options.onion === undefined) return;
  const params: unknown[] = [];
  const p = (value: unknown): string => {
    params.push(value);
    return `$${params.length}`;
  };
  const parts: string[] = [];
  // The row count the guard must see, or no guard.
  let guard: string | undefined;
  const paymentHash = invoiceWrite?.state.paymentHash ?? options.paymentHash;
  if (invoiceWrite !== undefined) {
    const { state, previousVersion, events, atMs } = invoiceWrite;
    const invoice = state.invoice;
    if (invoice === null || state.paymentHash === null) throw new Error("saveDecision needs a created invoice");
    const version = previousVersion + events.length;
    const hasHeld = [...state.htlcs.values()].some((h) => h.status === "HELD");
    parts.push(
      previousVersion === 0
        ? `inv as (insert into invoices (payment_hash, external_ref, status, state, version, created_at_ms, expires_at_ms, has_held_htlcs)
             values (${p(state.paymentHash)}, ${p(invoice.terms.externalRef)}, ${p(invoice.status)}, ${p(serializeState(state))}, ${p(version)}, ${p(invoice.terms.createdAt)}, ${p(invoice.terms.expiresAt)}, ${p(hasHeld)}) returning 1)`
        : `inv as (update invoices set status = ${p(invoice.status)}, state = ${p(serializeState(state))}, version = ${p(version)}, has_held_htlcs = ${p(hasHeld)}
             where payment_hash = ${p(state.paymentHash)} and version = ${p(previousVersion)} returning 1)`,
    );
    guard = "inv";
    if (events.length > 0) {
      const hash = p(state.paymentHash);
      const at = p(atMs);
      const rows = events.map((event, i) => `(${hash}, ${p(previousVersion + i + 1)}, ${p(event.type)}, ${p(eventToJson(event))}, ${at})`);
      parts.push(`jrn as (insert into invoice_event_journal (payment_hash, sequence, event_type, payload, at_ms) values ${rows.join(", ")})`);
    }
  } else if (options.expectVersion !== undefined && paymentHash !== undefined) {
    parts.push(
      options.expectVersion === 0
        ? `grd as (select 1 where not exists (select 1 from invoices where payment_hash = ${p(paymentHash)}))`
        : `grd as (select 1 from invoices where payment_hash = ${p(paymentHash)} and version = ${p(options.expectVersion)} for update)`,
    );
    guard = "grd";
  }
  if (options.onion !== undefined) {
    const { key, ephemeralPubkey } = options.onion;
    if (paymentHash === undefined) throw new Error("saveDecision notes an onion key only with its payment hash");
    parts.push(
      `noted as (insert into htlc_onions (node_id, chan_id, htlc_id, payment_hash, ephemeral_pubkey)
         values (${p(key.nodeId)}, ${p(key.chanId.toString())}, ${p(key.htlcId.toString())}, ${p(paymentHash)}, ${p(Buffer.from(ephemeralPubkey))})
         on conflict do nothing)`,
    );
  }
  if (outbox.length > 0) {
    // Ids are assigned in VALUES order, so the publisher sends them in the order given. Payloads
    // are JSON-safe already (serialization/: an htlc-command row is outboxCommandToJson's value);
    // a stray bigint throws here rather than be written in an encoding of its own.
    const rows = outbox.map((row) => `(${p(row.topic)}, ${p(row.recordKey)}, ${p(row.kind)}, ${p(JSON.stringify(row.payload))})`);
    parts.push(`obx as (insert into outbox (topic, record_key, kind, payload) values ${rows.join(", ")})`);
  }
  if (parts.length === 0) return;
  const last =
    guard === undefined
      ? "select 1 as written"
      : `select (case when count(*) = 1 then '1' else ${p(CHANGED_MARKER)} end)::int as written from ${guard}`;
  try {
    await db.query(preparedStatement(`with ${parts.join(", ")} ${last}`, params));
  } catch (error) {
    if (paymentHash !== undefined && isConcurrentChange(error)) throw new InvoiceChangedConcurrentlyError(paymentHash);
    throw error;
  }
}

/**
 * The unique keys another decision on the same invoice can take first: the invoice's row (a new
 * invoice inserted twice) and a journal sequence (both decisions journal version + 1). The
 * statement's parts run in an order Postgres does not promise, so the journal's key may be met
 * before the version guard fails; either way it is the same race, decided again on a new read.
 */
const RACED_KEYS: ReadonlySet<string> = new Set(["invoices_pkey", "invoice_event_journal_payment_hash_sequence_key"]);

/** The guard's cast failed (the version moved), or another decision took a key of the invoice's first. */
function isConcurrentChange(error: unknown): boolean {
  const e = error as { code?: string; message?: string; constraint?: string } | null;
  if (e === null || typeof e !== "object") return false;
  if (e.code === "22P02" && (e.message ?? "").includes(CHANGED_MARKER)) return true;
  return e.code === "23505" && e.constraint !== undefined && RACED_KEYS.has(e.constraint);
}

export interface OutboxRow {
  id: bigint;
  topic: string;
  recordKey: string;
  kind: string;
  payload: unknown;
}

/** Outbox rows alone (saveDecision without an invoice write). */
export async function addToOutbox(db: Queryable, rows: readonly Omit<OutboxRow, "id">[]): Promise<void> {
  await saveDecision(db, undefined, rows);
}

/**
 * Rows not yet published (nor set aside), in id order; `except` leaves out rows already sent whose
 * mark is still under way (the publisher reads its next round while the last one is marked).
 */
export async function unpublishedOutbox(db: Queryable, limit: number, except: readonly bigint[] = []): Promise<OutboxRow[]> {
  const result = await db.query<{ id: string; topic: string; record_key: string; kind: string; payload: unknown }>(
    except.length === 0
      ? preparedStatement("select id, topic, record_key, kind, payload from outbox where published_at is null and quarantined_reason is null order by id limit $1", [limit])
      : preparedStatement(
          "select id, topic, record_key, kind, payload from outbox where published_at is null and quarantined_reason is null and id <> all($2::bigint[]) order by id limit $1",
          [limit, except.map(String)],
        ),
  );
  return result.rows.map((r) => ({ id: BigInt(r.id), topic: r.topic, recordKey: r.record_key, kind: r.kind, payload: r.payload }));
}

/** Sets a row that can never be published aside, with why; later rows go on without it. */
export async function quarantineOutboxRow(db: Queryable, id: bigint, reason: string): Promise<void> {
  await db.query("update outbox set quarantined_reason = $2 where id = $1 and published_at is null", [String(id), reason.slice(0, 2000)]);
}

export async function markPublished(db: Queryable, ids: readonly bigint[]): Promise<void> {
  if (ids.length === 0) return;
  await db.query(preparedStatement("update outbox set published_at = now() where id = any($1::bigint[])", [ids.map(String)]));
}

/**
 * Deletes outbox rows published more than retentionHours ago (Postgres's clock, which stamped
 * them), in batches so no single statement holds many row locks; returns how many went. Rows not
 * yet published are never touched. What they held is in Kafka (and the journal) for good.
 */
export async function prunePublishedOutbox(db: Queryable, retentionHours: number, batchSize = 5_000): Promise<number> {
  let deleted = 0;
  for (;;) {
    const result = await db.query(
      `delete from outbox where id in (
         select id from outbox where published_at < now() - make_interval(hours => $1) order by id limit $2)`,
      [retentionHours, batchSize],
    );
    deleted += result.rowCount ?? 0;
    if ((result.rowCount ?? 0) < batchSize) return deleted;
  }
}

export async function loadOnionKey(db: Queryable, key: HtlcKey): Promise<Buffer | undefined> {
  const result = await db.query<{ ephemeral_pubkey: Buffer }>(
    "select ephemeral_pubkey from htlc_onions where node_id = $1 and chan_id = $2 and htlc_id = $3",
    [key.nodeId, key.chanId.toString(), key.htlcId.toString()],
  );
  return result.rows[0]?.ephemeral_pubkey;
}

export async function paymentHashOfHtlc(db: Queryable, key: HtlcKey): Promise<string | undefined> {
  const result = await db.query<{ payment_hash: string }>(
    "select payment_hash from htlc_onions where node_id = $1 and chan_id = $2 and htlc_id = $3",
    [key.nodeId, key.chanId.toString(), key.htlcId.toString()],
  );
  return result.rows[0]?.payment_hash;
}

/** Invoices a Tick may change: open or accepted (timeouts, expiry). */
export async function invoicesDueForTick(db: Queryable, nowMs: number): Promise<string[]> {
  const result = await db.query<{ payment_hash: string }>(
    `select payment_hash from invoices
     where (status in ('OPEN', 'ACCEPTED') and (has_held_htlcs or expires_at_ms <= $1))`,
    [nowMs],
  );
  return result.rows.map((r) => r.payment_hash);
}

export async function recordBridgeHeartbeat(db: Queryable, nodeId: string, atMs: number, blockHeight: number): Promise<void> {
  await db.query(
    `insert into bridge_heartbeats (node_id, last_seen_ms, block_height) values ($1, $2, $3)
     on conflict (node_id) do update set last_seen_ms = greatest(bridge_heartbeats.last_seen_ms, excluded.last_seen_ms),
       block_height = greatest(bridge_heartbeats.block_height, excluded.block_height)`,
    [nodeId, atMs, blockHeight],
  );
}

export async function bridgeHeartbeats(db: Queryable): Promise<Map<string, { lastSeenMs: number; blockHeight: number }>> {
  const result = await db.query<{ node_id: string; last_seen_ms: string; block_height: number }>("select * from bridge_heartbeats");
  return new Map(result.rows.map((r) => [r.node_id, { lastSeenMs: Number(r.last_seen_ms), blockHeight: r.block_height }]));
}

export async function listInvoiceStates(
  db: Queryable,
  afterCreatedAtMs: number,
  afterPaymentHash: string,
  limit: number,
): Promise<InvoiceState[]> {
  const result = await db.query<{ state: unknown }>(
    `select state from invoices where (created_at_ms, payment_hash) > ($1, $2)
     order by created_at_ms, payment_hash limit $3`,
    [afterCreatedAtMs, afterPaymentHash, limit],
  );
  return result.rows.map((r) => deserializeState(r.state));
}

export interface JournalEntry {
  globalSeq: bigint;
  paymentHash: string;
  /** The event's place in its invoice's history (1 = InvoiceCreated). */
  sequence: number;
  eventType: string;
  atMs: number;
}

/**
 * Journal entries of every type after a global sequence, in order. The global sequence readers
 * see is the stamp (visible_seq) given after commit; rows not stamped yet are not returned.
 */
export async function journalAfter(db: Queryable, afterGlobalSeq: bigint, limit: number): Promise<JournalEntry[]> {
  const result = await db.query<{ global_seq: string; payment_hash: string; sequence: string; event_type: string; at_ms: string }>(
    `select visible_seq as global_seq, payment_hash, sequence, event_type, at_ms from invoice_event_journal
     where visible_seq > $1 order by visible_seq limit $2`,
    [afterGlobalSeq.toString(), limit],
  );
  return result.rows.map((r) => ({
    globalSeq: BigInt(r.global_seq),
    paymentHash: r.payment_hash,
    sequence: Number(r.sequence),
    eventType: r.event_type,
    atMs: Number(r.at_ms),
  }));
}

/**
 * Gives committed, unstamped journal rows their place in the order readers resume by, in
 * global_seq order, and returns how many. Call from ONE writer at a time (the outbox publisher,
 * under its per-schema lock): each call commits its stamps at once, all above every earlier
 * stamp, so a reader that resumed after stamp N never misses a row stamped later. Rows of one
 * invoice commit in their order (each written only on the version the one before left), so they
 * are stamped in their order too.
 */
export async function stampJournal(db: Queryable, limit = 1000): Promise<number> {
  return markPublishedAndStamp(db, [], limit);
}

/**
 * markPublished and stampJournal in ONE statement (one round trip, one commit): the outbox
 * publisher's end of a round. The stamps are drawn from the sequence (nextval, one per row) and
 * paired with the rows both in ascending order, so the smallest global_seq gets the smallest
 * stamp whatever order nextval ran in. Returns how many journal rows were stamped.
 */
export async function markPublishedAndStamp(db: Queryable, publishedIds: readonly bigint[], stampLimit = 1000): Promise<number> {
  const result = await db.query<{ stamped: number }>(
    preparedStatement(
    `with marked as (
       update outbox set published_at = now() where id = any($1::bigint[])
     ),
     pending as (
       select global_seq from invoice_event_journal where visible_seq is null order by global_seq limit $2
     ),
     drawn as (
       select nextval('invoice_event_journal_visible_seq_seq') as seq from pending
     ),
     pairs as (
       select p.global_seq, d.seq
       from (select global_seq, row_number() over (order by global_seq) as n from pending) p
       join (select seq, row_number() over (order by seq) as n from drawn) d using (n)
     ),
     stamped as (
       update invoice_event_journal j set visible_seq = pairs.seq from pairs
       where j.global_seq = pairs.global_seq and j.visible_seq is null
       returning 1
     )
     select count(*)::int as stamped from stamped`,
    [publishedIds.map(String), stampLimit],
    ),
  );
  return result.rows[0]?.stamped ?? 0;
}

/** One journal row as written: the event's type and its data as jsonb (uint64 as decimal strings). */
export interface JournalEvent {
  sequence: number;
  eventType: string;
  payload: unknown;
}

/** The events of one invoice with afterSequence < sequence <= uptoSequence, in order. */
export async function journalOfInvoice(db: Queryable, paymentHash: string, afterSequence: number, uptoSequence: number): Promise<JournalEvent[]> {
  const result = await db.query<{ sequence: string; event_type: string; payload: unknown }>(
    `select sequence, event_type, payload from invoice_event_journal
     where payment_hash = $1 and sequence > $2 and sequence <= $3 order by sequence`,
    [paymentHash, afterSequence, uptoSequence],
  );
  return result.rows.map((r) => ({ sequence: Number(r.sequence), eventType: r.event_type, payload: r.payload }));
}
