// A client that is not ours and not TypeScript reads the public invoice events: Python's
// confluent-kafka (AvroDeserializer + SchemaRegistryClient, from PyPI) as the read-only public
// principal, given only the broker, the topic and the registry URL. The events are written the way
// the matcher writes them (the codec bound to the registry's ids); this test's own deployment,
// topics and subjects. The e2e test (foreign-consumer.e2e.spec.ts) does the same for a paid invoice.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EventCodec, connectSchemaRegistry, createSerialProducer, eventRecordInvariants, loadSchemaCatalog, type EventRecords, type InvoiceEvent } from "@ic/event-log";
import { provisionTestDeployment, sampleEvents, testKafka, testSchemaRegistryUrl, type TestDeployment } from "@ic/event-log/testing";
import { consumeWithPython, foreignPython } from "./python-consumer.ts";

describe("a Python confluent-kafka consumer reads the public invoice events through the registry", () => {
  let deployment: TestDeployment;
  let python: string;

  beforeAll(async () => {
    python = foreignPython();
    deployment = await provisionTestDeployment({ deployment: `foreign-${randomBytes(4).toString("hex")}`, nodes: [{ name: "alpha", pubkey: `02${"11".repeat(32)}` }], partitions: 1 });
  }, 180_000);
  afterAll(async () => {
    await deployment?.remove([`${deployment.deployment}.public.python`]);
  });

  it("sees CREATED -> SETTLED with the values written, uint64 amounts as decimal strings, by the schema id alone", async () => {
    const topic = `${deployment.deployment}.invoice.events.v1`;
    const codec = new EventCodec<EventRecords>(loadSchemaCatalog(), eventRecordInvariants);
    const table = await connectSchemaRegistry({ url: testSchemaRegistryUrl(), topics: [{ topic, schema: "invoice-event" }], codec });
    const base = sampleEvents()["invoice-event"];
    const paymentHash = randomBytes(32).toString("hex");
    const amountMsat = 2n ** 60n + 7n; // past 2^53: exact only as a string
    const events: InvoiceEvent[] = [
      { ...base, eventId: "e1", sequence: 1, paymentHash, kind: "CREATED", amountMsat, amountPaidMsat: null, htlcs: [], amountSettledMsat: null, amountFailedMsat: null, reason: null },
      { ...base, eventId: "e2", sequence: 2, paymentHash, kind: "SETTLED", amountMsat, amountPaidMsat: amountMsat, amountSettledMsat: null, amountFailedMsat: null, reason: null },
    ];
    const kafka = testKafka("foreign-consumer-test");
    const producer = createSerialProducer(kafka);
    await producer.connect();
    // Another invoice's event between them: the consumer filters by payment hash.
    const other = { ...events[0]!, eventId: "o1", paymentHash: randomBytes(32).toString("hex") };
    await producer.send({ topic, messages: [events[0]!, other, events[1]!].map((e) => ({ key: e.paymentHash, ...codec.encode("invoice-event", e) })) });
    await producer.disconnect();

    const result = await consumeWithPython({ python, topic, group: `${deployment.deployment}.public.python`, paymentHash });
    expect(result.code, result.stderr).toBe(0);
    const id = table.idOf("invoice-event", loadSchemaCatalog().current("invoice-event")!.version);
    expect(result.events).toEqual([
      { kind: "CREATED", sequence: 1, paymentHash, amountMsat: String(amountMsat), amountPaidMsat: null, parts: 0, schemaId: id },
      { kind: "SETTLED", sequence: 2, paymentHash, amountMsat: String(amountMsat), amountPaidMsat: String(amountMsat), parts: base.htlcs.length, schemaId: id },
    ]);
  }, 180_000);
});
