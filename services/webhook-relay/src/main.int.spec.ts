// The relay as a process (tsx src/main.ts, config file, secret in a mounted file) on the real
// broker, killed with SIGKILL in the middle of a delivery: the offset of the event in flight was
// never committed, so the next process delivers it; nothing is lost. Also: an invalid config
// exits 2 naming the field without quoting the secret, and the logs carry paymentHash/eventId but
// never the secret or the endpoint's URL.
import { spawn, type ChildProcess } from "node:child_process";
import { createHmac, randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  createSerialProducer,
  deploymentGroups,
  deploymentTopics,
  deprovisionDeployment,
  encode,
  provisionDeployment,
  type InvoiceEvent,
} from "@ic/event-log";
import { committedOffsets, testBrokers, testKafka, uniqueName, waitFor } from "@ic/event-log/testing";
import { relayTestPlan, relayTestPrincipal } from "./testing/relay-principal.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../../test/support/free-port.ts";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const main = path.join(repo, "services/webhook-relay/src/main.ts");
const NODE = "03" + "22".repeat(32);
const SECRET = randomBytes(24).toString("hex");

interface Hit {
  readonly paymentHash: string;
  readonly sequence: number;
  readonly eventId: string;
  readonly status: number;
  readonly signed: boolean;
}

function event(paymentHash: string, sequence: number): InvoiceEvent {
  return {
    eventId: `${paymentHash.slice(0, 12)}-${sequence}`,
    sequence,
    paymentHash,
    kind: (["CREATED", "ACCEPTED", "SETTLED"] as const)[sequence - 1] ?? "SETTLED",
    externalRef: null,
    bolt11: null,
    amountMsat: 1000n,
    amountPaidMsat: null,
    htlcs: [],
    amountSettledMsat: null,
    amountFailedMsat: null,
    reason: null,
    atMs: Date.now(),
  };
}

