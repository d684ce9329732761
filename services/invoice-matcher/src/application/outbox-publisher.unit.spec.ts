import { EventEmitter } from "node:events";
import type pg from "pg";
import type { Logger } from "pino";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { EventLogRecord, SerialProducer } from "@ic/event-log";
import { waitUntil } from "../../../../test/support/wait-until.ts";
import type { CoordinatorIdentity } from "./coordinator-identity.ts";
import { startOutboxPublisher, type OutboxPublisher } from "./outbox-publisher.ts";

/** A pooled connection: answers the advisory lock calls; `release` records how it was given back. */
class FakeClient extends EventEmitter {
  released: (Error | boolean | undefined)[] = [];
  constructor(private readonly answer: () => { ok: boolean } | Error) {
    super();
  }
  async query(sql: string): Promise<{ rows: { ok: boolean }[] }> {
    if (sql.includes("pg_advisory_unlock")) return { rows: [{ ok: true }] };
    const answer = this.answer();
    if (answer instanceof Error) throw answer;
    return { rows: [answer] };
  }
  release(error?: Error | boolean): void {
    this.released.push(error);
  }
}

interface Row {
  id: string;
  topic: string;
  record_key: string;
  kind: string;
  payload: unknown;
}

/** The outbox table and the lock connections. */
function fakePool(lockAnswers: (() => { ok: boolean } | Error)[]) {
  const rows: Row[] = [];
  const published = new Set<string>();
  const quarantined = new Map<string, string>();
  const clients: FakeClient[] = [];
  const statements = { reads: 0, marks: 0, marksStarted: 0, excluded: [] as string[][] };
  /** The mark statement waits for gate() and fails while fail() says so (tests set them). */
  const marks = { gate: async (): Promise<void> => undefined, fail: (): boolean => false };
  const pool = {
    connect: async () => {
      const client = new FakeClient(lockAnswers[Math.min(clients.length, lockAnswers.length - 1)]!);
      clients.push(client);
      return client;
    },
    // Statements come as text and values, or as a named (prepared) statement's config.
    query: async (textOrConfig: string | { text: string; values: unknown[] }, values?: unknown[]) => {
      const [sql, params] = typeof textOrConfig === "string" ? [textOrConfig, values ?? []] : [textOrConfig.text, textOrConfig.values];
      if (sql.startsWith("select id, topic")) statements.reads += 1;
      if (sql.startsWith("select id, topic")) {
        const except = new Set((params[1] as string[] | undefined) ?? []);
        statements.excluded.push([...except]);
        return { rows: rows.filter((r) => !published.has(r.id) && !quarantined.has(r.id) && !except.has(r.id)).slice(0, params[0] as number) };
      }
      // The end of a round: the sent rows marked published and the journal stamped, one statement.
      if (sql.startsWith("with marked as")) {
        statements.marksStarted += 1;
        await marks.gate();
        if (marks.fail()) throw new Error("connection lost while marking");
        for (const id of params[0] as string[]) published.add(id);
        statements.marks += 1;
        return { rows: [{ stamped: 0 }], rowCount: 1 };
      }
      if (sql.startsWith("update outbox set quarantined_reason")) {
        quarantined.set(String(params[0]), String(params[1]));
        return { rows: [], rowCount: 1 };
      }
      if (sql.startsWith("update outbox set published_at")) {
        for (const id of params[0] as string[]) published.add(id);
        return { rows: [], rowCount: 1 };
      }
      throw new Error(`unexpected query ${sql}`);
    },
  };
  return { pool: pool as unknown as pg.Pool, rows, published, quarantined, clients, statements, marks };
}

function encodedRow(id: number): Row {
  return { id: String(id), topic: "t.events", record_key: "k", kind: "encoded", payload: { value: Buffer.from(`v${id}`).toString("base64"), headers: {} } };
}

function fakeProducer(fail: (record: EventLogRecord) => boolean = () => false) {
  const sent: string[] = [];
  const batches: number[] = [];
  const producer: SerialProducer = {
    connect: async () => undefined,
    disconnect: async () => undefined,
    send: async () => {
      throw new Error("the publisher sends batches");
    },
    // One request: refused as a whole, or every record of it sent.
    sendBatch: async (records) => {
      batches.push(records.length);
      if (records.some(fail)) throw new Error("broker said no");
      for (const record of records) sent.push(Buffer.from(record.messages[0]!.value as Buffer).toString());
      return [];
    },
  };
  return { producer, sent, batches };
}

const until = (probe: () => boolean) => waitUntil("the publisher", probe, { timeoutMs: 5_000, intervalMs: 5 });
const logger = { info: vi.fn(), warn: vi.fn(), error: vi.fn() } as unknown as Logger;
const identity = {} as CoordinatorIdentity;
let publisher: OutboxPublisher | undefined;

afterEach(async () => {
  await publisher?.stop();
  publisher = undefined;
  vi.clearAllMocks();
});

