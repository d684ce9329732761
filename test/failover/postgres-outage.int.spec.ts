// A dead Postgres during an MPP set (issue 10, "Bad input and faults"), on the real Kafka and
// Postgres, without lnd. The matcher process reaches Postgres through a TCP proxy the test owns;
// cutting it drops every connection and refuses new ones, as a crashed server does. The first part
// of a two-part set is held; Postgres dies; the second part arrives: nothing is decided, /readyz
// turns 503, no command leaves. Postgres comes back: the matcher resumes by itself and settles both
// parts, once each.
import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { createServer, connect, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createSerialProducer, decodeAs, runCommittingConsumer, type RunningConsumer, type SerialProducer } from "@ic/event-log";
import { provisionTestDeployment, testKafka, type TestDeployment } from "@ic/event-log/testing";
import { decodeInvoice, hexToBytes, loadSecp256k1Backend } from "@ic/lightning-protocol";
import { syntheticHtlcSender } from "../../services/invoice-matcher/src/testing/synthetic-htlcs.ts";
import { freePort } from "../support/free-port.ts";
import { exited, matcherSetup, startMatcherProcess } from "../support/service-process.ts";
import { loadStackConfig } from "../support/stack-config.ts";
import { waitUntil } from "../support/wait-until.ts";

const stack = loadStackConfig();
const run = randomBytes(4).toString("hex");
const dbSchema = `pgoutage_${run}`;
const backend = loadSecp256k1Backend().backend;
const setup = matcherSetup(stack, { deployment: `pgout-${run}`, dbSchema });
const { nodes, seed, config } = setup;
const upstream = new URL(stack.postgresUrl);
const kafka = testKafka(`pgoutage-${run}`);

/** A TCP proxy to Postgres that can be cut (every connection dropped, new ones refused) and restored. */
class CuttableProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  constructor(readonly port: number) {}
  async open(): Promise<void> {
    const server = createServer((client) => {
      const server = connect(Number(upstream.port || 5432), upstream.hostname);
      for (const s of [client, server]) {
        this.sockets.add(s);
        s.on("error", () => undefined);
        s.on("close", () => this.sockets.delete(s));
      }
      client.pipe(server).pipe(client);
    });
    await new Promise<void>((resolve, reject) => server.once("error", reject).listen(this.port, "127.0.0.1", resolve));
    this.server = server;
  }
  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    const closed = server === undefined ? Promise.resolve() : new Promise((resolve) => server.close(resolve));
    for (const s of this.sockets) s.destroy();
    await closed;
  }
}

let proxy: CuttableProxy;
let deployment: TestDeployment | undefined;
let producer: SerialProducer | undefined;
let observer: RunningConsumer | undefined;
let matcher: ChildProcess | undefined;
const commands: { key: string; action: string }[] = [];

beforeAll(async () => {
  proxy = new CuttableProxy(await freePort());
  await proxy.open();
  deployment = await provisionTestDeployment({ deployment: config.deployment, nodes: [{ name: "a", pubkey: nodes.a }, { name: "b", pubkey: nodes.b }] });
  producer = createSerialProducer(kafka);
  await producer.connect();
}, 120_000);

afterAll(async () => {
  await observer?.stop().catch(() => undefined);
  await producer?.disconnect().catch(() => undefined);
  matcher?.kill("SIGTERM");
  if (matcher) await exited(matcher);
  await proxy?.cut();
  await deployment?.remove([config.groupId, `pgout-${run}-observer`]).catch(() => undefined);
  const db = new pg.Client({ connectionString: stack.postgresUrl });
  await db.connect();
  await db.query(`drop schema if exists ${dbSchema} cascade`);
  await db.end();
}, 120_000);

it("Postgres dies with an MPP set half-arrived: nothing is decided meanwhile, readiness says so, and the set settles once it is back", async () => {
  const viaProxy = new URL(stack.postgresUrl);
  viaProxy.hostname = "127.0.0.1";
  viaProxy.port = String(proxy.port);
  const metricsPort = await freePort();
  const started = await startMatcherProcess(setup, {
    dir: mkdtempSync(path.join(tmpdir(), `ic-pgoutage-${run}-`)),
    name: "matcher",
    extra: { postgresUrl: viaProxy.toString(), metricsPort, postgresTimeouts: { connectMs: 1_000, statementMs: 2_000 } },
  });
  matcher = started.child;
  const api = started.api;
  const readiness = async () => {
    const response = await fetch(`http://127.0.0.1:${metricsPort}/readyz`);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  await waitUntil("ready", async () => (await readiness()).status === 200);
  observer = await runCommittingConsumer(kafka, {
    groupId: `pgout-${run}-observer`,
    topics: [config.topics.htlcCommands(nodes.a), config.topics.htlcCommands(nodes.b)],
    fromBeginning: true,
    maxWaitTimeMs: 50,
    handler: async (record) => {
      const c = decodeAs("htlc-command", record);
      commands.push({ key: `${c.nodeId}:${c.circuitKey.htlcId}`, action: c.action });
    },
  });

  const { invoice } = await api.createInvoice({ externalRef: `pgout-${run}`, amountMsat: 100_000n, mode: "auto" });
  const decoded = decodeInvoice(backend, invoice.bolt11);
  if (!decoded.ok) throw new Error(decoded.error.message);
  const sender = syntheticHtlcSender({ backend, nodeKey: setup.nodeKey, producer: producer!, topics: config.topics });
  const part = { paymentHash: hexToBytes(invoice.paymentHash), paymentSecret: decoded.value.paymentSecret, totalMsat: 100_000n };
  await sender.sendHtlc({ ...part, nodeId: nodes.a, amountMsat: 60_000n });
  await waitUntil("the first part held", async () => (await api.lookupInvoice({ paymentHash: invoice.paymentHash })).htlcs.length === 1);

  await proxy.cut();
  const second = await sender.sendHtlc({ ...part, nodeId: nodes.b, amountMsat: 40_000n });
  const away = await waitUntil("/readyz 503 while Postgres is away", async () => {
    const r = await readiness();
    return r.status === 503 ? r : undefined;
  }, { timeoutMs: 30_000 });
  expect(JSON.stringify(away.body)).not.toContain(seed);
  // Without Postgres no decision commits, so no command can have left (a settle is durable first).
  expect(commands).toHaveLength(0);

  await proxy.open();
  await waitUntil("both parts settled", () => commands.length >= 2, { timeoutMs: 90_000 });
  await waitUntil("ready again", async () => (await readiness()).status === 200, { timeoutMs: 30_000 });
  expect(commands.map((c) => c.action)).toEqual(["SETTLE", "SETTLE"]);
  expect(new Set(commands.map((c) => c.key)).size).toBe(2);
  expect(commands.map((c) => c.key)).toContain(`${nodes.b}:${second.htlcId}`);
  expect((await api.lookupInvoice({ paymentHash: invoice.paymentHash })).status).toBe("SETTLE_REQUESTED");
});