function startProcess(
  configFile: string,
  output: string[],
): { child: ChildProcess; exited: Promise<number | null> } {
  // One process (node --import tsx, as in the container), so SIGKILL hits the relay itself, not a wrapper.
  const child = spawn(process.execPath, ["--import", "tsx", main, "--config", configFile], {
    cwd: repo,
    env: { ...process.env, IC_WEBHOOK_CONFIG: "" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => output.push(chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, exited };
}

async function readyz(port: number): Promise<boolean> {
  try {
    return (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200;
  } catch {
    return false;
  }
}

describe("webhook relay process", () => {
  const deployment = uniqueName("whp");
  const plan = relayTestPlan(deployment, NODE);
  const topics = deploymentTopics(deployment);
  const groupId = deploymentGroups(deployment).webhookRelay;
  const admin = testKafka(`${deployment}-admin`);
  const producer = createSerialProducer(admin);
  const dir = mkdtempSync(path.join(tmpdir(), "webhook-relay-main-"));
  const hits: Hit[] = [];
  const failing = new Set<string>();
  let server: Server;
  let url = "";

  beforeAll(async () => {
    const kafkaAdmin = admin.admin();
    await kafkaAdmin.connect();
    await provisionDeployment(kafkaAdmin, plan);
    await kafkaAdmin.disconnect();
    await producer.connect();
    server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on("data", (c: Buffer) => chunks.push(c));
      request.on("end", () => {
        const body = Buffer.concat(chunks).toString();
        const parsed = JSON.parse(body) as { paymentHash: string; sequence: number; eventId: string };
        const timestamp = String(request.headers["ic-webhook-timestamp"]);
        const signed =
          request.headers["ic-webhook-signature"] ===
          `v1=${createHmac("sha256", SECRET).update(`${timestamp}.${body}`).digest("hex")}`;
        const status = failing.has(parsed.paymentHash) ? 503 : 200;
        hits.push({ ...parsed, status, signed });
        response.writeHead(status).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/secret-path-token`;
  });

  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    await producer.disconnect();
    const cleanup = admin.admin();
    await cleanup.connect();
    await deprovisionDeployment(cleanup, plan, [groupId]).finally(() => cleanup.disconnect());
  });

  it("exits 2 on an invalid config, naming the field, without quoting the secret", async () => {
    const configFile = path.join(dir, "bad.json");
    writeFileSync(
      configFile,
      JSON.stringify({ kafka: { brokers: testBrokers }, endpoints: [{ name: "shop", url, secret: SECRET }] }),
    );
    const output: string[] = [];
    const { exited } = startProcess(configFile, output);
    expect(await exited).toBe(2);
    const text = output.join("");
    expect(text).toContain("invalid webhook-relay configuration");
    expect(text).toContain("endpoints[0].secret must not be in the config");
    expect(text).toContain("no Kafka credentials");
    expect(text).not.toContain(SECRET);
  });

  it("exits 1 when the schema registry does not answer, naming its URL", async () => {
    const secretFile = path.join(dir, "registry-down.secret");
    writeFileSync(secretFile, `${SECRET}\n`, { mode: 0o600 });
    const configFile = path.join(dir, "registry-down.json");
    const registryUrl = `http://127.0.0.1:${await freePort()}/apis/ccompat/v7`;
    writeFileSync(
      configFile,
      JSON.stringify({
        deployment,
        kafka: { brokers: testBrokers, credentialsFile: relayTestPrincipal().credentialsFile },
        schemaRegistryUrl: registryUrl,
        endpoints: [{ name: "shop", url, secretFile }],
      }),
    );
    const output: string[] = [];
    const { exited } = startProcess(configFile, output);
    expect(await exited).toBe(1);
    expect(output.join("")).toContain(`the schema registry at ${registryUrl} did not answer`);
  });

  it("killed with SIGKILL while an event is being retried: the next process delivers it and what follows, nothing lost", async () => {
    const secretFile = path.join(dir, "shop.secret");
    writeFileSync(secretFile, `${SECRET}\n`, { mode: 0o600 });
    const port = await freePort();
    const configFile = path.join(dir, "relay.json");
    writeFileSync(
      configFile,
      JSON.stringify({
        deployment,
        kafka: { brokers: testBrokers, credentialsFile: relayTestPrincipal().credentialsFile },
        startFrom: "earliest",
        // The killed member holds its partitions until this runs out; the restarted one waits for it.
        sessionTimeoutMs: 6000,
        delivery: { maxAttempts: 1000, initialBackoffMs: 50, maxBackoffMs: 200, timeoutMs: 2000 },
        endpoints: [{ name: "shop", url, secretFile }],
        metricsPort: port,
        metricsHost: "127.0.0.1",
      }),
    );
    const healthy = randomBytes(32).toString("hex");
    const blocked = randomBytes(32).toString("hex");
    failing.add(blocked);
    const events = [healthy, blocked].flatMap((hash) => [1, 2, 3].map((sequence) => event(hash, sequence)));
    const offsets = new Map<string, { partition: number; offset: string }>();
    for (const e of events) {
      const [meta] = await producer.send({
        topic: topics.invoiceEvents,
        messages: [{ key: e.paymentHash, ...encode("invoice-event", e) }],
      });
      offsets.set(e.eventId, { partition: meta?.partition ?? -1, offset: meta?.baseOffset ?? "-1" });
    }

    const output: string[] = [];
    const first = startProcess(configFile, output);
    await waitFor("the relay ready", () => readyz(port), 60_000);
    await waitFor(
      "the healthy invoice delivered and the blocked one retried",
      () =>
        hits.filter((h) => h.paymentHash === healthy && h.status === 200).length === 3 &&
        hits.filter((h) => h.paymentHash === blocked).length >= 3,
      30_000,
    );
    first.child.kill("SIGKILL");
    await first.exited;

    // The blocked invoice's first event was never delivered, so its offset was never committed.
    const kafkaAdmin = admin.admin();
    await kafkaAdmin.connect();
    const blockedFirst = offsets.get(`${blocked.slice(0, 12)}-1`) as { partition: number; offset: string };
    const committed =
      (await committedOffsets(kafkaAdmin, groupId, topics.invoiceEvents)).get(blockedFirst.partition) ?? "-1";
    expect(BigInt(committed)).toBeLessThanOrEqual(BigInt(blockedFirst.offset));
    expect(hits.some((h) => h.paymentHash === blocked && h.status === 200)).toBe(false);

    failing.delete(blocked);
    const second = startProcess(configFile, output);
    try {
      await waitFor(
        "the blocked invoice delivered after the restart",
        () => hits.filter((h) => h.paymentHash === blocked && h.status === 200).length === 3,
        60_000,
      );
      await waitFor("offsets committed to the end", async () => {
        const ends = await kafkaAdmin.fetchTopicOffsets(topics.invoiceEvents);
        const done = await committedOffsets(kafkaAdmin, groupId, topics.invoiceEvents);
        return ends.every((p) => p.high === "0" || done.get(p.partition) === p.high);
      });
      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(health.status).toBe(200);
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(metrics).toMatch(/ic_webhook_deliveries_total\{endpoint="shop"\} [1-9]/);
      expect(metrics).toContain("ic_webhook_delivery_latency_seconds_bucket");
      expect(metrics).not.toContain("secret-path-token");
    } finally {
      second.child.kill("SIGTERM");
      await kafkaAdmin.disconnect();
    }
    expect(await second.exited).toBe(0);
    // Every event delivered at least once (the healthy invoice's may come twice if it shared the
    // blocked one's uncommitted batch: the receiver dedupes by ic-webhook-id); the blocked one in order.
    for (const e of events)
      expect(
        hits.some((h) => h.eventId === e.eventId && h.status === 200),
        e.eventId,
      ).toBe(true);
    expect(hits.filter((h) => h.paymentHash === blocked && h.status === 200).map((h) => h.sequence)).toEqual([
      1, 2, 3,
    ]);
    expect(hits.every((h) => h.signed)).toBe(true);

    const logs = output.join("");
    expect(logs).toContain(`"paymentHash":"${blocked}"`);
    expect(logs).toContain(`"eventId":"${blocked.slice(0, 12)}-1"`);
    expect(logs).toContain('"failure":"http-503"');
    expect(logs).not.toContain(SECRET);
    expect(logs).not.toContain("secret-path-token");
  });
});
