// A matcher killed right after its settle decision committed and before the outbox published it
// (issue 10, "Bad input and faults"), on the real Kafka and Postgres, without lnd. The window is
// held open from outside, with no hook in the matcher: the matcher principal's WRITE on node a's
// commands topic is revoked, so the decision commits (invoice SETTLE_REQUESTED, the command row in
// the outbox) and the publish keeps failing; the matcher is then killed with SIGKILL. With the ACL
// back, a new matcher process publishes the row: the SETTLE reaches the commands topic, once.
import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import kafkajs from "kafkajs";
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createSerialProducer, decodeAs, runCommittingConsumer, type RunningConsumer, type SerialProducer } from "@ic/event-log";
import { provisionTestDeployment, testKafka, type TestDeployment } from "@ic/event-log/testing";
import { decodeInvoice, hexToBytes, loadSecp256k1Backend } from "@ic/lightning-protocol";
import { toKafkaAcl } from "../../packages/event-log/src/provisioning/provision.ts";
import { syntheticHtlcSender, type SyntheticHtlcSender } from "../../services/invoice-matcher/src/testing/synthetic-htlcs.ts";
import { exited, matcherSetup, startMatcherProcess } from "../support/service-process.ts";
import { loadStackConfig } from "../support/stack-config.ts";
import { waitUntil } from "../support/wait-until.ts";

const { AclPermissionTypes } = kafkajs;
const stack = loadStackConfig();
const run = randomBytes(4).toString("hex");
const dbSchema = `unpublished_${run}`;
const backend = loadSecp256k1Backend().backend;
const setup = matcherSetup(stack, { deployment: `unpub-${run}`, dbSchema });
const { nodes, config, seed } = setup;
const dir = mkdtempSync(path.join(tmpdir(), `ic-unpublished-${run}-`));
const kafka = testKafka(`unpub-${run}`);
let deployment: TestDeployment | undefined;
let producer: SerialProducer | undefined;
let sender: SyntheticHtlcSender;
let observer: RunningConsumer | undefined;
let db: pg.Client;
const children: ChildProcess[] = [];
const commands: { key: string; action: string; commandId: string; preimage: string | null }[] = [];

async function startMatcher(name: string) {
  const started = await startMatcherProcess(setup, { dir, name });
  children.push(started.child);
  return started;
}

beforeAll(async () => {
  deployment = await provisionTestDeployment({ deployment: config.deployment, nodes: [{ name: "a", pubkey: nodes.a }, { name: "b", pubkey: nodes.b }] });
  producer = createSerialProducer(kafka);
  await producer.connect();
  sender = syntheticHtlcSender({ backend, nodeKey: setup.nodeKey, producer, topics: config.topics });
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
  await Promise.all(children.map(exited));
  await deployment?.remove([config.groupId, `unpub-${run}-observer`]).catch(() => undefined);
  await db?.query(`drop schema if exists ${dbSchema} cascade`).catch(() => undefined);
  await db?.end();
}, 120_000);

it("a settle committed but not yet published when the matcher dies is published by the next one, once", async () => {
  const first = await startMatcher("matcher-1");
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
    const second = await startMatcher("matcher-2");
    await waitUntil("the SETTLE on the commands topic", () => commands.length >= 1, { timeoutMs: 90_000 });
    expect(commands[0]).toMatchObject({ key: `${nodes.a}:${htlcId}`, action: "SETTLE" });
    expect((await pending()).rows[0]?.unpublished).toBe("0");

    // Published once: the kill left no copy behind (one record ever written to the topic).
    const written = (await admin.fetchTopicOffsets(config.topics.htlcCommands(nodes.a))).reduce((sum, p) => sum + BigInt(p.high) - BigInt(p.low), 0n);
    expect(written).toBe(1n);
    expect(commands).toHaveLength(1);
    const view = await second.api.lookupInvoice({ paymentHash: invoice.paymentHash });
    expect(view.status).toBe("SETTLE_REQUESTED");
    expect(readFileSync(first.log, "utf8") + readFileSync(second.log, "utf8")).not.toContain(seed);
  } finally {
    await admin.disconnect();
  }
});
