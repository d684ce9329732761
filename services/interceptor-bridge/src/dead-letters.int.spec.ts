// Poison never blocks a bridge, on the real broker (lnd played by the fake): garbage bytes and a
// record of a schema nobody knows, written on this node's commands topic ahead of a SETTLE on the
// same partition, land in <deployment>.bridge.dead-letters.v1.<node> with the reason and the source
// topic, partition and offset in headers and no value, and the SETTLE behind them reaches lnd.
// A command of a newer schema version is not poison: it holds its partition, /readyz turns 503
// naming it and ic_bridge_stalled_partitions counts it, and nothing is dead-lettered.
// The bridge runs as the stack's bridge-alpha principal, so its WRITE on its dead-letter topic is
// the provisioned ACL; the test's own client is the admin super user (the only reader).
import { randomBytes } from "node:crypto";
import { DEAD_LETTER_HEADERS, EventCodec, deploymentGroups, deploymentTopics, eventRecordInvariants, loadSchemaCatalog, type EventRecords } from "@ic/event-log";
import { provisionTestDeployment, testBrokers, testCredentialsFiles, testKafka, type TestDeployment } from "@ic/event-log/testing";
import { connectLnd } from "@ic/lnd-client";
import { startFakeLnd, type FakeLnd } from "@ic/lnd-client/testing";
import type { Consumer, KafkaMessage, Producer } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startBridge, type RunningBridge } from "./bridge.ts";
import { createBridgeLogger } from "./bridge-logger.ts";
import { createBridgeMetrics, type BridgeMetrics } from "./bridge-metrics.ts";
import { hashOf, NODE_ID, scid, settleCommand, VIRTUAL_SCID } from "./testing/bridge-harness.ts";
import { freePort } from "../../../test/support/free-port.ts";

// Records in the header format (written before the schema registry), whose headers the tests
// edit: in the Confluent wire format the registry id, not a header, says what a record is.
const headerFormat = new EventCodec<EventRecords>(loadSchemaCatalog(), eventRecordInvariants);

const CHAN = scid(850_000n, 3n, 0n);
const WAIT = { timeout: 60_000, interval: 50 };
const run = randomBytes(4).toString("hex");
const kafka = testKafka(`bridge-dlq-test-${run}`);
const preimage = Buffer.alloc(32, 0x42);
const paymentHash = hashOf(preimage);

let deployment: TestDeployment;
let topics: { commands: string; deadLetters: string };
let lnd: FakeLnd;
let bridge: RunningBridge;
let metrics: BridgeMetrics;
let producer: Producer;
let reader: Consumer;
let metricsPort: number;
const deadLetters: KafkaMessage[] = [];

async function readyz(): Promise<{ status: number; body: { ready: boolean; stalledPartitions?: string[] } }> {
  const response = await fetch(`http://127.0.0.1:${metricsPort}/readyz`);
  return { status: response.status, body: (await response.json()) as { ready: boolean; stalledPartitions?: string[] } };
}

beforeAll(async () => {
  deployment = await provisionTestDeployment({ deployment: `test-bdlq-${run}`, nodes: [{ name: "alpha", pubkey: NODE_ID }], partitions: 2 });
  const names = deploymentTopics(deployment.deployment);
  topics = { commands: names.htlcCommands(NODE_ID), deadLetters: names.bridgeDeadLetters(NODE_ID) };
  lnd = await startFakeLnd();
  metrics = createBridgeMetrics("alpha");
  metricsPort = await freePort();
  bridge = startBridge(
    {
      nodeName: "alpha",
      lnd: { grpcAddress: lnd.address, tlsCertPath: "unused", macaroonPath: "unused" },
      expectedPubkey: NODE_ID,
      network: "regtest",
      deployment: deployment.deployment,
      kafka: { brokers: testBrokers, clientId: `bridge-dlq-test-alpha-${run}`, credentialsFile: testCredentialsFiles().bridges["alpha"] },
      reconnect: { initialDelayMs: 10, maxDelayMs: 200 },
      blockHeightPollMs: 100,
      lndStartupTimeoutMs: 0,
      metricsPort,
      metricsHost: "127.0.0.1",
    },
    {
      connectLnd: () => connectLnd(lnd.connectOptions()),
      logger: createBridgeLogger("alpha", (process.env["IC_TEST_LOG"] as "debug" | undefined) ?? "silent"),
      metrics,
    },
  );
  await bridge.ready;
  await lnd.waitFor(() => lnd.interceptorConnected);
  producer = kafka.producer({ idempotent: true, allowAutoTopicCreation: false });
  await producer.connect();
  reader = kafka.consumer({ groupId: `test-bdlq-reader-${run}`, maxWaitTimeInMs: 100 });
  await reader.connect();
  await reader.subscribe({ topics: [topics.deadLetters], fromBeginning: true });
  await reader.run({ eachMessage: async ({ message }) => void deadLetters.push(message) });
});

afterAll(async () => {
  await reader?.disconnect();
  await producer?.disconnect();
  await bridge?.stop();
  await lnd?.stop();
  await deployment?.remove([deploymentGroups(deployment.deployment).bridge(NODE_ID), `test-bdlq-reader-${run}`]);
});