let failedRounds = 0;
let quarantinedKinds: string[] = [];

function start(pool: pg.Pool, producer: SerialProducer, id: CoordinatorIdentity = identity, pollIntervalMs = 20): OutboxPublisher {
  failedRounds = 0;
  quarantinedKinds = [];
  publisher = startOutboxPublisher({
    pool,
    producer,
    identity: id,
    logger,
    now: () => 0,
    pollIntervalMs,
    onRoundFailed: () => failedRounds++,
    onQuarantined: (row) => quarantinedKinds.push(row.kind),
  });
  return publisher;
}

const NODE = "02" + "11".repeat(32);
const HASH = "ab".repeat(32);
/** A stored SettleHtlc command row, as the processor writes it. */
function settleRow(id: number, paymentSecret: string | null): Row {
  return {
    id: String(id),
    topic: "t.commands",
    record_key: NODE,
    kind: "htlc-command",
    payload: {
      commandId: `c${id}`,
      command: { type: "SettleHtlc", data: { key: { nodeId: NODE, chanId: "5", htlcId: String(id) }, paymentHash: HASH, expected: { incomingAmountMsat: "1000", incomingExpiry: 600 } } },
      paymentSecret,
    },
  };
}

describe("outbox publisher", () => {
  it("sends committed rows in id order and marks each published", async () => {
    const db = fakePool([() => ({ ok: true })]);
    db.rows.push(encodedRow(1), encodedRow(2), encodedRow(3));
    const { producer, sent } = fakeProducer();
    start(db.pool, producer);
    await until(() => db.published.size === 3);
    expect(sent).toEqual(["v1", "v2", "v3"]);
  });

  it("sends the rows waiting at once in one produce request (one broker round trip, not one per row)", async () => {
    const db = fakePool([() => ({ ok: true })]);
    db.rows.push(encodedRow(1), encodedRow(2), encodedRow(3), encodedRow(4));
    const { producer, sent, batches } = fakeProducer();
    start(db.pool, producer);
    await until(() => db.published.size === 4);
    expect(sent).toEqual(["v1", "v2", "v3", "v4"]);
    expect(batches).toEqual([4]);
  });

  it("a round is two statements: one read, then the sent rows marked and the journal stamped in one", async () => {
    const db = fakePool([() => ({ ok: true })]);
    db.rows.push(encodedRow(1), encodedRow(2), encodedRow(3));
    const { producer } = fakeProducer();
    // No poll during the test: only the first round runs.
    start(db.pool, producer, identity, 60_000);
    await until(() => db.published.size === 3);
    // Fewer rows than a round takes: no second read (a commit meanwhile would have woken another round).
    expect({ reads: db.statements.reads, marks: db.statements.marks }).toEqual({ reads: 1, marks: 1 });
  });

  it("more rows than a round takes go out in rounds of 200, one after another without waiting for a wake", async () => {
    const db = fakePool([() => ({ ok: true })]);
    for (let id = 1; id <= 450; id++) db.rows.push(encodedRow(id));
    const { producer, batches } = fakeProducer();
    start(db.pool, producer, identity, 60_000);
    await until(() => db.published.size === 450);
    expect(batches).toEqual([200, 200, 50]);
    expect({ reads: db.statements.reads, marks: db.statements.marks }).toEqual({ reads: 3, marks: 3 });
  });

  it("reads and sends the next round while the last one is being marked, leaving the marked rows out; one mark at a time", async () => {
    const db = fakePool([() => ({ ok: true })]);
    let release = (): void => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    db.marks.gate = () => held;
    db.rows.push(encodedRow(1), encodedRow(2));
    const { producer, sent } = fakeProducer();
    const p = start(db.pool, producer, identity, 60_000);
    await until(() => db.statements.marksStarted === 1);
    // A decision commits while the first round's mark hangs: its row goes out without waiting.
    db.rows.push(encodedRow(3));
    p.wake();
    await until(() => sent.length === 3);
    expect(sent).toEqual(["v1", "v2", "v3"]);
    expect(db.statements.excluded.at(-1)).toEqual(["1", "2"]);
    // The second mark waits for the first (the journal's stamps have one writer).
    expect(db.statements.marksStarted).toBe(1);
    release();
    await until(() => db.published.size === 3);
    expect(db.statements.marks).toBe(2);
  });

  it("rows whose mark failed are sent again (at-least-once), and the failure is counted", async () => {
    const db = fakePool([() => ({ ok: true })]);
    let failing = true;
    db.marks.fail = () => failing;
    db.rows.push(encodedRow(1));
    const { producer, sent } = fakeProducer();
    start(db.pool, producer);
    await until(() => failedRounds >= 1 && sent.length >= 2);
    failing = false;
    await until(() => db.published.size === 1);
    expect(new Set(sent)).toEqual(new Set(["v1"]));
    expect(logger.error).toHaveBeenCalledWith(expect.objectContaining({ rows: 1 }), "outbox rows sent but not marked published; they are sent again");
  });

  it("stop waits for a mark under way", async () => {
    const db = fakePool([() => ({ ok: true })]);
    let release = (): void => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    db.marks.gate = () => held;
    db.rows.push(encodedRow(1));
    const { producer } = fakeProducer();
    const p = start(db.pool, producer, identity, 60_000);
    await until(() => db.statements.marksStarted === 1);
    let stopped = false;
    const stopping = p.stop().then(() => (stopped = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(db.published.has("1")).toBe(true);
    publisher = undefined;
  });

  it("a row Kafka refuses is retried, and the rows after it wait (order is kept)", async () => {
    const db = fakePool([() => ({ ok: true })]);
    db.rows.push(encodedRow(1), encodedRow(2));
    let refuse = true;
    const { producer, sent } = fakeProducer((record) => refuse && Buffer.from(record.messages[0]!.value as Buffer).toString() === "v1");
    start(db.pool, producer);
    await until(() => failedRounds >= 2);
    expect(sent).toEqual([]);
    refuse = false;
    await until(() => db.published.size === 2);
    expect(sent).toEqual(["v1", "v2"]);
  });

  it("a row no retry can build is quarantined with its reason, and the rows behind it go on", async () => {
    const db = fakePool([() => ({ ok: true })]);
    db.rows.push(encodedRow(1), { ...encodedRow(2), kind: "mystery" }, settleRow(3, null), encodedRow(4));
    const { producer, sent } = fakeProducer();
    start(db.pool, producer);
    await until(() => db.published.size === 2);
    expect(sent).toEqual(["v1", "v4"]);
    expect([...db.quarantined.keys()]).toEqual(["2", "3"]);
    expect(db.quarantined.get("2")).toBe("unknown outbox row kind mystery");
    expect(db.quarantined.get("3")).toMatch(/settle for .* without an invoice/);
    expect(quarantinedKinds).toEqual(["mystery", "htlc-command"]);
    expect(failedRounds).toBe(0);
  });

  it("a settle the preimage seed does not open is not quarantined: the outbox waits for the right seed", async () => {
    const db = fakePool([() => ({ ok: true })]);
    db.rows.push(settleRow(1, "cd".repeat(32)), encodedRow(2));
    const { producer, sent } = fakeProducer();
    const wrongSeed = { preimageFor: () => ({ preimage: new Uint8Array(32), paymentHash: new Uint8Array(32) }) } as unknown as CoordinatorIdentity;
    start(db.pool, producer, wrongSeed);
    await until(() => failedRounds >= 2);
    expect(sent).toEqual([]);
    expect(db.quarantined.size).toBe(0);
    expect(db.published.size).toBe(0);
  });

  it("publishes nothing while another matcher holds the lock", async () => {
    const db = fakePool([() => ({ ok: false })]);
    db.rows.push(encodedRow(1));
    const { producer, sent } = fakeProducer();
    start(db.pool, producer);
    await until(() => db.clients.length >= 3);
    expect(sent).toEqual([]);
    expect(db.clients.every((c) => c.released.length === 1 && c.released[0] === undefined)).toBe(true);
  });

  it("gives back (and drops) the connection when taking the lock fails, then tries again", async () => {
    const db = fakePool([() => new Error("connection terminated"), () => ({ ok: true })]);
    db.rows.push(encodedRow(1));
    const { producer, sent } = fakeProducer();
    start(db.pool, producer);
    await until(() => db.published.size === 1);
    expect(db.clients[0]!.released).toEqual([new Error("connection terminated")]);
    expect(sent).toEqual(["v1"]);
  });

  it("survives losing the lock connection and takes the lock again", async () => {
    const db = fakePool([() => ({ ok: true })]);
    const { producer, sent } = fakeProducer();
    const running = start(db.pool, producer);
    await until(() => db.clients.length === 1);
    const lost = new Error("terminating connection due to administrator command");
    // Without a listener, EventEmitter throws here (and the process would crash).
    expect(() => db.clients[0]!.emit("error", lost)).not.toThrow();
    expect(db.clients[0]!.released).toEqual([lost]);
    db.rows.push(encodedRow(1));
    running.wake();
    await until(() => db.published.size === 1);
    expect(db.clients).toHaveLength(2);
    expect(sent).toEqual(["v1"]);
  });

  it("stop() unlocks and gives the lock connection back once", async () => {
    const db = fakePool([() => ({ ok: true })]);
    const { producer } = fakeProducer();
    const running = start(db.pool, producer);
    await until(() => db.clients.length === 1);
    await running.stop();
    publisher = undefined;
    expect(db.clients[0]!.released).toEqual([undefined]);
    expect(db.clients[0]!.listenerCount("error")).toBe(0);
  });
});
