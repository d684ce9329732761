// Against the stack's real schema registry (and broker): subjects registered from /schemas with
// BACKWARD, ids learnt once at start, an incompatible schema and an unreachable registry refused
// with clear errors, and a record whose id the registry does not know dead-lettered with its
// reason by a consumer that decides as the services do (decodeFailureAction). Each test has its
// own topics and subjects, deleted afterwards.
import type { Admin, Kafka } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EventCodec } from "./codec.ts";
import { runCommittingConsumer } from "./committing-consumer.ts";
import { DEAD_LETTER_HEADERS, createDeadLetterWriter, decodeFailureAction, decodeFailureLetter } from "./dead-letters.ts";
import { EventDecodeError } from "./errors.ts";
import type { EventRecords } from "./event-records.ts";
import { deleteTestSubjects, readTopic, testKafka, testSchemaRegistryUrl, uniqueName, waitFor } from "./kafka-test-support.ts";
import { eventRecordInvariants } from "./record-invariants.ts";
import { buildSchemaCatalog, loadSchemaCatalog } from "./schema-catalog.ts";
import { SchemaRegistryError, checkAgainstRegistry, connectSchemaRegistry, registerTopicSubjects, valueSubject } from "./schema-registry.ts";
import { sampleEvents } from "./sample-events.ts";
import { createSerialProducer } from "./serial-producer.ts";
import { ensureTopics } from "./topics.ts";

const url = testSchemaRegistryUrl();
const catalog = loadSchemaCatalog();

async function registry(path: string): Promise<unknown> {
  const response = await fetch(`${url}${path}`);
  if (!response.ok) throw new Error(`GET ${path}: HTTP ${response.status}`);
  return response.json();
}

