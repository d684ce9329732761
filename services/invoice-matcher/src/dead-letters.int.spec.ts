// Poison never blocks the matcher, on the real broker: garbage bytes and a record of a schema
// nobody knows, written ahead of a valid record on the same partition of each input topic (HTLCs,
// outcomes, bridge status), land in <deployment>.matcher.dead-letters.v1 with the reason and the
// source topic, partition and offset in headers and the original key and value, and the valid
// record behind them is decided. The matcher runs as the matcher principal, so its WRITE on the
// dead-letter topic is the provisioned ACL; the test's own client is the admin super user.
import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  DEAD_LETTER_HEADERS,
  decodeAs,
  EventCodec,
  eventRecordInvariants,
  loadSchemaCatalog,
  type EventRecords,
  type ConsumedRecord,
  type HtlcCommand,
} from "@ic/event-log";
import { testKafka } from "@ic/event-log/testing";
import { decodeInvoice, loadSecp256k1Backend } from "@ic/lightning-protocol";
import type { Producer } from "kafkajs";
import { waitUntil } from "../../../test/support/wait-until.ts";
import { type RunningMatcher } from "./start-matcher.ts";
import { type SyntheticHtlcSender } from "./testing/synthetic-htlcs.ts";
import { testMatcherSetup } from "./testing/test-matcher-setup.ts";

// Records in the header format (written before the schema registry), whose headers the tests
// edit: in the Confluent wire format the registry id, not a header, says what a record is.
const headerFormat = new EventCodec<EventRecords>(loadSchemaCatalog(), eventRecordInvariants);

const setup = testMatcherSetup("test_dlq");
const { run, databaseUrl, nodeA, nodeB, config } = setup;
const topics = config.topics;
const backend = loadSecp256k1Backend().backend;
const kafka = testKafka(`test-${run}-dlq-client`);

let matcher: RunningMatcher;
let raw: Producer;
let synthetic: SyntheticHtlcSender;
const commands: HtlcCommand[] = [];
const deadLetters: ConsumedRecord[] = [];

beforeAll(async () => {
  ({ matcher, htlcs: synthetic } = await setup.start());
  raw = kafka.producer({ idempotent: true, allowAutoTopicCreation: false });
  await raw.connect();
  await setup.observe([topics.htlcCommands(nodeA), topics.htlcCommands(nodeB), topics.matcherDeadLetters], (record) => {
    if (record.topic === topics.matcherDeadLetters) deadLetters.push(record);
    else commands.push(decodeAs("htlc-command", record));
  });
});

afterAll(async () => {
  await raw?.disconnect();
  await setup.stop();
});

const header = (record: ConsumedRecord, name: string): string | undefined => record.headers[name]?.toString();

/**
 * Writes garbage bytes (no headers, no magic byte), an unknown-schema record and a wire-format
 * record whose schema id the registry never gave out, with key; returns where each landed.
 */
async function sendPoison(topic: string, key: string): Promise<{ partition: number; offset: string; value: Buffer; reason: string }[]> {
  const garbage = Buffer.concat([Buffer.from([0xff]), randomBytes(39)]);
  const unknownId = Buffer.from([0, 0x7f, 0xff, 0xff, 0xf2, 2, 0]);
  const valid = headerFormat.encode("bridge-status", { nodeId: nodeA, bridgeInstanceId: "x", blockHeight: 1, interceptorStreamOpen: true, heldHtlcs: 0, publishBacklog: 0, atMs: 1 });
  const sent = [];
  for (const [value, headers, reason] of [
    [garbage, {}, "corrupt-payload"],
    [valid.value, { ...valid.headers, "ic-schema": `teleported-${run}` }, "unknown-schema"],
    [unknownId, {}, "unknown-schema-id"],
  ] as const) {
    const [meta] = await raw.send({ topic, acks: -1, messages: [{ key, value, headers }] });
    sent.push({ partition: meta!.partition, offset: meta!.baseOffset!, value, reason });
  }
  return sent;
}