describe("poison on a bridge's commands topic", () => {
  it("is dead-lettered without its bytes, and the SETTLE behind it on the same partition reaches lnd", async () => {
    lnd.offerHtlc({
      incoming_circuit_key: { chan_id: CHAN, htlc_id: "1" },
      payment_hash: paymentHash,
      outgoing_requested_chan_id: VIRTUAL_SCID.toString(),
      onion_blob: Buffer.alloc(1366, 1),
      auto_fail_height: 900,
    });
    await vi.waitFor(() => expect(bridge.status().heldHtlcs).toBe(1), WAIT);
    // With the fake lnd's defaults for an offered HTLC.
    const settle = settleCommand(CHAN, 1, { commandId: `settle-${run}`, preimage, paymentHash: paymentHash.toString("hex"), issuedAtMs: Date.now() });
    const encoded = headerFormat.encode("htlc-command", settle);
    // All with the key the matcher uses (the node id): one partition, in this order. The
    // unknown-schema record is a whole SETTLE under a schema name nobody knows: its bytes hold
    // the preimage, and they must not be copied anywhere.
    const poison = [
      // No headers and no magic byte: neither format.
      { value: Buffer.concat([Buffer.from([0xff]), randomBytes(47)]), headers: {}, reason: "corrupt-payload" },
      { value: encoded.value, headers: { ...encoded.headers, "ic-schema": `htlc-teleport-${run}` }, reason: "unknown-schema" },
    ];
    const sent = [];
    for (const p of poison) {
      const [meta] = await producer.send({ topic: topics.commands, acks: -1, messages: [{ key: NODE_ID, value: p.value, headers: p.headers }] });
      sent.push({ ...p, partition: meta!.partition, offset: meta!.baseOffset! });
    }
    await producer.send({ topic: topics.commands, acks: -1, messages: [{ key: NODE_ID, ...encoded }] });

    expect(await lnd.nextResolution()).toMatchObject({ action: "SETTLE", preimageMatches: true, incoming_circuit_key: { htlc_id: "1" } });
    await vi.waitFor(() => expect(deadLetters).toHaveLength(2), WAIT);
    const header = (m: KafkaMessage, name: string) => m.headers?.[name]?.toString();
    for (const [i, letter] of deadLetters.entries()) {
      expect(header(letter, DEAD_LETTER_HEADERS.reason)).toBe(sent[i]!.reason);
      expect(header(letter, DEAD_LETTER_HEADERS.sourceTopic)).toBe(topics.commands);
      expect(header(letter, DEAD_LETTER_HEADERS.sourcePartition)).toBe(String(sent[i]!.partition));
      expect(header(letter, DEAD_LETTER_HEADERS.sourceOffset)).toBe(sent[i]!.offset);
      expect(header(letter, DEAD_LETTER_HEADERS.valueOmittedBytes)).toBe(String(sent[i]!.value.length));
      expect(letter.value).toBeNull();
      expect(letter.key?.toString()).toBe(NODE_ID);
      const everything = Buffer.concat([letter.key ?? Buffer.alloc(0), ...Object.values(letter.headers ?? {}).map((v) => Buffer.from(String(v)))]);
      expect(everything.includes(preimage)).toBe(false);
      expect(everything.includes(Buffer.from(preimage.toString("hex")))).toBe(false);
    }
    const counted = (await metrics.deadLettered.get()).values.map((v) => [v.labels.reason, v.labels.topic, v.value]);
    expect(counted.sort()).toEqual([
      ["corrupt-payload", topics.commands, 1],
      ["unknown-schema", topics.commands, 1],
    ]);
    expect(bridge.status().phase).toBe("running");
  });

  it("a command of a newer schema version holds its partition: /readyz 503 naming it, the gauge counts it, no dead letter", async () => {
    await vi.waitFor(async () => expect((await readyz()).status).toBe(200), WAIT);
    const lettersBefore = deadLetters.length;
    const newer = headerFormat.encode("htlc-command", {
      commandId: `newer-${run}`,
      nodeId: NODE_ID,
      circuitKey: { chanId: BigInt(CHAN), htlcId: 9n },
      paymentHash: paymentHash.toString("hex"),
      action: "FAIL",
      preimage: null,
      failureMessage: null,
      failureCode: "TEMPORARY_CHANNEL_FAILURE",
      expectedIncomingAmountMsat: null,
      expectedIncomingExpiry: null,
      issuedAtMs: Date.now(),
    });
    const [meta] = await producer.send({ topic: topics.commands, acks: -1, messages: [{ key: NODE_ID, value: newer.value, headers: { ...newer.headers, "ic-schema-version": "99" } }] });
    const held = `${topics.commands}/${meta!.partition}@${meta!.baseOffset}: a newer schema version; upgrade the bridge`;
    await vi.waitFor(async () => expect((await readyz()).body.stalledPartitions).toEqual([held]), WAIT);
    expect((await readyz()).status).toBe(503);
    expect((await metrics.stalledPartitions.get()).values[0]?.value).toBe(1);
    expect(deadLetters).toHaveLength(lettersBefore);
    expect(bridge.status().phase).toBe("running");
  });
});
