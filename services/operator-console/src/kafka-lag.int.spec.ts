// The console's Kafka reads on the real broker, as the console's own principal (operator-console,
// DESCRIBE only) over a deployment of this test's own: the lag of the matcher's group per input
// topic and of the node's command group comes out right, and the same credentials are refused
// reading a record of the topics it describes and writing to them.
import { randomBytes } from "node:crypto";
import { createKafka, deploymentGroups, deploymentTopics, readKafkaCredentialsFile } from "@ic/event-log";
import { provisionTestDeployment, testBrokers, testCredentialsFiles, testKafka, uniqueName, type TestDeployment } from "@ic/event-log/testing";
import type { Admin } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKafkaLagReader, type KafkaLagReader } from "./kafka-lag.ts";

const deployment = uniqueName("console-lag");
const ALPHA = `02${randomBytes(32).toString("hex")}`;
const topics = deploymentTopics(deployment);
const groups = deploymentGroups(deployment);
const refused = /AUTHORIZATION_FAILED|Not authorized|find group coordinator/;

let provisioned: TestDeployment;
let admin: Admin;
let reader: KafkaLagReader;

function consoleCredentialsFile(): string {
  const file = testCredentialsFiles().operatorConsole;
  if (file === undefined) throw new Error("the stack config names no kafkaCredentials.operatorConsole: bring the stack up again with 'infra/stack up'");
  return file;
}

beforeAll(async () => {
  provisioned = await provisionTestDeployment({ deployment, nodes: [{ name: "alpha", pubkey: ALPHA }], partitions: 1 });
  admin = testKafka(`${deployment}-admin`).admin();
  await admin.connect();
  const producer = testKafka(`${deployment}-seed`).producer();
  await producer.connect();
  await producer.send({ topic: topics.htlcIntercepted(ALPHA), messages: ["a", "b", "c", "d", "e"].map((value) => ({ key: "k", value })) });
  await producer.send({ topic: topics.htlcOutcomes(ALPHA), messages: [{ key: "k", value: "o" }] });
  await producer.send({ topic: topics.htlcCommands(ALPHA), messages: [{ key: "k", value: "c1" }, { key: "k", value: "c2" }] });
  await producer.disconnect();
  // The matcher's group has read 2 of 5 intercepted records and the outcome; the bridge's group 1 of 2 commands.
  await admin.setOffsets({ groupId: groups.matcher, topic: topics.htlcIntercepted(ALPHA), partitions: [{ partition: 0, offset: "2" }] });
  await admin.setOffsets({ groupId: groups.matcher, topic: topics.htlcOutcomes(ALPHA), partitions: [{ partition: 0, offset: "1" }] });
  await admin.setOffsets({ groupId: groups.bridge(ALPHA), topic: topics.htlcCommands(ALPHA), partitions: [{ partition: 0, offset: "1" }] });
  reader = createKafkaLagReader({ brokers: testBrokers, credentialsFile: consoleCredentialsFile(), deployment, timeoutMs: 5_000 });
});

afterAll(async () => {
  await reader?.close();
  await provisioned?.remove([groups.matcher, groups.bridge(ALPHA), `${groups.publicPrefix}console`]);
  await admin?.disconnect();
});

describe("the console's Kafka reads, as its own DESCRIBE-only principal", () => {
  it("reads the matcher group's lag per input topic and the command group's lag", async () => {
    const reading = await reader.read([{ name: "alpha", pubkey: ALPHA }]);
    expect(reading.view.error).toBeUndefined();
    expect(reading.view.state).toBe("up");
    expect(reading.view.matcherGroup).toBe(groups.matcher);
    expect(reading.view.groupState).toBe("Empty");
    expect(reading.view.lag).toEqual(
      [
        { topic: topics.htlcIntercepted(ALPHA), lag: 3, uncommittedPartitions: 0 },
        { topic: topics.htlcOutcomes(ALPHA), lag: 0, uncommittedPartitions: 0 },
        // The status topic: nothing committed, nothing in it.
        { topic: topics.bridgeStatus(ALPHA), lag: 0, uncommittedPartitions: 1 },
      ].sort((a, b) => a.topic.localeCompare(b.topic)),
    );
    expect(reading.view.totalLag).toBe(3);
    expect(reading.commandLag.get("alpha")).toBe(1);
  });

  it("cannot read a record of the topics it describes, nor write one", async () => {
    const kafka = createKafka({ brokers: testBrokers, clientId: `${deployment}-console`, sasl: readKafkaCredentialsFile(consoleCredentialsFile()), retry: { retries: 0 } });
    const producer = kafka.producer({ retry: { retries: 0 }, allowAutoTopicCreation: false });
    await producer.connect();
    for (const topic of [topics.htlcIntercepted(ALPHA), topics.htlcCommands(ALPHA), topics.invoiceEvents])
      await expect(producer.send({ topic, messages: [{ key: "k", value: "forged" }] }), topic).rejects.toThrow(refused);
    await producer.disconnect();
    for (const [topic, groupId] of [
      [topics.htlcCommands(ALPHA), groups.bridge(ALPHA)],
      [topics.htlcIntercepted(ALPHA), groups.matcher],
      [topics.invoiceEvents, `${groups.publicPrefix}console`],
    ] as const) {
      const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100, retry: { retries: 0 } });
      const read: string[] = [];
      const crashed = new Promise<Error>((resolve) => consumer.on(consumer.events.CRASH, ({ payload }) => resolve(payload.error)));
      try {
        await consumer.connect();
        await consumer.subscribe({ topics: [topic], fromBeginning: true });
        await consumer.run({ eachMessage: async ({ message }) => void read.push(String(message.value)) });
        const error = await Promise.race([crashed, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 15_000))]);
        expect(error?.message, `${topic} as ${groupId}`).toMatch(refused);
      } catch (error) {
        expect((error as Error).message, `${topic} as ${groupId}`).toMatch(refused);
      } finally {
        await consumer.disconnect();
      }
      expect(read, topic).toEqual([]);
    }
  });
});
