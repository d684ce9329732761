// A matcher killed right after its settle decision committed and before the outbox published it
// (issue 10, "Bad input and faults"), on the real Kafka and Postgres, without lnd. The window is
// held open from outside, with no hook in the matcher: the matcher principal's WRITE on node a's
// commands topic is revoked, so the decision commits (invoice SETTLE_REQUESTED, the command row in
// the outbox) and the publish keeps failing; the matcher is then killed with SIGKILL. With the ACL
// back, a new matcher process publishes the row: the SETTLE reaches the commands topic, once.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import kafkajs from "kafkajs";
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createSerialProducer, decodeAs, runCommittingConsumer, type RunningConsumer, type SerialProducer } from "@ic/event-log";
import { provisionTestDeployment, testCredentialsFiles, testKafka, type TestDeployment } from "@ic/event-log/testing";
import { bytesToHex, decodeInvoice, hexToBytes, loadSecp256k1Backend } from "@ic/lightning-protocol";
import { connectInvoiceApi, type InvoiceApiClient } from "@ic/invoice-api-client";
import { toKafkaAcl } from "../../packages/event-log/src/provisioning/provision.ts";
import { parseMatcherConfig } from "../../services/invoice-matcher/src/config.ts";
import { syntheticHtlcSender, type SyntheticHtlcSender } from "../../services/invoice-matcher/src/testing/synthetic-htlcs.ts";
import { loadStackConfig } from "../support/stack-config.ts";
import { waitUntil } from "../support/wait-until.ts";

const { AclPermissionTypes } = kafkajs;
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const stack = loadStackConfig();
const run = randomBytes(4).toString("hex");
const dbSchema = `unpublished_${run}`;
const backend = loadSecp256k1Backend().backend;
const nodeKey = randomBytes(32);
const seed = randomBytes(32).toString("hex");
const token = randomBytes(24).toString("hex");
const nodes = { a: bytesToHex(backend.publicKeyCreate(randomBytes(32))), b: bytesToHex(backend.publicKeyCreate(randomBytes(32))) };
const raw = {
  network: "regtest",
  postgresUrl: stack.postgresUrl,
  dbSchema,
  deployment: `unpub-${run}`,
  kafka: { brokers: stack.kafkaBrokers, clientId: `unpub-${run}`, credentialsFile: testCredentialsFiles().matcher },
  cluster: [
    { name: "a", pubkey: nodes.a },
    { name: "b", pubkey: nodes.b },
  ],
  virtualHopPolicy: { feeBaseMsat: 0, feeProportionalMillionths: 0, cltvExpiryDelta: 40 },
};
const config = parseMatcherConfig({ ...raw, nodeKey: nodeKey.toString("hex"), preimageSeed: seed, api: { authToken: token } });
const dir = mkdtempSync(path.join(tmpdir(), `ic-unpublished-${run}-`));
const kafka = testKafka(`unpub-${run}`);
let deployment: TestDeployment | undefined;
let producer: SerialProducer | undefined;
let sender: SyntheticHtlcSender;
let observer: RunningConsumer | undefined;
let db: pg.Client;
const children: ChildProcess[] = [];
const commands: { key: string; action: string; commandId: string; preimage: string | null }[] = [];

function startMatcher(name: string): { child: ChildProcess; api: InvoiceApiClient; log: string } {
  const apiPort = 14_000 + Math.floor(Math.random() * 2_000);
  const file = path.join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify({ ...raw, api: { listen: `127.0.0.1:${apiPort}` } }));
  const log = path.join(dir, `${name}.log`);
  const out = openSync(log, "a");
  // node --import tsx: one process, so SIGKILL kills the matcher itself.
  const child = spawn(process.execPath, ["--import", "tsx", "services/invoice-matcher/src/main.ts", "--config", file], {
    cwd: repo,
    env: { ...process.env, LOG_LEVEL: "info", IC_MATCHER_NODE_KEY: nodeKey.toString("hex"), IC_MATCHER_PREIMAGE_SEED: seed, IC_MATCHER_API_TOKEN: token },
    stdio: ["ignore", out, out],
  });
  children.push(child);
  return { child, api: connectInvoiceApi(`127.0.0.1:${apiPort}`, token), log };
}