/** The dead letters of those records, once all are there, checked header by header. */
async function expectDeadLettered(topic: string, key: string, sent: Awaited<ReturnType<typeof sendPoison>>): Promise<void> {
  const letters = await waitUntil(`${sent.length} dead letters from ${topic}`, () => {
    const found = sent.map((s) =>
      deadLetters.find((d) => header(d, DEAD_LETTER_HEADERS.sourceTopic) === topic && header(d, DEAD_LETTER_HEADERS.sourceOffset) === s.offset && header(d, DEAD_LETTER_HEADERS.sourcePartition) === String(s.partition)),
    );
    return found.every((f) => f !== undefined) ? (found as ConsumedRecord[]) : undefined;
  });
  for (const [i, letter] of letters.entries()) {
    expect(header(letter, DEAD_LETTER_HEADERS.reason)).toBe(sent[i]!.reason);
    expect(header(letter, DEAD_LETTER_HEADERS.detail)).toBeTruthy();
    expect(letter.key?.toString()).toBe(key);
    expect(letter.value).toEqual(sent[i]!.value);
    expect(header(letter, DEAD_LETTER_HEADERS.valueOmittedBytes)).toBeUndefined();
  }
  const counted = async (reason: string) => (await matcher.metrics.deadLettered.get()).values.find((v) => v.labels.reason === reason && v.labels.topic === topic)?.value;
  expect(await counted("corrupt-payload")).toBe(1);
  expect(await counted("unknown-schema")).toBe(1);
  expect(await counted("unknown-schema-id")).toBe(1);
}

async function newInvoice(ref: string, amountMsat: bigint) {
  const { invoice } = await matcher.service.createInvoice({ externalRef: `${ref}-${run}`, amountMsat, mode: "auto" });
  const decoded = decodeInvoice(backend, invoice.bolt11);
  if (!decoded.ok) throw new Error(decoded.error.message);
  return { paymentHashHex: invoice.paymentHash, paymentHash: decoded.value.paymentHash, paymentSecret: decoded.value.paymentSecret };
}

