// The relay on the real broker (SASL/SCRAM + ACLs) against real HTTP servers in this process.
// Each test provisions a deployment of its own (topics, ACLs; the relay principal is the stack's
// `public` user, since the stack has no SCRAM user `webhook-relay`: the grants are the same),
// writes invoice events into its public topic as the matcher would (encode("invoice-event", …),
// keyed by payment hash), and removes everything at the end.
//
//   1. an endpoint that fails twice (500) then succeeds gets every event once, in order per
//      invoice, each request signed; an endpoint that always answers 500 and one that hangs get
//      every event dead-lettered with the reason after N tries; an undecodable record is
//      dead-lettered once; the relay moves on (offsets committed to the end);
//   2. a relay stopped while an endpoint is down commits nothing; the next one delivers every event;
//   3. delivery latency p50/p99 to a healthy endpoint (printed as a JSON line).
import { createHmac, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  DEAD_LETTER_HEADERS,
  createSerialProducer,
  deploymentGroups,
  deploymentTopics,
  encode,
  provisionDeployment,
  deprovisionDeployment,
  type InvoiceEvent,
  type InvoiceEventKind,
  type SerialProducer,
} from "@ic/event-log";
import {
  committedOffsets,
  readTopic,
  testBrokers,
  testKafka,
  uniqueName,
  waitFor,
} from "@ic/event-log/testing";
import { relayTestPlan, relayTestPrincipal } from "./testing/relay-principal.ts";
import type { Kafka, KafkaMessage } from "kafkajs";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { parseRelayConfig } from "./config.ts";
import { resolveFiles } from "./config-source.ts";
import { WEBHOOK_DLQ_HEADERS } from "./kafka/webhook-dead-letters.ts";
import { startRelay, type Relay } from "./relay.ts";

const NODE = "02" + "11".repeat(32);
const KINDS: InvoiceEventKind[] = ["CREATED", "ACCEPTED", "SETTLE_REQUESTED", "SETTLED"];
const logger = pino({ level: process.env["IC_TEST_LOG"] ?? "silent" });

interface Received {
  readonly endpoint: string;
  readonly eventId: string;
  readonly paymentHash: string;
  readonly sequence: number;
  readonly status: number;
  readonly atMs: number;
  readonly signatureValid: boolean;
}

/** One HTTP server; each path is an endpoint whose behaviour is a function of the request count for that event. */
class Receiver {
  readonly received: Received[] = [];
  /** Most requests an endpoint had open at once (invoices delivered side by side). */
  readonly maxInFlight = new Map<string, number>();
  private readonly inFlight = new Map<string, number>();
  private readonly server: Server;
  private readonly counts = new Map<string, number>();
  constructor(
    private readonly secrets: Record<string, string>,
    private readonly behaviour: Record<string, (attemptOfEvent: number) => number | "hang">,
  ) {
    this.server = createServer((request, response) => void this.handle(request, response));
  }
  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }
  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
  of(endpoint: string, status?: number): Received[] {
    return this.received.filter(
      (r) => r.endpoint === endpoint && (status === undefined || r.status === status),
    );
  }
  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString("utf8");
    const endpoint = (request.url ?? "/").slice(1);
    const open = (this.inFlight.get(endpoint) ?? 0) + 1;
    this.inFlight.set(endpoint, open);
    this.maxInFlight.set(endpoint, Math.max(open, this.maxInFlight.get(endpoint) ?? 0));
    response.on("close", () => this.inFlight.set(endpoint, (this.inFlight.get(endpoint) ?? 1) - 1));
    const parsed = JSON.parse(body) as { eventId: string; paymentHash: string; sequence: number };
    const eventId = String(request.headers["ic-webhook-id"]);
    const countKey = `${endpoint}/${eventId}`;
    const attempt = (this.counts.get(countKey) ?? 0) + 1;
    this.counts.set(countKey, attempt);
    // Verified here independently of the relay's code: HMAC-SHA256(secret, `${timestamp}.${body}`).
    const timestamp = String(request.headers["ic-webhook-timestamp"]);
    const expected = `v1=${createHmac("sha256", this.secrets[endpoint] ?? "")
      .update(`${timestamp}.${body}`)
      .digest("hex")}`;
    const fresh = Math.abs(Date.now() / 1000 - Number(timestamp)) <= 300;
    const signatureValid =
      request.headers["ic-webhook-signature"] === expected && fresh && parsed.eventId === eventId;
    const answer = this.behaviour[endpoint]?.(attempt) ?? 404;
    this.received.push({
      endpoint,
      eventId,
      paymentHash: parsed.paymentHash,
      sequence: parsed.sequence,
      status: answer === "hang" ? 0 : answer,
      atMs: Date.now(),
      signatureValid,
    });
    if (answer !== "hang") response.writeHead(answer).end();
  }
}

