// The bridge with its Kafka adapter against the real broker (infra/scripts/kafka.sh start),
// lnd played by the fake. Each test provisions a deployment of its own (topics and ACLs for node
// alpha) and removes it afterwards; the bridge authenticates as the stack's bridge-alpha
// principal, so it runs under exactly the ACLs a deployment gives it. The test's own client is
// the admin super user. Commands are written in transactions, some aborted: only committed ones
// may reach lnd.
import { randomBytes } from "node:crypto";
import {
  createTransactionalProducer,
  deploymentGroups,
  deploymentTopics,
  decodeAs,
  encode,
  type HtlcCommand,
  type HtlcIntercepted,
  type HtlcOutcome,
  type TransactionalProducer,
} from "@ic/event-log";
import { provisionTestDeployment, testBrokers, testCredentialsFiles, testKafka, type TestDeployment } from "@ic/event-log/testing";
import { connectLnd } from "@ic/lnd-client";
import { startFakeLnd, type FakeLnd } from "@ic/lnd-client/testing";
import type { Admin, Consumer, Kafka } from "kafkajs";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { startBridge, type RunningBridge } from "./bridge.ts";
import { createBridgeLogger } from "./bridge-logger.ts";
import { createBridgeMetrics } from "./bridge-metrics.ts";
import { createKafkaSettleHistory } from "./kafka/kafka-settle-history.ts";
import { hashOf, NODE_ID, OTHER_NODE, preimageOf, scid, settleCommand as settleFor, VIRTUAL_SCID } from "./testing/bridge-harness.ts";

const CHAN = scid(850_000n, 3n, 0n);
const WAIT = { timeout: 60_000, interval: 50 };

/** A SETTLE for an HTLC the fake lnd offered with its defaults, under a command id of its own. */
const settleCommand = (htlcId: number, fields: Partial<HtlcCommand> = {}): HtlcCommand =>
  settleFor(CHAN, htlcId, { commandId: `settle-${htlcId}-${randomBytes(3).toString("hex")}`, issuedAtMs: Date.now(), ...fields });

/** Collects every record of a topic (read_committed) while the test runs. */
async function collect<T>(kafka: Kafka, topic: string, decodeRecord: (value: Parameters<typeof decodeAs>[1]) => T) {
  const records: T[] = [];
  const consumer: Consumer = kafka.consumer({ groupId: `test-reader-${randomBytes(6).toString("hex")}`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => void records.push(decodeRecord(message)) });
  return { records, stop: () => consumer.disconnect() };
}

