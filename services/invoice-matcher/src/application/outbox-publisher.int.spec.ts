// The outbox publisher's lock against real PostgreSQL: one publisher per schema, and matchers on
// two schemas of one database (test runs, tenants) each publish their own outbox.
import { randomBytes } from "node:crypto";
import pg from "pg";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SerialProducer } from "@ic/event-log";
import { waitUntil } from "../../../../test/support/wait-until.ts";
import { addToOutbox } from "../postgres/invoice-store.ts";
import { migrate } from "../postgres/migrate.ts";
import type { CoordinatorIdentity } from "./coordinator-identity.ts";
import { startOutboxPublisher, type OutboxPublisher } from "./outbox-publisher.ts";
import { dropSchemas, TEST_DATABASE_URL } from "../testing/test-schema.ts";

const databaseUrl = TEST_DATABASE_URL;
const run = randomBytes(4).toString("hex");
const schemas = [`test_outbox_${run}_a`, `test_outbox_${run}_b`];
const pools: pg.Pool[] = [];
const publishers: OutboxPublisher[] = [];

beforeAll(async () => {
  for (const schema of schemas) {
    await migrate({ databaseUrl, schema });
    pools.push(new pg.Pool({ connectionString: databaseUrl, options: `-c search_path=${schema}` }));
  }
});

afterAll(async () => {
  for (const p of publishers) await p.stop();
  for (const p of pools) await p.end();
  await dropSchemas(...schemas);
});

function recordingProducer(): { producer: SerialProducer; sent: string[] } {
  const sent: string[] = [];
  return {
    sent,
    producer: {
      connect: async () => undefined,
      disconnect: async () => undefined,
      send: async (record) => {
        sent.push(Buffer.from(record.messages[0]!.value as Buffer).toString());
        return [];
      },
      sendBatch: async (records) => {
        for (const record of records) sent.push(Buffer.from(record.messages[0]!.value as Buffer).toString());
        return [];
      },
    },
  };
}

function start(pool: pg.Pool, producer: SerialProducer): OutboxPublisher {
  const publisher = startOutboxPublisher({
    pool,
    producer,
    identity: {} as CoordinatorIdentity,
    logger: pino({ level: "silent" }),
    now: () => 0,
    pollIntervalMs: 50,
  });
  publishers.push(publisher);
  return publisher;
}

const encoded = (text: string) => ({
  topic: "t.events",
  recordKey: "k",
  kind: "encoded",
  payload: { value: Buffer.from(text).toString("base64"), headers: {} },
});

const a = recordingProducer();
const b = recordingProducer();

describe("outbox publisher lock", () => {
  it("matchers on two schemas of one database each publish their outbox", async () => {
    const [poolA, poolB] = pools as [pg.Pool, pg.Pool];
    start(poolA, a.producer);
    start(poolB, b.producer);
    await addToOutbox(poolA, [encoded("a1")]);
    await addToOutbox(poolB, [encoded("b1")]);
    await waitUntil("both outboxes published", () => a.sent.length === 1 && b.sent.length === 1, { timeoutMs: 10_000, intervalMs: 20 });
    expect([a.sent, b.sent]).toEqual([["a1"], ["b1"]]);
  });

  it("a second publisher on the same schema stays idle while the first holds the lock", async () => {
    const [poolA] = pools as [pg.Pool];
    const second = recordingProducer();
    start(poolA, second.producer);
    await addToOutbox(poolA, [encoded("a2")]);
    await waitUntil("a2 published", () => a.sent.length === 2, { timeoutMs: 10_000, intervalMs: 20 });
    expect(a.sent).toEqual(["a1", "a2"]);
    expect(second.sent).toEqual([]);
  });
});
