// The commit/abort bookkeeping of transaction(), against a recording stand-in for kafkajs.
// transactional-producer.int.spec.ts runs the same paths against the real broker.
import type { Kafka, ProducerConfig, ProducerRecord } from "kafkajs";
import { describe, expect, it } from "vitest";
import { TransactionAbortFailedError, createTransactionalProducer } from "./transactional-producer.ts";

function fakeKafka(options: { abortFails?: boolean } = {}) {
  const log: string[] = [];
  const configs: ProducerConfig[] = [];
  let active = false;
  let inFlight = 0;
  let maxInFlight = 0;
  const request = async (entry: string, fail: boolean) => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    await new Promise((resolve) => setImmediate(resolve));
    inFlight--;
    log.push(entry);
    if (fail) throw new Error(`${entry} failed`);
    return [];
  };
  const producer = {
    connect: async () => {},
    disconnect: async () => {},
    transaction: async () => {
      log.push("begin");
      active = true;
      return {
        send: (record: ProducerRecord) => request(`send ${record.topic} acks=${record.acks}`, record.topic === "broken"),
        sendOffsets: async (offsets: { consumerGroupId: string }) => {
          await request(`offsets ${offsets.consumerGroupId}`, false);
        },
        commit: async () => {
          log.push("commit");
          active = false;
        },
        abort: async () => {
          log.push("abort");
          if (options.abortFails) throw new Error("coordinator gone");
          active = false;
        },
        isActive: () => active,
      };
    },
  };
  const kafka = {
    producer: (config: ProducerConfig) => {
      configs.push(config);
      return producer;
    },
  } as unknown as Kafka;
  return { kafka, log, configs, maxInFlight: () => maxInFlight };
}

const offsets = { consumerGroupId: "g", topics: [{ topic: "in", partitions: [{ partition: 0, offset: "5" }] }] };

/** A transactional producer over fakeKafka(options), and what the fake saw. */
function fakeProducer(options?: Parameters<typeof fakeKafka>[0]) {
  const fake = fakeKafka(options);
  return { ...fake, producer: createTransactionalProducer(fake.kafka, { transactionalId: "t" }) };
}

describe("createTransactionalProducer", () => {
  it("configures an idempotent transactional producer with one request in flight", () => {
    const { kafka, configs } = fakeKafka();
    createTransactionalProducer(kafka, { transactionalId: "matcher-0" });
    expect(configs[0]).toMatchObject({ transactionalId: "matcher-0", idempotent: true, maxInFlightRequests: 1 });
  });

  it("commits after work and every send it started, even sends it did not await", async () => {
    const { producer, log, maxInFlight } = fakeProducer();
    const result = await producer.transaction(async (tx) => {
      void tx.send({ topic: "out", messages: [{ value: "a" }] });
      void tx.send({ topic: "out2", messages: [{ value: "b" }] });
      void tx.sendOffsets(offsets);
      return "done";
    });
    expect(result).toBe("done");
    expect(log).toEqual(["begin", "send out acks=-1", "send out2 acks=-1", "offsets g", "commit"]);
    expect(maxInFlight()).toBe(1);
  });

  it("aborts and rethrows when work throws", async () => {
    const { producer, log } = fakeProducer();
    await expect(
      producer.transaction(async (tx) => {
        await tx.send({ topic: "out", messages: [{ value: "a" }] });
        throw new Error("decision failed");
      }),
    ).rejects.toThrow("decision failed");
    expect(log).toEqual(["begin", "send out acks=-1", "abort"]);
  });

  it("aborts when a send fails, even one work did not await, and skips the requests after it", async () => {
    const { producer, log } = fakeProducer();
    await expect(
      producer.transaction(async (tx) => {
        void tx.send({ topic: "broken", messages: [{ value: "a" }] });
        void tx.sendOffsets(offsets);
      }),
    ).rejects.toThrow("send broken acks=-1 failed");
    expect(log).toEqual(["begin", "send broken acks=-1", "abort"]);
  });

  it("refuses sends after the transaction finished", async () => {
    const { producer } = fakeProducer();
    let escaped: Parameters<Parameters<typeof producer.transaction>[0]>[0] | undefined;
    await producer.transaction(async (tx) => {
      escaped = tx;
    });
    await expect(escaped!.send({ topic: "out", messages: [] })).rejects.toThrow("the transaction is already finished");
  });

  it("runs transactions one after the other", async () => {
    const { producer, log } = fakeProducer();
    await Promise.all([
      producer.transaction(async (tx) => void (await tx.send({ topic: "first", messages: [] }))),
      producer.transaction(async (tx) => void (await tx.send({ topic: "second", messages: [] }))),
    ]);
    expect(log).toEqual(["begin", "send first acks=-1", "commit", "begin", "send second acks=-1", "commit"]);
  });

  it("says so when the abort fails too: the producer must be discarded", async () => {
    const { producer } = fakeProducer({ abortFails: true });
    const failure = producer.transaction(async () => {
      throw new Error("decision failed");
    });
    await expect(failure).rejects.toBeInstanceOf(TransactionAbortFailedError);
    await expect(failure).rejects.toThrow(/decision failed.*coordinator gone.*discard this producer/);
  });
});