describe("the schema registry", () => {
  const subjects: string[] = [];
  const topics: string[] = [];
  let kafka: Kafka;
  let admin: Admin;

  function newTopic(prefix: string): string {
    const topic = uniqueName(prefix);
    topics.push(topic);
    subjects.push(valueSubject(topic));
    return topic;
  }

  beforeAll(async () => {
    kafka = testKafka("schema-registry-test");
    admin = kafka.admin();
    await admin.connect();
  });
  afterAll(async () => {
    await admin.deleteTopics({ topics }).catch(() => {});
    await admin.disconnect();
    await deleteTestSubjects(subjects);
  });

  it("provisioning registers every version under <topic>-value with BACKWARD, idempotently", async () => {
    const topic = newTopic("ic.test.registry.outcomes");
    const first = await registerTopicSubjects({ url }, [{ topic, schema: "htlc-outcome" }]);
    const again = await registerTopicSubjects({ url }, [{ topic, schema: "htlc-outcome" }]);
    expect(again).toEqual(first);
    expect(first[0]!.ids.map((v) => v.version)).toEqual(catalog.versionsOf("htlc-outcome").map((v) => v.version));
    expect(await registry(`/config/${valueSubject(topic)}`)).toEqual({ compatibilityLevel: "BACKWARD" });
    expect(await registry(`/subjects/${valueSubject(topic)}/versions`)).toEqual(first[0]!.ids.map((_, i) => i + 1));
    // The registry's copy is our file: the same Parsing Canonical Form.
    const latest = first[0]!.ids.at(-1)!;
    const stored = (await registry(`/schemas/ids/${latest.id}`)) as { schema: string };
    expect(buildSchemaCatalog([{ name: "x", version: 1, schema: JSON.parse(stored.schema), source: "registry" }]).current("x")!.fingerprint).toBe(
      catalog.current("htlc-outcome")!.fingerprint,
    );
  });

  it("provisioning after a process registered its newer current version leaves the older versions out (BACKWARD would refuse them)", async () => {
    const topic = newTopic("ic.test.registry.late");
    const codec = new EventCodec<EventRecords>(catalog, eventRecordInvariants);
    await connectSchemaRegistry({ url, topics: [{ topic, schema: "htlc-outcome" }], codec });
    const [registered] = await registerTopicSubjects({ url }, [{ topic, schema: "htlc-outcome" }]);
    expect(registered!.ids.map((v) => v.version)).toEqual([catalog.current("htlc-outcome")!.version]);
    expect(await registry(`/subjects/${valueSubject(topic)}/versions`)).toEqual([1]);
  });

  it("a process learns the ids once at start (registering its current version if missing) and writes records the registry describes", async () => {
    const topic = newTopic("ic.test.registry.status");
    const codec = new EventCodec<EventRecords>(catalog, eventRecordInvariants);
    const table = await connectSchemaRegistry({ url, topics: [{ topic, schema: "bridge-status" }], codec });
    const latest = (await registry(`/subjects/${valueSubject(topic)}/versions/latest`)) as { id: number };
    const current = catalog.current("bridge-status")!;
    expect(table.idOf("bridge-status", current.version)).toBe(latest.id);
    const encoded = codec.encode("bridge-status", sampleEvents()["bridge-status"]);
    expect(encoded.value.readUInt32BE(1)).toBe(latest.id);
    expect(codec.decodeAs("bridge-status", { value: encoded.value })).toEqual(sampleEvents()["bridge-status"]);
  });

  it("refuses to start with an incompatible schema, naming the subject and the registry's reason", async () => {
    const topic = newTopic("ic.test.registry.incompatible");
    await registerTopicSubjects({ url }, [{ topic, schema: "bridge-status" }]);
    const v1 = catalog.current("bridge-status")!;
    // A new required field without a default: v1 records cannot be read with it (not BACKWARD).
    const broken = { ...(v1.schema as { fields: unknown[] }), fields: [...(v1.schema as { fields: unknown[] }).fields, { name: "required", type: "string" }] };
    const newer = buildSchemaCatalog([
      { name: "bridge-status", version: 1, schema: v1.schema, source: "bridge-status.v1.avsc" },
      { name: "bridge-status", version: 2, schema: broken, source: "bridge-status.v2.avsc" },
    ]);
    const codec = new EventCodec<object>(newer);
    const error = await connectSchemaRegistry({ url, catalog: newer, codec, topics: [{ topic, schema: "bridge-status" }] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SchemaRegistryError);
    expect((error as SchemaRegistryError).problem).toBe("incompatible");
    expect((error as SchemaRegistryError).subject).toBe(valueSubject(topic));
    expect((error as Error).message).toContain(`subject ${valueSubject(topic)}: registering bridge-status v2 (bridge-status.v2.avsc) with BACKWARD compatibility refused (HTTP 409)`);
    expect(codec.boundSchemaIds).toBeUndefined();
  });

  it("the compatibility check against the registry passes /schemas, and fails a version the registry refuses or a subject holding a schema /schemas lacks", async () => {
    const good = await checkAgainstRegistry({ url });
    expect(good.ok).toBe(true);
    expect(good.lines).toContain(`ok   htlc-outcome: v${catalog.versionsOf("htlc-outcome").map((v) => v.version).join(" -> v")} accepted by the registry under BACKWARD`);
    const v1 = catalog.current("bridge-status")!;
    const broken = { ...(v1.schema as { fields: unknown[] }), fields: [...(v1.schema as { fields: unknown[] }).fields, { name: "required", type: "string" }] };
    const bad = buildSchemaCatalog([
      { name: "bridge-status", version: 1, schema: v1.schema, source: "bridge-status.v1.avsc" },
      { name: "bridge-status", version: 2, schema: broken, source: "bridge-status.v2.avsc" },
    ]);
    const refused = await checkAgainstRegistry({ url, catalog: bad });
    expect(refused.ok).toBe(false);
    expect(refused.lines.join("\n")).toMatch(/FAIL .*registering bridge-status v2 \(bridge-status.v2.avsc\) with BACKWARD compatibility refused \(HTTP 409\)/);
    // A deployment whose subject holds a schema that is not one of the files.
    const deployment = uniqueName("ic-test-check");
    const topic = `${deployment}.bridge.status.v1.x`;
    subjects.push(valueSubject(topic));
    await registerTopicSubjects({ url, catalog: buildSchemaCatalog([{ name: "bridge-status", version: 1, schema: broken, source: "elsewhere" }]) }, [{ topic, schema: "bridge-status" }]);
    const foreign = await checkAgainstRegistry({ url, deployment });
    expect(foreign.ok).toBe(false);
    expect(foreign.lines.join("\n")).toContain(`FAIL ${valueSubject(topic)} version 1: a schema none of /schemas has`);
  });

  it("refuses to start when the registry does not answer, naming its URL", async () => {
    const down = "http://127.0.0.1:9/apis/ccompat/v7";
    const error = await connectSchemaRegistry({ url: down, codec: new EventCodec<object>(catalog), topics: [{ topic: "ic.test.nowhere", schema: "bridge-status" }] }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SchemaRegistryError);
    expect((error as SchemaRegistryError).problem).toBe("unreachable");
    expect((error as Error).message).toMatch(/^the schema registry at http:\/\/127\.0\.0\.1:9\/apis\/ccompat\/v7 did not answer \(.*ECONNREFUSED/);
  });

  it("a record whose schema id the registry does not know is held while asking, then dead-lettered with its reason; a known one is handled", async () => {
    const topic = newTopic("ic.test.registry.input");
    const deadLetterTopic = uniqueName("ic.test.registry.dlq");
    topics.push(deadLetterTopic);
    await ensureTopics(admin, [{ topic, partitions: 1 }, { topic: deadLetterTopic, partitions: 1 }]);
    const codec = new EventCodec<EventRecords>(catalog, eventRecordInvariants);
    await connectSchemaRegistry({ url, topics: [{ topic, schema: "bridge-status" }], codec });
    const good = codec.encode("bridge-status", sampleEvents()["bridge-status"]);
    const unknownId = Buffer.from(good.value);
    unknownId.writeUInt32BE(0x7ffffff0, 1);
    const producer = createSerialProducer(kafka);
    await producer.connect();
    await producer.send({ topic, messages: [{ key: "a", value: unknownId }, { key: "b", ...good }] });
    await producer.disconnect();

    const deadLetters = createDeadLetterWriter(kafka, deadLetterTopic, { value: "copy" });
    await deadLetters.connect();
    const handled: string[] = [];
    const held: string[] = [];
    const group = uniqueName("ic.test.registry.group");
    const consumer = await runCommittingConsumer(kafka, {
      groupId: group,
      topics: [topic],
      fromBeginning: true,
      maxWaitTimeMs: 100,
      handler: async (record) => {
        try {
          handled.push(codec.decodeAs("bridge-status", record).nodeId);
        } catch (error) {
          if (!(error instanceof EventDecodeError)) throw error;
          if (decodeFailureAction(error) === "hold") {
            held.push(error.reason);
            throw error;
          }
          await deadLetters.write(record, decodeFailureLetter(error));
        }
      },
    });
    try {
      await waitFor("the known record handled", () => handled.length === 1, 60_000);
      const [letter] = await readTopic(kafka, deadLetterTopic, { readUncommitted: false, until: (m) => m.length >= 1 });
      expect(letter!.headers?.[DEAD_LETTER_HEADERS.reason]?.toString()).toBe("unknown-schema-id");
      expect(letter!.headers?.[DEAD_LETTER_HEADERS.detail]?.toString()).toBe(`schema id ${0x7ffffff0} is unknown to the schema registry: no reader can decode this record`);
      expect(letter!.value).toEqual(unknownId);
      expect(held[0]).toBe("unresolved-schema-id");
      expect(handled).toEqual([sampleEvents()["bridge-status"].nodeId]);
    } finally {
      await consumer.stop();
      await deadLetters.disconnect();
      await admin.deleteGroups([group]).catch(() => {});
    }
  });
});
