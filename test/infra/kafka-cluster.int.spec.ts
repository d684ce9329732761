// infra/scripts/kafka.sh with IC_KAFKA_NODES=3 on the real Kafka jars, in its own run directory
// and ports (beside the stack's broker): three KRaft nodes in one quorum; a deployment provisioned
// with replication factor 3 has min.insync.replicas=2; with the leader of a partition killed (-9)
// acks=all writes go on and nothing written is lost; the node starts again and rejoins the ISR.
// Then the whole cluster is stopped while an MPP set is half-arrived at a matcher process (issue
// 10, "Kafka stopped while a set is half-arrived and started again"): the matcher waits it out
// without exiting, and when Kafka is back the rest of the set arrives and both parts settle once.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { openSync, writeFileSync } from "node:fs";
import { promisify } from "node:util";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import kafkajs, { type Admin, type Kafka } from "kafkajs";
import { afterAll, beforeAll, expect, it } from "vitest";
import pg from "pg";
import { createKafka, createSerialProducer, decodeAs, readKafkaCredentialsFile, runCommittingConsumer, type RunningConsumer } from "@ic/event-log";
import { bytesToHex, decodeInvoice, hexToBytes, loadSecp256k1Backend } from "@ic/lightning-protocol";
import { connectInvoiceApi } from "@ic/invoice-api-client";
import { parseMatcherConfig } from "../../services/invoice-matcher/src/config.ts";
import { syntheticHtlcSender } from "../../services/invoice-matcher/src/testing/synthetic-htlcs.ts";
import { loadStackConfig } from "../support/stack-config.ts";
import { planDeployment } from "../../packages/event-log/src/provisioning/access-plan.ts";
import { provisionDeployment } from "../../packages/event-log/src/provisioning/provision.ts";
import { waitUntil } from "../support/wait-until.ts";

const { ConfigResourceTypes } = kafkajs;
const execFileAsync = promisify(execFile);
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const kafkaJars = path.join(process.env["IC_CACHE_DIR"] ?? path.join(process.env["HOME"] ?? "/root", ".cache/invoice-coordinator"), "kafka-4.1.1/lib/.complete");

let runDir = "";
let env: NodeJS.ProcessEnv = {};
let kafka: Kafka;
let admin: Admin;
let brokers: string[] = [];
let matcher: ChildProcess | undefined;
let observer: RunningConsumer | undefined;
let matcherSchema = "";

// Asynchronous: a synchronous spawn would block the test worker (and vitest's RPC) for a minute.
async function kafkaSh(...args: string[]): Promise<string> {
  const { stdout } = await execFileAsync("bash", [path.join(repo, "infra/scripts/kafka.sh"), ...args], { encoding: "utf8", env, timeout: 240_000 }).catch(
    (error: { code?: number; stderr?: string }) => {
      throw new Error(`kafka.sh ${args.join(" ")} exited ${error.code}: ${String(error.stderr ?? "").slice(-2000)}`);
    },
  );
  return stdout.trim();
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/** A base port whose node ports (+0, +100, +200) and controller ports (+1, +101, +201) are all free. */
async function freeBase(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 30_000 + Math.floor(Math.random() * 2_000) * 2;
    const ports = [0, 100, 200].flatMap((offset) => [base + offset, base + offset + 1]);
    if ((await Promise.all(ports.map(portFree))).every(Boolean)) return base;
  }
  throw new Error("no free port range for a three-node Kafka");
}

beforeAll(async () => {
  if (!existsSync(kafkaJars)) throw new Error(`Kafka jars missing (${kafkaJars}): run infra/stack up once first`);
  runDir = mkdtempSync(path.join(tmpdir(), "ic-kafka-cluster-"));
  const base = await freeBase();
  env = { ...process.env, IC_RUN_DIR: runDir, IC_KAFKA_NODES: "3", IC_KAFKA_PORT: String(base), IC_KAFKA_CONTROLLER_PORT: String(base + 1) };
  await kafkaSh("start");
  brokers = (await kafkaSh("brokers")).split(",");
  kafka = createKafka({
    brokers,
    clientId: "kafka-cluster-test",
    sasl: readKafkaCredentialsFile(path.join(runDir, "kafka/credentials/admin.json")),
    retry: { retries: 12, initialRetryTime: 200, maxRetryTime: 2_000 },
  });
  admin = kafka.admin();
  await admin.connect();
}, 300_000);

