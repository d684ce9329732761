// The matcher against real PostgreSQL and Kafka, with onions built by the protocol package: a
// two-part MPP set arriving through two nodes is settled with the derived preimage, a replay gets
// the same answer, a wrong payment_secret gets incorrect_or_unknown_payment_details, and the
// invoice is SETTLED only after both HTLCs are reported final. Each run owns its schema and topics.
import { createHash, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pino from "pino";
import {
  decodeAs,
  type HtlcCommand,
  type InvoiceEvent,
  type SerialProducer,
} from "@ic/event-log";
import { decodeFailurePacket, decodeInvoice, loadSecp256k1Backend } from "@ic/lightning-protocol";
import { waitUntil } from "../../../test/support/wait-until.ts";
import { connectInvoiceApi } from "@ic/invoice-api-client";
import { startInvoiceApi } from "./api/index.ts";
import { type RunningMatcher } from "./start-matcher.ts";
import { type SyntheticHtlcSender } from "./testing/synthetic-htlcs.ts";
import { testMatcherSetup } from "./testing/test-matcher-setup.ts";

const setup = testMatcherSetup("test_matcher");
const { run, nodeA, nodeB, config } = setup;
const topics = config.topics;
const backend = loadSecp256k1Backend().backend;

let matcher: RunningMatcher;
let producer: SerialProducer;
const commands: HtlcCommand[] = [];
const invoiceEvents: InvoiceEvent[] = [];
// The test's own client plays both bridges and the observer: the admin super user.

beforeAll(async () => {
  let htlcs: SyntheticHtlcSender;
  ({ matcher, producer, htlcs } = await setup.start());
  ({ sendHtlc, sendFinalSettled } = htlcs);
  await setup.observe([topics.htlcCommands(nodeA), topics.htlcCommands(nodeB), topics.invoiceEvents], (record) => {
    if (record.topic !== topics.invoiceEvents) commands.push(decodeAs("htlc-command", record));
    else invoiceEvents.push(decodeAs("invoice-event", record));
  });
});

afterAll(async () => {
  await setup.stop();
});

// Bound in beforeAll, once the producer exists.
let sendHtlc: SyntheticHtlcSender["sendHtlc"];
let sendFinalSettled: SyntheticHtlcSender["sendFinalSettled"];

describe("invoice matcher on Postgres + Kafka", () => {
  it("settles a two-node MPP set with the derived preimage, replays the same answer, and marks SETTLED on final", async () => {
    const { invoice } = await matcher.service.createInvoice({ externalRef: `order-${run}-1`, amountMsat: 100_000n, mode: "auto", description: "mpp" });
    const decoded = decodeInvoice(backend, invoice.bolt11);
    if (!decoded.ok) throw new Error(decoded.error.message);
    expect(decoded.value.routeHints).toHaveLength(2);
    const hash = decoded.value.paymentHash;
    const secret = decoded.value.paymentSecret;
    const a = await sendHtlc({ nodeId: nodeA, paymentHash: hash, paymentSecret: secret, amountMsat: 60_000n, totalMsat: 100_000n });
    // Incomplete set: nothing is settled yet.
    await waitUntil("the first part accepted", async () => (await matcher.service.lookupInvoice({ paymentHash: invoice.paymentHash })).htlcs.length === 1);
    expect(commands.filter((c) => c.paymentHash === invoice.paymentHash)).toHaveLength(0);
    const b = await sendHtlc({ nodeId: nodeB, paymentHash: hash, paymentSecret: secret, amountMsat: 40_000n, totalMsat: 100_000n });
    const settles = await waitUntil("two SETTLE commands", () => {
      const mine = commands.filter((c) => c.paymentHash === invoice.paymentHash && c.action === "SETTLE");
      return mine.length === 2 ? mine : undefined;
    });
    expect(new Set(settles.map((c) => c.nodeId))).toEqual(new Set([nodeA, nodeB]));
    for (const c of settles) expect(createHash("sha256").update(c.preimage!).digest("hex")).toBe(invoice.paymentHash);

    // A replayed HTLC (bridge reconnect) gets the same answer again, and no new event.
    await sendHtlc({ nodeId: nodeA, paymentHash: hash, paymentSecret: secret, amountMsat: 60_000n, totalMsat: 100_000n, htlcId: a.htlcId });
    await waitUntil("a third SETTLE (the replay)", () => commands.filter((c) => c.paymentHash === invoice.paymentHash).length === 3);
    expect((await matcher.service.lookupInvoice({ paymentHash: invoice.paymentHash })).status).toBe("SETTLE_REQUESTED");

    for (const [nodeId, htlcId] of [[nodeA, a.htlcId], [nodeB, b.htlcId]] as const)
      await sendFinalSettled({ nodeId, paymentHash: invoice.paymentHash, htlcId });
    await waitUntil("invoice SETTLED", async () => (await matcher.service.lookupInvoice({ paymentHash: invoice.paymentHash })).status === "SETTLED");
    await waitUntil("public events created -> settle requested -> settled", () => {
      const kinds = invoiceEvents.filter((e) => e.paymentHash === invoice.paymentHash).map((e) => e.kind);
      return kinds.join(",") === "CREATED,SETTLE_REQUESTED,SETTLED";
    });
  });

  it("fails an HTLC with a wrong payment_secret with incorrect_or_unknown_payment_details, encrypted for the payer", async () => {
    const { invoice } = await matcher.service.createInvoice({ externalRef: `order-${run}-2`, amountMsat: 50_000n, mode: "auto" });
    const decoded = decodeInvoice(backend, invoice.bolt11);
    if (!decoded.ok) throw new Error(decoded.error.message);
    const sent = await sendHtlc({
      nodeId: nodeA,
      paymentHash: decoded.value.paymentHash,
      paymentSecret: randomBytes(32),
      amountMsat: 50_000n,
      totalMsat: 50_000n,
    });
    const fail = await waitUntil("a FAIL command", () => commands.find((c) => c.paymentHash === invoice.paymentHash));
    expect(fail.action).toBe("FAIL");
    expect(fail.failureMessage).toHaveLength(292);
    const opened = decodeFailurePacket(sent.sharedSecret, fail.failureMessage!);
    if (!opened.ok) throw new Error(String(opened.error));
    expect(opened.value.failure).toEqual({ type: "incorrect_or_unknown_payment_details", htlcMsat: 50_000n, height: 300 });
    expect((await matcher.service.lookupInvoice({ paymentHash: invoice.paymentHash })).status).toBe("OPEN");
  });

  it("passes over an undecodable HTLC record (logged, counted) and decides the next one on its partition", async () => {
    const { invoice } = await matcher.service.createInvoice({ externalRef: `order-${run}-poison`, amountMsat: 40_000n, mode: "auto" });
    const decoded = decodeInvoice(backend, invoice.bolt11);
    if (!decoded.ok) throw new Error(decoded.error.message);
    // Same key as the HTLC below, so the same partition, ahead of it: no schema header, not Avro.
    await producer.send({ topic: topics.htlcIntercepted(nodeB), messages: [{ key: invoice.paymentHash, value: Buffer.from("not an avro record") }] });
    await sendHtlc({ nodeId: nodeB, paymentHash: decoded.value.paymentHash, paymentSecret: randomBytes(32), amountMsat: 40_000n, totalMsat: 40_000n });
    const fail = await waitUntil("a FAIL command after the undecodable record", () => commands.find((c) => c.paymentHash === invoice.paymentHash));
    expect(fail.action).toBe("FAIL");
    const counted = (await matcher.metrics.undecodableRecords.get()).values.find((v) => v.labels.topic === topics.htlcIntercepted(nodeB));
    expect(counted?.value).toBe(1);
  });

  it("refuses an HTLC record on node a's topic that claims node b (logged, counted, never decided) and decides the next one on that partition", async () => {
    const { invoice } = await matcher.service.createInvoice({ externalRef: `order-${run}-forged-node`, amountMsat: 30_000n, mode: "auto" });
    const decoded = decodeInvoice(backend, invoice.bolt11);
    if (!decoded.ok) throw new Error(decoded.error.message);
    const rejectedBefore = (await matcher.metrics.rejectedRecords.get()).values.find((v) => v.labels.reason === "topic-node-mismatch")?.value ?? 0;
    // What bridge a's principal could write: a record on a's topic, claiming to be node b's HTLC,
    // for the full amount with the right secret. Refused: it cannot come from b.
    const hash = decoded.value.paymentHash;
    const secret = decoded.value.paymentSecret;
    await sendHtlc({ nodeId: nodeB, topicNodeId: nodeA, paymentHash: hash, paymentSecret: secret, amountMsat: 30_000n, totalMsat: 30_000n });
    await waitUntil("the record refused", async () => {
      const counted = (await matcher.metrics.rejectedRecords.get()).values.find((v) => v.labels.reason === "topic-node-mismatch")?.value ?? 0;
      return counted === rejectedBefore + 1;
    });
    // The same payment hash (same partition) behind it, on its rightful topic, is decided.
    await sendHtlc({ nodeId: nodeA, paymentHash: hash, paymentSecret: secret, amountMsat: 30_000n, totalMsat: 30_000n });
    const settles = await waitUntil("a SETTLE for the rightful HTLC", () => {
      const mine = commands.filter((c) => c.paymentHash === invoice.paymentHash);
      return mine.length > 0 ? mine : undefined;
    });
    expect(settles.map((c) => [c.action, c.nodeId])).toEqual([["SETTLE", nodeA]]);
    expect((await matcher.service.lookupInvoice({ paymentHash: invoice.paymentHash })).htlcs.map((h) => h.nodeId)).toEqual([nodeA]);
  });

  it("reports itself ready while Postgres answers (the /readyz check)", async () => {
    expect(await matcher.readiness()).toEqual({ ready: true, postgres: "ok" });
  });

  it("creating again with the same external reference returns the same invoice", async () => {
    const first = await matcher.service.createInvoice({ externalRef: `order-${run}-3`, amountMsat: 1_000n, mode: "hold" });
    const again = await matcher.service.createInvoice({ externalRef: `order-${run}-3`, amountMsat: 1_000n, mode: "hold" });
    expect(first.created).toBe(true);
    expect(again.created).toBe(false);
    expect(again.invoice.bolt11).toBe(first.invoice.bolt11);
    await expect(matcher.service.createInvoice({ externalRef: `order-${run}-3`, amountMsat: 2_000n, mode: "hold" })).rejects.toMatchObject({
      code: "already_exists",
    });
    await expect(
      matcher.service.createInvoice({ externalRef: `order-${run}-3`, amountMsat: 1_000n, mode: "hold", description: "something else" }),
    ).rejects.toMatchObject({ code: "already_exists" });
    await expect(
      matcher.service.createInvoice({ externalRef: `order-${run}-3`, amountMsat: 1_000n, mode: "hold", expirySeconds: 60 }),
    ).rejects.toMatchObject({ code: "already_exists" });
  });

  it("serves the real matcher over the gRPC invoice API (create, lookup, list, info; a wrong token is refused)", async () => {
    const api = await startInvoiceApi({ service: matcher.service, address: "127.0.0.1:0", authToken: config.api.authToken, logger: pino({ level: "silent" }) });
    const client = connectInvoiceApi(`127.0.0.1:${api.port}`, config.api.authToken);
    const intruder = connectInvoiceApi(`127.0.0.1:${api.port}`, "x".repeat(40));
    try {
      const { invoice, created } = await client.createInvoice({ externalRef: `api-${run}`, amountMsat: 123_456_789_012n, mode: "hold", description: "via grpc" });
      expect(created).toBe(true);
      expect(invoice.amountMsat).toBe(123_456_789_012n);
      expect((await client.lookupInvoice({ externalRef: `api-${run}` })).paymentHash).toBe(invoice.paymentHash);
      const page = await client.listInvoices({ limit: 1000 });
      expect(page.invoices.map((i) => i.paymentHash)).toContain(invoice.paymentHash);
      const info = await client.getInfo();
      expect(info.coordinatorPubkey).toBe(matcher.identity.nodePubkeyHex);
      expect(info.nodes.map((n) => n.pubkey)).toEqual([nodeA, nodeB]);
      await expect(client.settleInvoice(invoice.paymentHash)).rejects.toMatchObject({ codeName: "FAILED_PRECONDITION" });
      await expect(intruder.getInfo()).rejects.toMatchObject({ codeName: "UNAUTHENTICATED" });
    } finally {
      client.close();
      intruder.close();
      await api.stop();
    }
  });
});