describe("poison on the matcher's input topics", () => {
  it("HTLC topic: dead-lettered with its source, and the HTLC behind it on the same partition is settled", async () => {
    const invoice = await newInvoice("dlq-htlc", 25_000n);
    const topic = topics.htlcIntercepted(nodeA);
    const sent = await sendPoison(topic, invoice.paymentHashHex);
    await synthetic.sendHtlc({ nodeId: nodeA, paymentHash: invoice.paymentHash, paymentSecret: invoice.paymentSecret, amountMsat: 25_000n, totalMsat: 25_000n });
    const settle = await waitUntil("a SETTLE behind the poison", () => commands.find((c) => c.paymentHash === invoice.paymentHashHex));
    expect(settle.action).toBe("SETTLE");
    await expectDeadLettered(topic, invoice.paymentHashHex, sent);
    expect(await matcher.readiness()).toEqual({ ready: true, postgres: "ok" });
  });

  it("outcome topic: dead-lettered, and the final outcome behind it settles the invoice", async () => {
    const invoice = await newInvoice("dlq-outcome", 15_000n);
    const { htlcId } = await synthetic.sendHtlc({ nodeId: nodeB, paymentHash: invoice.paymentHash, paymentSecret: invoice.paymentSecret, amountMsat: 15_000n, totalMsat: 15_000n });
    await waitUntil("a SETTLE", () => commands.find((c) => c.paymentHash === invoice.paymentHashHex));
    const topic = topics.htlcOutcomes(nodeB);
    const sent = await sendPoison(topic, invoice.paymentHashHex);
    await synthetic.sendFinalSettled({ nodeId: nodeB, paymentHash: invoice.paymentHashHex, htlcId });
    await waitUntil("invoice SETTLED", async () => (await matcher.service.lookupInvoice({ paymentHash: invoice.paymentHashHex })).status === "SETTLED");
    await expectDeadLettered(topic, invoice.paymentHashHex, sent);
  });

  it("status topic: dead-lettered, as is a status claiming another node, and the status behind them is recorded", async () => {
    const topic = topics.bridgeStatus(nodeA);
    const recordedBefore = (await matcher.metrics.bridgeStatusRecords.get()).values[0]?.value ?? 0;
    const sent = await sendPoison(topic, nodeA);
    // What bridge a's principal could write: a status on a's topic claiming to be b's.
    await synthetic.sendStatus({ nodeId: nodeB, topicNodeId: nodeA, blockHeight: 777 });
    await synthetic.sendStatus({ nodeId: nodeA, blockHeight: 345 });
    await waitUntil("the valid status recorded", async () => ((await matcher.metrics.bridgeStatusRecords.get()).values[0]?.value ?? 0) === recordedBefore + 1);
    await expectDeadLettered(topic, nodeA, sent);
    const refused = await waitUntil("the forged status dead-lettered", () =>
      deadLetters.find((d) => header(d, DEAD_LETTER_HEADERS.sourceTopic) === topic && header(d, DEAD_LETTER_HEADERS.reason) === "topic-node-mismatch"),
    );
    expect(header(refused, DEAD_LETTER_HEADERS.detail)).toContain(nodeB);
    expect(decodeAs("bridge-status", refused)).toMatchObject({ nodeId: nodeB, blockHeight: 777 });
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      const rows = await client.query<{ node_id: string; block_height: number }>(`select node_id, block_height from ${config.dbSchema}.bridge_heartbeats`);
      // a's from the status behind the poison; b's only from its earlier HTLC (300), never the forged 777.
      const heights = Object.fromEntries(rows.rows.map((r) => [r.node_id, r.block_height]));
      expect(heights).toEqual({ [nodeA]: 345, [nodeB]: 300 });
    } finally {
      await client.end();
    }
  });

  // Last: it leaves two partitions held for the rest of the file.
  it("a newer schema version on the outcome and status topics is held, not dead-lettered: readiness names both partitions", async () => {
    const held: string[] = [];
    for (const [topic, record] of [
      [topics.htlcOutcomes(nodeB), headerFormat.encode("htlc-outcome", { nodeId: nodeB, circuitKey: { chanId: 1n, htlcId: 1n }, paymentHash: "cd".repeat(32), kind: "FINAL_SETTLED", commandId: null, reason: null, atMs: 1 })],
      [topics.bridgeStatus(nodeB), headerFormat.encode("bridge-status", { nodeId: nodeB, bridgeInstanceId: "x", blockHeight: 1, interceptorStreamOpen: true, heldHtlcs: 0, publishBacklog: 0, atMs: 1 })],
    ] as const) {
      const [meta] = await raw.send({ topic, acks: -1, messages: [{ key: nodeB, value: record.value, headers: { ...record.headers, "ic-schema-version": "99" } }] });
      held.push(`${topic}/${meta!.partition}@${meta!.baseOffset}: a newer schema version; upgrade the matcher`);
    }
    const readiness = await waitUntil("both partitions held", async () => {
      const r = await matcher.readiness();
      return (r.stalledPartitions ?? []).length === 2 ? r : undefined;
    });
    expect(readiness.ready).toBe(false);
    expect([...readiness.stalledPartitions!].sort()).toEqual([...held].sort());
    expect((await matcher.metrics.stalledPartitions.get()).values[0]?.value).toBe(2);
    for (const topic of [topics.htlcOutcomes(nodeB), topics.bridgeStatus(nodeB)])
      expect(deadLetters.filter((d) => header(d, DEAD_LETTER_HEADERS.sourceTopic) === topic && header(d, DEAD_LETTER_HEADERS.reason) === "unknown-version")).toEqual([]);
  });
});