beforeAll(async () => {
  deployment = await provisionTestDeployment({ deployment: config.deployment, nodes: raw.cluster });
  producer = createSerialProducer(kafka);
  await producer.connect();
  sender = syntheticHtlcSender({ backend, nodeKey, producer, topics: config.topics });
  observer = await runCommittingConsumer(kafka, {
    groupId: `unpub-${run}-observer`,
    topics: [config.topics.htlcCommands(nodes.a)],
    fromBeginning: true,
    maxWaitTimeMs: 50,
    handler: async (record) => {
      const c = decodeAs("htlc-command", record);
      commands.push({ key: `${c.nodeId}:${c.circuitKey.htlcId}`, action: c.action, commandId: c.commandId, preimage: c.preimage === null ? null : Buffer.from(c.preimage).toString("hex") });
    },
  });
  db = new pg.Client({ connectionString: stack.postgresUrl });
  await db.connect();
}, 120_000);

afterAll(async () => {
  await observer?.stop().catch(() => undefined);
  await producer?.disconnect().catch(() => undefined);
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
  await Promise.all(children.map((c) => (c.exitCode !== null || c.signalCode !== null ? undefined : new Promise((resolve) => c.once("exit", resolve)))));
  await deployment?.remove([config.groupId, `unpub-${run}-observer`]).catch(() => undefined);
  await db?.query(`drop schema if exists ${dbSchema} cascade`).catch(() => undefined);
  await db?.end();
}, 120_000);

it("a settle committed but not yet published when the matcher dies is published by the next one, once", async () => {
  const first = startMatcher("matcher-1");
  await waitUntil("matcher 1 answering its API", () => first.api.getInfo().then(() => true, () => undefined), { timeoutMs: 90_000, intervalMs: 250 });
  const { invoice } = await first.api.createInvoice({ externalRef: `unpub-${run}`, amountMsat: 25_000n, mode: "auto" });
  const decoded = decodeInvoice(backend, invoice.bolt11);
  if (!decoded.ok) throw new Error(decoded.error.message);

  // Hold the window open: the matcher may no longer write node a's commands.
  const writeCommands = deployment!.plan.acls.find((a) => a.principal === "User:matcher" && a.resourceName === config.topics.htlcCommands(nodes.a) && a.operation === "WRITE");
  expect(writeCommands).toBeDefined();
  const admin = kafka.admin();
  await admin.connect();
  try {
    const acl = toKafkaAcl(writeCommands!);
    await admin.deleteAcls({ filters: [{ ...acl, permissionType: AclPermissionTypes.ALLOW }] });

    const htlc = { nodeId: nodes.a, paymentHash: hexToBytes(invoice.paymentHash), paymentSecret: decoded.value.paymentSecret, amountMsat: 25_000n, totalMsat: 25_000n };
    const { htlcId } = await sender.sendHtlc(htlc);
    const pending = () =>
      db.query<{ status: string; unpublished: string }>(
        `select i.status, (select count(*) from ${dbSchema}.outbox o where o.kind = 'htlc-command' and o.published_at is null) as unpublished
         from ${dbSchema}.invoices i where i.payment_hash = $1`,
        [invoice.paymentHash],
      );
    await waitUntil("the settle decision committed with its command still in the outbox", async () => {
      const row = (await pending()).rows[0];
      return row?.status === "SETTLE_REQUESTED" && row.unpublished === "1";
    });
    // The publisher has tried and failed at least once (it retries every round).
    await waitUntil("a failed publish round in matcher 1's log", () => readFileSync(first.log, "utf8").includes("outbox publish round failed"), { timeoutMs: 30_000 });
    first.child.kill("SIGKILL");
    await new Promise((resolve) => first.child.once("exit", resolve));
    expect(commands).toHaveLength(0);

    await admin.createAcls({ acl: [acl] });
    const second = startMatcher("matcher-2");
    await waitUntil("the SETTLE on the commands topic", () => commands.length >= 1, { timeoutMs: 90_000 });
    expect(commands[0]).toMatchObject({ key: `${nodes.a}:${htlcId}`, action: "SETTLE" });
    expect((await pending()).rows[0]?.unpublished).toBe("0");

    // Published once: the kill left no copy behind (one record ever written to the topic).
    const written = (await admin.fetchTopicOffsets(config.topics.htlcCommands(nodes.a))).reduce((sum, p) => sum + BigInt(p.high) - BigInt(p.low), 0n);
    expect(written).toBe(1n);
    expect(commands).toHaveLength(1);
    const view = await waitUntil("matcher 2 answering its API", () => second.api.lookupInvoice({ paymentHash: invoice.paymentHash }).catch(() => undefined), { timeoutMs: 60_000, intervalMs: 250 });
    expect(view.status).toBe("SETTLE_REQUESTED");
    expect(readFileSync(first.log, "utf8") + readFileSync(second.log, "utf8")).not.toContain(seed);
  } finally {
    await admin.disconnect();
  }
});