function invoiceEvent(paymentHash: string, sequence: number): InvoiceEvent {
  const kind = KINDS[(sequence - 1) % KINDS.length] as InvoiceEventKind;
  return {
    eventId: `${paymentHash.slice(0, 12)}-${sequence}`,
    sequence,
    paymentHash,
    kind,
    externalRef: `order-${paymentHash.slice(0, 6)}`,
    bolt11: kind === "CREATED" ? "lnbcrt50u1test" : null,
    amountMsat: 5_000_000n,
    amountPaidMsat: kind === "CREATED" ? null : 5_000_000n,
    htlcs:
      kind === "CREATED"
        ? []
        : [
            {
              nodeId: NODE,
              chanId: 1_234_567_890_123_456_789n,
              htlcId: BigInt(sequence),
              amountMsat: 5_000_000n,
              settled: null,
            },
          ],
    amountSettledMsat: null,
    amountFailedMsat: null,
    reason: null,
    atMs: Date.now(),
  };
}

interface TestDeploymentContext {
  readonly deployment: string;
  readonly topic: string;
  readonly deadLetterTopic: string;
  readonly groupId: string;
  readonly admin: Kafka;
  readonly producer: SerialProducer;
  send(event: InvoiceEvent): Promise<void>;
  remove(): Promise<void>;
}

async function provision(): Promise<TestDeploymentContext> {
  const deployment = uniqueName("wh");
  // The stack has SCRAM users admin, matcher, public, bridge-*: the relay runs as public here.
  const plan = relayTestPlan(deployment, NODE);
  const adminKafka = testKafka(`${deployment}-admin`);
  const admin = adminKafka.admin();
  await admin.connect();
  await provisionDeployment(admin, plan);
  await admin.disconnect();
  const topics = deploymentTopics(deployment);
  const groupId = deploymentGroups(deployment).webhookRelay;
  const producer = createSerialProducer(adminKafka);
  await producer.connect();
  return {
    deployment,
    topic: topics.invoiceEvents,
    deadLetterTopic: topics.webhookDeadLetters,
    groupId,
    admin: adminKafka,
    producer,
    async send(event) {
      await producer.send({
        topic: topics.invoiceEvents,
        messages: [{ key: event.paymentHash, ...encode("invoice-event", event) }],
      });
    },
    async remove() {
      await producer.disconnect();
      const cleanup = adminKafka.admin();
      await cleanup.connect();
      try {
        await deprovisionDeployment(cleanup, plan, [groupId]);
      } finally {
        await cleanup.disconnect();
      }
    },
  };
}

async function relayFor(
  context: TestDeploymentContext,
  baseUrl: string,
  endpoints: { name: string; maxAttempts?: number; timeoutMs?: number }[],
  delivery: Record<string, number>,
  startFrom: "earliest" | "latest" = "earliest",
): Promise<Relay> {
  const env: Record<string, string> = {};
  for (const endpoint of endpoints)
    env[`IC_WEBHOOK_SECRET_${endpoint.name.toUpperCase()}`] = secretOf(endpoint.name);
  const parsed = parseRelayConfig(
    {
      deployment: context.deployment,
      kafka: { brokers: testBrokers, credentialsFile: relayTestPrincipal().credentialsFile },
      startFrom,
      delivery,
      endpoints: endpoints.map((e) => ({
        name: e.name,
        url: `${baseUrl}/${e.name}`,
        ...(e.maxAttempts === undefined ? {} : { maxAttempts: e.maxAttempts }),
        ...(e.timeoutMs === undefined ? {} : { timeoutMs: e.timeoutMs }),
      })),
    },
    env,
  );
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.error));
  const loaded = await resolveFiles(parsed.value);
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.error));
  const relay = startRelay(loaded.value, { logger });
  await relay.ready;
  return relay;
}

const secrets = new Map<string, string>();
function secretOf(endpoint: string): string {
  let secret = secrets.get(endpoint);
  if (secret === undefined) {
    secret = randomBytes(24).toString("hex");
    secrets.set(endpoint, secret);
  }
  return secret;
}

async function offsetsCaughtUp(context: TestDeploymentContext): Promise<boolean> {
  const admin = context.admin.admin();
  await admin.connect();
  try {
    const ends = await admin.fetchTopicOffsets(context.topic);
    const committed = await committedOffsets(admin, context.groupId, context.topic);
    return ends.every((p) => p.high === "0" || committed.get(p.partition) === p.high);
  } finally {
    await admin.disconnect();
  }
}

