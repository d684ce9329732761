// The SETTLE read-back's clean-up when the read fails before it began, with a stand-in for
// kafkajs (the reads themselves are covered against real Kafka in bridge.int.spec.ts).
import { getEventListeners } from "node:events";
import type { Kafka } from "kafkajs";
import { describe, expect, it } from "vitest";
import { createKafkaSettleHistory } from "./kafka-settle-history.ts";

const silent = { debug() {}, info() {}, warn() {}, error() {} };

/** The consumer never connects; the admin client neither, with adminConnects false. */
function kafkaThatCannotConnect(adminConnects = true): { kafka: Kafka; calls: string[] } {
  const calls: string[] = [];
  const admin = {
    connect: async () => {
      calls.push("admin.connect");
      if (!adminConnects) throw new Error("broker down (injected)");
    },
    fetchTopicOffsets: async () => [{ partition: 0, low: "0", high: "5", offset: "5" }],
    deleteGroups: async () => void calls.push("admin.deleteGroups"),
    disconnect: async () => void calls.push("admin.disconnect"),
  };
  const consumer = {
    events: { END_BATCH_PROCESS: "end-batch", CRASH: "crash" },
    on: () => {},
    connect: async () => {
      throw new Error("broker down (injected)");
    },
    disconnect: async () => void calls.push("consumer.disconnect"),
  };
  return { kafka: { admin: () => admin, consumer: () => consumer } as unknown as Kafka, calls };
}

describe("SETTLE read-back over Kafka", () => {
  it("releases its abort listener, consumer and admin when the consumer cannot connect", async () => {
    const { kafka, calls } = kafkaThatCannotConnect();
    const history = createKafkaSettleHistory(kafka, { topic: "commands", groupPrefix: "ic.bridge.x.settle-history.", logger: silent });
    const controller = new AbortController();
    for (let attempt = 0; attempt < 3; attempt++) {
      await expect(history.settleCommands("02" + "11".repeat(32), undefined, controller.signal)).rejects.toThrow("broker down");
    }
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
    expect(calls.filter((c) => c === "consumer.disconnect")).toHaveLength(3);
    expect(calls.filter((c) => c === "admin.disconnect")).toHaveLength(3);
  });

  it("disconnects the admin client whose connect failed", async () => {
    const { kafka, calls } = kafkaThatCannotConnect(false);
    const history = createKafkaSettleHistory(kafka, { topic: "commands", groupPrefix: "ic.bridge.x.settle-history.", logger: silent });
    await expect(history.settleCommands("02" + "11".repeat(32), undefined)).rejects.toThrow("broker down");
    expect(calls).toContain("admin.disconnect");
  });
});