afterAll(async () => {
  await observer?.stop().catch(() => undefined);
  if (matcher && matcher.exitCode === null && matcher.signalCode === null) {
    matcher.kill("SIGTERM");
    await new Promise((resolve) => matcher!.once("exit", resolve));
  }
  if (matcherSchema !== "") {
    const db = new pg.Client({ connectionString: loadStackConfig().postgresUrl });
    await db.connect();
    await db.query(`drop schema if exists ${matcherSchema} cascade`);
    await db.end();
  }
  await admin?.disconnect().catch(() => undefined);
  if (runDir !== "") {
    await kafkaSh("stop").catch(() => undefined);
    rmSync(runDir, { recursive: true, force: true });
  }
}, 180_000);

it("runs three brokers; replication factor 3 topics keep acks=all writes through the loss of a partition leader, and the node rejoins", async () => {
  expect(brokers).toHaveLength(3);
  const cluster = await admin.describeCluster();
  expect(cluster.brokers.map((b) => b.nodeId).sort()).toEqual([1, 2, 3]);

  const plan = planDeployment({ deployment: "chaosrf", nodes: [{ name: "alpha", pubkey: "02".padEnd(66, "a") }], partitions: 3, replicationFactor: 3 });
  await provisionDeployment(admin, plan);
  const topic = plan.topics.find((t) => t.role === "invoiceEvents")?.topic as string;
  // Every broker learns of new topics from the metadata log a moment after the create returns.
  const metadata = await waitUntil("the new topics' metadata on the broker asked", () => admin.fetchTopicMetadata({ topics: plan.topics.map((t) => t.topic) }));
  for (const t of metadata.topics) for (const p of t.partitions) expect(p.replicas, `${t.name}/${p.partitionId}`).toHaveLength(3);
  const configs = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: topic }] });
  expect(configs.resources[0]?.configEntries.find((c) => c.configName === "min.insync.replicas")?.configValue).toBe("2");

  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const send = async (from: number, to: number) => {
    for (let i = from; i < to; i++) await producer.send({ topic, acks: -1, messages: [{ key: "k", value: String(i) }] });
  };
  await send(0, 20);
  // Every record has key "k": one partition. Kill its leader.
  const partitionOf = async () => {
    const m = await admin.fetchTopicMetadata({ topics: [topic] });
    const offsets = await admin.fetchTopicOffsets(topic);
    const used = offsets.find((o) => o.high !== "0")?.partition ?? 0;
    return m.topics[0]?.partitions.find((p) => p.partitionId === used);
  };
  const before = await partitionOf();
  const leader = before?.leader as number;
  expect([1, 2, 3]).toContain(leader);
  env = { ...env, IC_KAFKA_KILL: "1" };
  await kafkaSh("stop-node", String(leader));
  env = { ...env, IC_KAFKA_KILL: "0" };

  await send(20, 40);
  const during = await partitionOf();
  expect(during?.leader).not.toBe(leader);
  expect(during?.isr).not.toContain(leader);

  const consumer = kafka.consumer({ groupId: `chaosrf-check-${Date.now()}` });
  const seen: string[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => void seen.push(message.value?.toString() ?? "") });
  await waitUntil("40 records read back", () => seen.length >= 40, { timeoutMs: 60_000 });
  await consumer.disconnect();
  await producer.disconnect();
  expect(seen).toEqual(Array.from({ length: 40 }, (_, i) => String(i)));

  await kafkaSh("start-node", String(leader));
  await waitUntil(`node ${leader} back in the ISR`, async () => ((await partitionOf())?.isr.length ?? 0) === 3, { timeoutMs: 90_000 });
});