async function committedOf(context: TestDeploymentContext): Promise<string[]> {
  const admin = context.admin.admin();
  await admin.connect();
  try {
    return [...(await committedOffsets(admin, context.groupId, context.topic)).values()];
  } finally {
    await admin.disconnect();
  }
}

const header = (message: KafkaMessage, name: string): string | undefined =>
  message.headers?.[name]?.toString();

/** Asserts each invoice's requests at an endpoint never go back in sequence (one event finished before the next began). */
function expectOrderedPerInvoice(requests: readonly Received[]): void {
  const byInvoice = new Map<string, number[]>();
  for (const r of requests)
    byInvoice.set(r.paymentHash, [...(byInvoice.get(r.paymentHash) ?? []), r.sequence]);
  for (const [hash, sequences] of byInvoice) {
    expect(sequences, `requests of invoice ${hash.slice(0, 12)}`).toEqual(
      [...sequences].sort((a, b) => a - b),
    );
  }
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

describe("webhook relay on the real broker", () => {
  it("delivers every event once, in order per invoice, signed, to an endpoint that fails twice first; dead-letters after N tries for an endpoint answering 500 and one that hangs; moves on", async () => {
    const context = await provision();
    cleanups.push(() => context.remove());
    const receiver = new Receiver(
      { flaky: secretOf("flaky"), broken: secretOf("broken"), hang: secretOf("hang") },
      { flaky: (attempt) => (attempt <= 2 ? 500 : 200), broken: () => 500, hang: () => "hang" },
    );
    const baseUrl = await receiver.listen();
    cleanups.push(() => receiver.close());

    const invoices = [0, 1, 2].map(() => randomBytes(32).toString("hex"));
    const events = invoices.flatMap((hash) => KINDS.map((_, i) => invoiceEvent(hash, i + 1)));
    // One invoice's events first interleaved with the others', as the matcher publishes them.
    for (let sequence = 1; sequence <= KINDS.length; sequence++) {
      for (const event of events.filter((e) => e.sequence === sequence)) await context.send(event);
    }
    await context.producer.send({
      topic: context.topic,
      messages: [{ key: "garbage", value: Buffer.from("not an invoice event") }],
    });
    // Confluent wire format with a schema id the registry has never given out.
    const unknownId = Buffer.from([0, 0x7f, 0xff, 0xff, 0xf1, 2, 0]);
    await context.producer.send({ topic: context.topic, messages: [{ key: "unknown-schema-id", value: unknownId }] });

    const relay = await relayFor(
      context,
      baseUrl,
      [{ name: "flaky" }, { name: "broken" }, { name: "hang", timeoutMs: 300 }],
      { maxAttempts: 3, initialBackoffMs: 50, maxBackoffMs: 200, timeoutMs: 5000 },
    );
    cleanups.push(() => relay.stop());

    await waitFor(
      "every event delivered to flaky and the relay's offsets at the end",
      async () => receiver.of("flaky", 200).length >= events.length && (await offsetsCaughtUp(context)),
      90_000,
    );

    // Exactly once delivered (2xx) per event, after exactly two failures each.
    const delivered = receiver.of("flaky", 200);
    expect(delivered.map((r) => r.eventId).sort()).toEqual(events.map((e) => e.eventId).sort());
    for (const event of events)
      expect(
        receiver
          .of("flaky")
          .filter((r) => r.eventId === event.eventId)
          .map((r) => r.status),
      ).toEqual([500, 500, 200]);
    // In order per invoice at every endpoint, retries included: an event's next one waits for it.
    for (const endpoint of ["flaky", "broken", "hang"]) expectOrderedPerInvoice(receiver.of(endpoint));
    // Different invoices side by side: the hanging endpoint had several invoices' requests open at once.
    expect(receiver.maxInFlight.get("hang")).toBeGreaterThanOrEqual(2);
    expect(receiver.received.every((r) => r.signatureValid)).toBe(true);
    // N tries each for the endpoints that never take an event.
    for (const event of events) {
      expect(receiver.of("broken").filter((r) => r.eventId === event.eventId)).toHaveLength(3);
      expect(receiver.of("hang").filter((r) => r.eventId === event.eventId)).toHaveLength(3);
    }

    const letters = await readTopic(context.admin, context.deadLetterTopic, {
      readUncommitted: false,
      until: (m) => m.length >= 2 * events.length + 1,
    });
    const lettersOf = (endpoint: string) =>
      letters.filter((m) => header(m, WEBHOOK_DLQ_HEADERS.endpoint) === endpoint);
    expect(
      lettersOf("broken")
        .map((m) => header(m, WEBHOOK_DLQ_HEADERS.eventId))
        .sort(),
    ).toEqual(events.map((e) => e.eventId).sort());
    expect(
      lettersOf("hang")
        .map((m) => header(m, WEBHOOK_DLQ_HEADERS.eventId))
        .sort(),
    ).toEqual(events.map((e) => e.eventId).sort());
    for (const letter of lettersOf("broken")) {
      expect(header(letter, DEAD_LETTER_HEADERS.reason)).toBe("attempts-exhausted");
      expect(header(letter, WEBHOOK_DLQ_HEADERS.lastFailure)).toBe("http-500");
      expect(header(letter, WEBHOOK_DLQ_HEADERS.attempts)).toBe("3");
      expect(header(letter, DEAD_LETTER_HEADERS.sourceTopic)).toBe(context.topic);
      expect(header(letter, "ic-schema")).toBe("invoice-event");
      expect(header(letter, DEAD_LETTER_HEADERS.detail)).toBe("endpoint broken: http-500 after 3 attempt(s)");
    }
    for (const letter of lettersOf("hang"))
      expect([
        header(letter, DEAD_LETTER_HEADERS.reason),
        header(letter, WEBHOOK_DLQ_HEADERS.lastFailure),
      ]).toEqual(["attempts-exhausted", "timeout"]);
    expect(lettersOf("*").map((m) => [header(m, DEAD_LETTER_HEADERS.reason), m.key?.toString()])).toEqual([
      ["corrupt-payload", "garbage"],
      ["unknown-schema-id", "unknown-schema-id"],
    ]);
    expect(header(lettersOf("*")[1]!, DEAD_LETTER_HEADERS.detail)).toBe(`schema id ${0x7ffffff1} is unknown to the schema registry: no reader can decode this record`);
    // No dead letter carries a secret or the endpoint's URL.
    const letterText = letters
      .map((m) =>
        JSON.stringify(
          Object.fromEntries(Object.entries(m.headers ?? {}).map(([k, v]) => [k, v?.toString()])),
        ),
      )
      .join("\n");
    expect(letterText).not.toContain(baseUrl);
    for (const secret of secrets.values()) expect(letterText).not.toContain(secret);

    const metrics = await relay.metrics.registry.metrics();
    expect(metrics).toContain(`ic_webhook_deliveries_total{endpoint="flaky"} ${events.length}`);
    expect(metrics).toContain(
      `ic_webhook_dead_lettered_total{endpoint="broken",reason="attempts-exhausted"} ${events.length}`,
    );
    expect(metrics).toContain(
      `ic_webhook_dead_lettered_total{endpoint="hang",reason="attempts-exhausted"} ${events.length}`,
    );
    expect(metrics).toContain(
      `ic_webhook_attempt_failures_total{endpoint="hang",failure="timeout"} ${3 * events.length}`,
    );
  });

  it("a relay stopped before its events were delivered commits nothing, and the next one delivers every event, in order", async () => {
    const context = await provision();
    cleanups.push(() => context.remove());
    let open = false;
    const receiver = new Receiver({ gate: secretOf("gate") }, { gate: () => (open ? 200 : 503) });
    const baseUrl = await receiver.listen();
    cleanups.push(() => receiver.close());
    const invoices = [0, 1].map(() => randomBytes(32).toString("hex"));
    const events = invoices.flatMap((hash) => [1, 2, 3].map((sequence) => invoiceEvent(hash, sequence)));
    for (const event of events) await context.send(event);

    const delivery = { maxAttempts: 1000, initialBackoffMs: 50, maxBackoffMs: 200, timeoutMs: 2000 };
    const first = await relayFor(context, baseUrl, [{ name: "gate" }], delivery);
    cleanups.push(() => first.stop());
    await waitFor(
      "both invoices' first events tried while the endpoint is down",
      () => new Set(receiver.of("gate", 503).map((r) => r.paymentHash)).size === 2,
      30_000,
    );
    await first.stop();
    expect(receiver.of("gate", 200)).toEqual([]);
    // Nothing handled, nothing committed: the group has no offset on any partition.
    expect((await committedOf(context)).every((offset) => offset === "-1")).toBe(true);

    open = true;
    const second = await relayFor(context, baseUrl, [{ name: "gate" }], delivery);
    cleanups.push(() => second.stop());
    await waitFor(
      "every event delivered after the restart",
      async () => receiver.of("gate", 200).length >= events.length && (await offsetsCaughtUp(context)),
      60_000,
    );
    const delivered = receiver.of("gate", 200);
    expect(delivered.map((r) => r.eventId).sort()).toEqual(events.map((e) => e.eventId).sort());
    for (const hash of invoices)
      expect(delivered.filter((r) => r.paymentHash === hash).map((r) => r.sequence)).toEqual([1, 2, 3]);
    expectOrderedPerInvoice(receiver.of("gate").filter((r) => r.atMs >= (delivered[0]?.atMs ?? 0)));
    expect(receiver.received.every((r) => r.signatureValid)).toBe(true);
  });

  it("startFrom latest: earlier events are not sent, and events published while a relay that never committed was down are not skipped", async () => {
    const context = await provision();
    cleanups.push(() => context.remove());
    const receiver = new Receiver({ ok: secretOf("ok") }, { ok: () => 200 });
    const baseUrl = await receiver.listen();
    cleanups.push(() => receiver.close());
    const delivery = { maxAttempts: 3, initialBackoffMs: 50, maxBackoffMs: 200, timeoutMs: 5000 };
    const before = invoiceEvent(randomBytes(32).toString("hex"), 1);
    await context.send(before);

    const first = await relayFor(context, baseUrl, [{ name: "ok" }], delivery, "latest");
    await first.stop();
    // Published while no relay runs, and the group has handled nothing yet.
    const whileDown = invoiceEvent(randomBytes(32).toString("hex"), 1);
    await context.send(whileDown);
    const second = await relayFor(context, baseUrl, [{ name: "ok" }], delivery, "latest");
    cleanups.push(() => second.stop());
    await waitFor(
      "the event published while the relay was down delivered",
      () => receiver.of("ok", 200).some((r) => r.eventId === whileDown.eventId),
      30_000,
    );
    await waitFor("offsets at the end", () => offsetsCaughtUp(context));
    expect(receiver.received.map((r) => r.eventId)).toEqual([whileDown.eventId]);
    expect(before.eventId).not.toBe(whileDown.eventId);
  });

  it("delivery latency to a healthy endpoint: record written to 2xx received (prints p50/p99)", async () => {
    const context = await provision();
    cleanups.push(() => context.remove());
    const receiver = new Receiver({ ok: secretOf("ok") }, { ok: () => 200 });
    const baseUrl = await receiver.listen();
    cleanups.push(() => receiver.close());
    const relay = await relayFor(context, baseUrl, [{ name: "ok" }], {
      maxAttempts: 3,
      initialBackoffMs: 50,
      maxBackoffMs: 200,
      timeoutMs: 5000,
    });
    cleanups.push(() => relay.stop());

    const invoices = Array.from({ length: 50 }, () => randomBytes(32).toString("hex"));
    const sentAt = new Map<string, number>();
    for (let sequence = 1; sequence <= KINDS.length; sequence++) {
      for (const hash of invoices) {
        const event = invoiceEvent(hash, sequence);
        sentAt.set(event.eventId, Date.now());
        await context.send(event);
      }
    }
    await waitFor("every event delivered", () => receiver.of("ok", 200).length >= sentAt.size, 60_000);
    expect(receiver.of("ok", 200)).toHaveLength(sentAt.size);
    expectOrderedPerInvoice(receiver.of("ok"));
    const latencies = receiver
      .of("ok", 200)
      .map((r) => r.atMs - (sentAt.get(r.eventId) as number))
      .sort((a, b) => a - b);
    const figures = {
      metric: "webhook_relay.delivery_latency_ms",
      mode: "burst",
      events: latencies.length,
      invoices: invoices.length,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      max: latencies.at(-1),
    };
    process.stdout.write(`${JSON.stringify(figures)}\n`);
    expect(latencies.every((l) => l >= 0)).toBe(true);

    // One event at a time, each sent once the previous one arrived: the path's own latency.
    const single: number[] = [];
    for (let i = 0; i < 50; i++) {
      const event = invoiceEvent(randomBytes(32).toString("hex"), 1);
      const started = Date.now();
      await context.send(event);
      await waitFor(
        "the event delivered",
        () => receiver.of("ok", 200).some((r) => r.eventId === event.eventId),
        10_000,
      );
      single.push((receiver.of("ok", 200).find((r) => r.eventId === event.eventId)?.atMs ?? 0) - started);
    }
    single.sort((a, b) => a - b);
    const idle = {
      metric: "webhook_relay.delivery_latency_ms",
      mode: "one-at-a-time",
      events: single.length,
      p50: percentile(single, 50),
      p99: percentile(single, 99),
      max: single.at(-1),
    };
    process.stdout.write(`${JSON.stringify(idle)}\n`);
    expect(single.every((l) => l >= 0)).toBe(true);
  });
});