describe("interceptor bridge with Kafka", () => {
  let kafka: Kafka;
  let admin: Admin;
  let producer: TransactionalProducer;
  const deployments: TestDeployment[] = [];
  const cleanups: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    kafka = testKafka("bridge-int-test");
    admin = kafka.admin();
    await admin.connect();
    producer = createTransactionalProducer(kafka, { transactionalId: `bridge-int-test-${randomBytes(4).toString("hex")}` });
    await producer.connect();
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  afterAll(async () => {
    await producer.disconnect();
    await admin.disconnect();
    for (const deployment of deployments) await deployment.remove([deploymentGroups(deployment.deployment).bridge(NODE_ID)]);
  });

  async function ownTopics() {
    const deployment = await provisionTestDeployment({
      deployment: `test-bridge-${randomBytes(4).toString("hex")}`,
      nodes: [{ name: "alpha", pubkey: NODE_ID }],
      partitions: 2,
    });
    deployments.push(deployment);
    const names = deploymentTopics(deployment.deployment);
    return {
      deployment: deployment.deployment,
      htlcIntercepted: names.htlcIntercepted(NODE_ID),
      htlcCommands: names.htlcCommands(NODE_ID),
      htlcOutcomes: names.htlcOutcomes(NODE_ID),
    };
  }

  async function fakeLnd(): Promise<FakeLnd> {
    const lnd = await startFakeLnd();
    cleanups.push(() => lnd.stop());
    return lnd;
  }

  async function bridgeFor(lnd: FakeLnd, topics: Awaited<ReturnType<typeof ownTopics>>): Promise<RunningBridge> {
    const bridge = startBridge(
      {
        nodeName: "alpha",
        lnd: { grpcAddress: lnd.address, tlsCertPath: "unused", macaroonPath: "unused" },
        expectedPubkey: NODE_ID,
        network: "regtest",
        deployment: topics.deployment,
        kafka: { brokers: testBrokers, clientId: "bridge-int-test-alpha", credentialsFile: testCredentialsFiles().bridges["alpha"] },
        reconnect: { initialDelayMs: 10, maxDelayMs: 200 },
        blockHeightPollMs: 100,
        lndStartupTimeoutMs: 0,
      },
      {
        connectLnd: () => connectLnd(lnd.connectOptions()),
        logger: createBridgeLogger("alpha", (process.env["IC_TEST_LOG"] as "debug" | undefined) ?? "silent"),
        metrics: createBridgeMetrics("alpha"),
      },
    );
    cleanups.push(() => bridge.stop());
    await bridge.ready;
    await lnd.waitFor(() => lnd.interceptorConnected);
    return bridge;
  }

  async function sendCommands(topic: string, commands: HtlcCommand[], options: { abort?: boolean } = {}): Promise<void> {
    const work = producer.transaction(async (tx) => {
      await tx.send({ topic, messages: commands.map((c) => ({ key: c.nodeId, ...encode("htlc-command", c) })) });
      if (options.abort) throw new Error("matcher decided to abort");
    });
    if (options.abort) await expect(work).rejects.toThrow("matcher decided to abort");
    else await work;
  }

  it("publishes a held HTLC, applies only committed commands once, and reports SETTLE_SENT and FINAL_SETTLED", async () => {
    const topics = await ownTopics();
    const lnd = await fakeLnd();
    const bridge = await bridgeFor(lnd, topics);
    const intercepted = await collect(kafka, topics.htlcIntercepted, (r) => decodeAs("htlc-intercepted", r));
    const outcomes = await collect(kafka, topics.htlcOutcomes, (r) => decodeAs("htlc-outcome", r));
    cleanups.push(intercepted.stop, outcomes.stop);

    lnd.offerHtlc({ incoming_circuit_key: { chan_id: CHAN, htlc_id: "2" }, outgoing_requested_chan_id: "42" });
    lnd.offerHtlc({
      incoming_circuit_key: { chan_id: CHAN, htlc_id: "1" },
      payment_hash: hashOf(preimageOf(1)),
      outgoing_requested_chan_id: VIRTUAL_SCID.toString(),
      incoming_amount_msat: "5001000",
      outgoing_amount_msat: "5000000",
      onion_blob: Buffer.alloc(1366, 1),
      auto_fail_height: 900,
    });
    expect(await lnd.nextResolution()).toMatchObject({ action: "RESUME", incoming_circuit_key: { htlc_id: "2" } });
    await vi.waitFor(() => expect(intercepted.records).toHaveLength(1), WAIT);
    const record: HtlcIntercepted = intercepted.records[0]!;
    expect(record).toMatchObject({ nodeId: NODE_ID, paymentHash: hashOf(preimageOf(1)).toString("hex"), outgoingAmountMsat: 5_000_000n });
    expect(record.circuitKey).toEqual({ chanId: BigInt(CHAN), htlcId: 1n });

    // An aborted transaction's SETTLE never reaches lnd; the committed one does, once, even
    // when written twice.
    const aborted = settleCommand(1, { commandId: "aborted", expectedIncomingAmountMsat: 5_001_000n });
    const settle = settleCommand(1, { expectedIncomingAmountMsat: 5_001_000n });
    await sendCommands(topics.htlcCommands, [aborted], { abort: true });
    await sendCommands(topics.htlcCommands, [settleCommand(7, { nodeId: OTHER_NODE }), settle]);
    await sendCommands(topics.htlcCommands, [settle]);
    expect(await lnd.nextResolution()).toMatchObject({ action: "SETTLE", preimageMatches: true, incoming_circuit_key: { htlc_id: "1" } });
    await vi.waitFor(() => expect(outcomes.records).toHaveLength(2), WAIT);
    expect(outcomes.records.map((o: HtlcOutcome) => [o.kind, o.commandId])).toEqual([
      ["SETTLE_SENT", settle.commandId],
      ["SETTLE_SENT", settle.commandId],
    ]);

    lnd.pushHtlcEvent({ incoming_channel_id: CHAN, incoming_htlc_id: "1", final_htlc_event: { settled: true, offchain: true } });
    await vi.waitFor(() => expect(outcomes.records).toHaveLength(3), WAIT);
    expect(outcomes.records[2]).toMatchObject({ kind: "FINAL_SETTLED", commandId: settle.commandId, nodeId: NODE_ID });
    expect(lnd.resolutions.filter((r) => r.action === "SETTLE")).toHaveLength(1);
    expect(bridge.status().phase).toBe("running");
  });

  it("two deployments on one broker, each with a bridge of the same node: each applies its own commands", async () => {
    // Before deployment names, both bridges joined the group ic-bridge-<pubkey> whatever their
    // topics, and Kafka gave one deployment's command partitions to the other's bridge.
    const deployments = [await ownTopics(), await ownTopics()];
    const lnds = [await fakeLnd(), await fakeLnd()];
    for (const [i, topics] of deployments.entries()) await bridgeFor(lnds[i]!, topics);
    for (const [i, lnd] of lnds.entries()) {
      lnd.offerHtlc({
        incoming_circuit_key: { chan_id: CHAN, htlc_id: String(20 + i) },
        payment_hash: hashOf(preimageOf(20 + i)),
        outgoing_requested_chan_id: VIRTUAL_SCID.toString(),
        incoming_amount_msat: "5001000",
        outgoing_amount_msat: "5000000",
        onion_blob: Buffer.alloc(1366, 1),
        auto_fail_height: 900,
      });
    }
    for (const [i, topics] of deployments.entries())
      await sendCommands(topics.htlcCommands, [settleCommand(20 + i, { expectedIncomingAmountMsat: 5_001_000n })]);
    for (const [i, lnd] of lnds.entries())
      expect(await lnd.nextResolution()).toMatchObject({ action: "SETTLE", preimageMatches: true, incoming_circuit_key: { htlc_id: String(20 + i) } });
  });

  it("a bridge restarted between SETTLE and the final event reads the SETTLE back and reports the final", async () => {
    const topics = await ownTopics();
    const lnd = await fakeLnd();
    const first = await bridgeFor(lnd, topics);
    lnd.offerHtlc({
      incoming_circuit_key: { chan_id: CHAN, htlc_id: "5" },
      payment_hash: hashOf(preimageOf(5)),
      outgoing_requested_chan_id: VIRTUAL_SCID.toString(),
      onion_blob: Buffer.alloc(1366, 5),
      auto_fail_height: 900,
    });
    const settle = settleCommand(5);
    await sendCommands(topics.htlcCommands, [settle]);
    expect(await lnd.nextResolution()).toMatchObject({ action: "SETTLE", preimageMatches: true });
    await first.stop();

    lnd.setHtlcResolution({ chan_id: CHAN, htlc_id: "5" }, { settled: true, offchain: true });
    const outcomes = await collect(kafka, topics.htlcOutcomes, (r) => decodeAs("htlc-outcome", r));
    cleanups.push(outcomes.stop);
    const second = await bridgeFor(lnd, topics);
    await vi.waitFor(() => expect(second.status().recovery).toBe("done"), WAIT);
    expect(second.status().recoveredSettles).toBe(1);
    await vi.waitFor(() => expect(outcomes.records.some((o) => o.kind === "FINAL_SETTLED")).toBe(true), WAIT);
    expect(outcomes.records.find((o) => o.kind === "FINAL_SETTLED")).toMatchObject({ commandId: settle.commandId });
  });

  it("reads one node's SETTLE commands back past transaction markers, from the start or from a time", async () => {
    const { htlcCommands: topic, deployment } = await ownTopics();
    const history = createKafkaSettleHistory(kafka, {
      topic,
      groupPrefix: deploymentGroups(deployment).bridgeSettleHistoryPrefix(NODE_ID),
      logger: createBridgeLogger("alpha", "silent"),
    });
    expect(await history.settleCommands(NODE_ID, undefined)).toEqual([]);

    const early = [settleCommand(1), settleCommand(2, { action: "FAIL", preimage: null, failureCode: "TEMPORARY_CHANNEL_FAILURE" })];
    await sendCommands(topic, [...early, settleCommand(3, { nodeId: OTHER_NODE })]);
    await sendCommands(topic, [settleCommand(4)], { abort: true });
    const late = settleCommand(6);
    // Records carry the producer's timestamp; a mark taken after the first records were
    // acknowledged splits them from the later one.
    const mark = Date.now() + 1;
    await vi.waitFor(() => expect(Date.now()).toBeGreaterThan(mark), WAIT);
    await sendCommands(topic, [late]);

    const all = await history.settleCommands(NODE_ID, undefined);
    expect(all.map((c) => c.commandId)).toEqual([early[0]!.commandId, late.commandId]);
    expect(all[0]?.preimage).toEqual(preimageOf(1));
    const recent = await history.settleCommands(NODE_ID, mark);
    expect(recent.map((c) => c.commandId)).toEqual([late.commandId]);
    expect(await history.settleCommands(OTHER_NODE, undefined)).toHaveLength(1);
  });
});