it("the whole cluster stopped with an MPP set half-arrived: the matcher waits it out, and the set settles once Kafka is back", async () => {
  const stack = loadStackConfig();
  const backend = loadSecp256k1Backend().backend;
  const run = randomBytes(4).toString("hex");
  const nodeKey = randomBytes(32);
  const seed = randomBytes(32).toString("hex");
  const token = randomBytes(24).toString("hex");
  const nodes = { a: bytesToHex(backend.publicKeyCreate(randomBytes(32))), b: bytesToHex(backend.publicKeyCreate(randomBytes(32))) };
  matcherSchema = `kafkaout_${run}`;
  const plan = planDeployment({ deployment: `kout-${run}`, nodes: [{ name: "a", pubkey: nodes.a }, { name: "b", pubkey: nodes.b }], partitions: 3, replicationFactor: 3 });
  await provisionDeployment(admin, plan);
  const apiPort = 15_000 + Math.floor(Math.random() * 2_000);
  const raw = {
    network: "regtest",
    postgresUrl: stack.postgresUrl,
    dbSchema: matcherSchema,
    deployment: `kout-${run}`,
    kafka: { brokers, clientId: `kout-${run}`, credentialsFile: path.join(runDir, "kafka/credentials/matcher.json") },
    cluster: [
      { name: "a", pubkey: nodes.a },
      { name: "b", pubkey: nodes.b },
    ],
    virtualHopPolicy: { feeBaseMsat: 0, feeProportionalMillionths: 0, cltvExpiryDelta: 40 },
    api: { listen: `127.0.0.1:${apiPort}` },
  };
  const config = parseMatcherConfig({ ...raw, nodeKey: nodeKey.toString("hex"), preimageSeed: seed, api: { ...raw.api, authToken: token } });
  const file = path.join(runDir, "matcher.json");
  writeFileSync(file, JSON.stringify(raw));
  const out = openSync(path.join(runDir, "matcher.log"), "a");
  matcher = spawn(process.execPath, ["--import", "tsx", "services/invoice-matcher/src/main.ts", "--config", file], {
    cwd: repo,
    env: { ...process.env, LOG_LEVEL: "info", IC_MATCHER_NODE_KEY: nodeKey.toString("hex"), IC_MATCHER_PREIMAGE_SEED: seed, IC_MATCHER_API_TOKEN: token },
    stdio: ["ignore", out, out],
  });
  let exited: number | string | null = null;
  matcher.once("exit", (code, signal) => (exited = code ?? signal));
  const api = connectInvoiceApi(`127.0.0.1:${apiPort}`, token);
  await waitUntil("the matcher answering its API", () => api.getInfo().then(() => true, () => undefined), { timeoutMs: 90_000, intervalMs: 250 });

  const commands: { key: string; action: string }[] = [];
  observer = await runCommittingConsumer(kafka, {
    groupId: `kout-${run}-observer`,
    topics: [config.topics.htlcCommands(nodes.a), config.topics.htlcCommands(nodes.b)],
    fromBeginning: true,
    maxWaitTimeMs: 100,
    handler: async (record) => {
      const c = decodeAs("htlc-command", record);
      commands.push({ key: `${c.nodeId}:${c.circuitKey.htlcId}`, action: c.action });
    },
  });
  const producer = createSerialProducer(kafka);
  await producer.connect();
  try {
    const sender = syntheticHtlcSender({ backend, nodeKey, producer, topics: config.topics });
    const { invoice } = await api.createInvoice({ externalRef: `kout-${run}`, amountMsat: 100_000n, mode: "auto" });
    const decoded = decodeInvoice(backend, invoice.bolt11);
    if (!decoded.ok) throw new Error(decoded.error.message);
    const part = { paymentHash: hexToBytes(invoice.paymentHash), paymentSecret: decoded.value.paymentSecret, totalMsat: 100_000n };
    const first = await sender.sendHtlc({ ...part, nodeId: nodes.a, amountMsat: 60_000n });
    await waitUntil("the first part held", async () => (await api.lookupInvoice({ paymentHash: invoice.paymentHash })).htlcs.length === 1);

    // Every broker down for a while; the matcher must still be running afterwards.
    const stoppedAt = Date.now();
    await kafkaSh("stop");
    await waitUntil("a few seconds of outage", () => Date.now() - stoppedAt > 5_000, { intervalMs: 250 });
    expect(exited).toBeNull();
    await kafkaSh("start");
    const second = await sender.sendHtlc({ ...part, nodeId: nodes.b, amountMsat: 40_000n });
    await waitUntil("both parts answered", () => commands.length >= 2, { timeoutMs: 120_000 });
    expect(exited).toBeNull();
    expect(commands.map((c) => c.action)).toEqual(["SETTLE", "SETTLE"]);
    expect(commands.map((c) => c.key).sort()).toEqual([`${nodes.a}:${first.htlcId}`, `${nodes.b}:${second.htlcId}`].sort());
    expect((await api.lookupInvoice({ paymentHash: invoice.paymentHash })).status).toBe("SETTLE_REQUESTED");
  } finally {
    await producer.disconnect().catch(() => undefined);
  }
});
