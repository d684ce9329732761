// At-least-once consumption against the real broker: offsets are committed only for handled
// records, a failing handler gets its record again, and a stop finishes the record in hand.
import type { Admin, Kafka } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeAs, encode } from "./codec.ts";
import { runCommittingConsumer, type ConsumedRecord } from "./committing-consumer.ts";
import { committedOffsets, testKafka, uniqueName, waitFor } from "./kafka-test-support.ts";
import { sampleEvents } from "./sample-events.ts";
import { createSerialProducer, type SerialProducer } from "./serial-producer.ts";
import { ensureTopics } from "./topics.ts";

const commandIdOf = (record: ConsumedRecord) => decodeAs("htlc-outcome", record).commandId;

describe("the committing consumer against the broker", () => {
  let kafka: Kafka;
  let admin: Admin;
  let producer: SerialProducer;
  const topics: string[] = [];
  const groups: string[] = [];

  async function topicWith(partitions: number, commandIds: readonly string[]): Promise<string> {
    const topic = uniqueName("ic.test.consumer");
    topics.push(topic);
    await ensureTopics(admin, [{ topic, partitions }]);
    await publish(topic, commandIds);
    return topic;
  }
  async function publish(topic: string, commandIds: readonly string[]): Promise<void> {
    const sample = sampleEvents()["htlc-outcome"];
    await producer.send({
      topic,
      messages: commandIds.map((commandId) => ({ key: commandId, ...encode("htlc-outcome", { ...sample, commandId }) })),
    });
  }
  function newGroup(): string {
    const group = uniqueName("consumer-group");
    groups.push(group);
    return group;
  }
  /** A committing consumer of one topic from its start, in a group of the test's own; `options` adds to that. */
  function consume(topic: string, group: string, options: { handler: (record: ConsumedRecord) => Promise<void>; commitIntervalMs?: number }) {
    return runCommittingConsumer(kafka, { groupId: group, topics: [topic], fromBeginning: true, maxWaitTimeMs: 200, ...options });
  }
  /** A consumer committing at most every `commitIntervalMs`, of a one-partition topic holding "first"; the ids it handled. */
  async function withCommitInterval(commitIntervalMs: number) {
    const topic = await topicWith(1, ["first"]);
    const group = newGroup();
    const handled: string[] = [];
    const consumer = await consume(topic, group, { commitIntervalMs, handler: async (record) => void handled.push(commandIdOf(record)!) });
    return { topic, group, handled, consumer };
  }
  async function endOffsets(topic: string): Promise<Map<number, string>> {
    return new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, p.high]));
  }

  beforeAll(async () => {
    kafka = testKafka("event-log-consumer-test");
    admin = kafka.admin();
    await admin.connect();
    producer = createSerialProducer(kafka);
    await producer.connect();
  });
  afterAll(async () => {
    await producer.disconnect();
    await admin.deleteGroups(groups).catch(() => {});
    await admin.deleteTopics({ topics }).catch(() => {});
    await admin.disconnect();
  });

  it("redelivers a record whose handler failed, commits what was handled, and a restart resumes after it", async () => {
    const ids = Array.from({ length: 10 }, (_, i) => `cmd-${i}`);
    const topic = await topicWith(2, ids);
    const group = newGroup();
    const handled: string[] = [];
    let failuresLeft = 1;
    const run = () =>
      consume(topic, group, {
        handler: async (record) => {
          const id = commandIdOf(record)!;
          if (id === "cmd-4" && failuresLeft > 0) {
            failuresLeft--;
            throw new Error("projection unavailable");
          }
          handled.push(id);
        },
      });

    const first = await run();
    try {
      await waitFor("every record handled", () => ids.every((id) => handled.includes(id)));
      const ends = await endOffsets(topic);
      await waitFor("offsets committed up to the end", async () => {
        const committed = await committedOffsets(admin, group, topic);
        return [...ends].every(([partition, end]) => end === "0" || committed.get(partition) === end);
      });
    } finally {
      await first.stop();
    }
    expect(failuresLeft).toBe(0);
    expect([...handled].sort()).toEqual([...ids].sort()); // the failed one once, after its retry

    handled.length = 0;
    const second = await run();
    try {
      await publish(topic, ["cmd-new"]);
      await waitFor("the new record", () => handled.includes("cmd-new"));
    } finally {
      await second.stop();
    }
    expect(handled).toEqual(["cmd-new"]);
  });

  it("with a commit interval, handled offsets are held back, then committed together at stop", async () => {
    const { topic, group, handled, consumer } = await withCommitInterval(60_000);
    try {
      // The first batch commits at once (no commit yet within the interval).
      await waitFor("the first record committed", async () => (await committedOffsets(admin, group, topic)).get(0) === "1");
      await publish(topic, ["second"]);
      await publish(topic, ["third"]);
      await waitFor("both handled", () => handled.includes("third"));
      // Handled, not yet committed: within the interval.
      expect((await committedOffsets(admin, group, topic)).get(0)).toBe("1");
    } finally {
      await consumer.stop();
    }
    expect(handled).toEqual(["first", "second", "third"]);
    expect(await committedOffsets(admin, group, topic)).toEqual(new Map([[0, "3"]]));
  });

  it("with a commit interval, offsets held back are committed once it has passed, with no further batch", async () => {
    const { topic, group, handled, consumer } = await withCommitInterval(300);
    try {
      await waitFor("the first record committed", async () => (await committedOffsets(admin, group, topic)).get(0) === "1");
      await publish(topic, ["second", "third"]);
      await waitFor("both handled", () => handled.includes("third"));
      await waitFor("the held offsets committed by the timer", async () => (await committedOffsets(admin, group, topic)).get(0) === "3");
    } finally {
      await consumer.stop();
    }
  });

  it("stop() lets the record in hand finish and commits it", async () => {
    const topic = await topicWith(1, ["slow", "never"]);
    const group = newGroup();
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const started: string[] = [];
    const finished: string[] = [];
    const consumer = await consume(topic, group, {
      handler: async (record) => {
        const id = commandIdOf(record)!;
        started.push(id);
        if (id === "slow") await released;
        finished.push(id);
      },
    });
    await waitFor("the slow record to start", () => started.includes("slow"));
    const stopped = consumer.stop();
    release();
    await stopped;
    expect(finished).toEqual(["slow"]);
    expect(await committedOffsets(admin, group, topic)).toEqual(new Map([[0, "1"]]));
  });
});
