import type { Admin } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testKafka, uniqueName } from "./kafka-test-support.ts";
import { ensureTopics } from "./topics.ts";

describe("ensureTopics against the broker", () => {
  let admin: Admin;
  // Names sort as a, b whatever the random suffixes are.
  const topics = [uniqueName("ic.test.topics-a"), uniqueName("ic.test.topics-b")] as const;

  beforeAll(async () => {
    admin = testKafka("event-log-topics-test").admin();
    await admin.connect();
  });
  afterAll(async () => {
    await admin.deleteTopics({ topics: [...topics] }).catch(() => {});
    await admin.disconnect();
  });

  it("creates missing topics with never-expiring retention, and is idempotent", async () => {
    const first = await ensureTopics(admin, [{ topic: topics[0], partitions: 3 }]);
    expect(first).toEqual({ created: [topics[0]], existing: [] });

    const second = await ensureTopics(admin, [
      { topic: topics[0], partitions: 3 },
      { topic: topics[1], partitions: 1, config: { "cleanup.policy": "delete" } },
    ]);
    expect(second).toEqual({ created: [topics[1]], existing: [{ topic: topics[0], partitions: 3 }] });

    // An existing topic keeps its partition count even if asked for another.
    const third = await ensureTopics(admin, [{ topic: topics[1], partitions: 4 }]);
    expect(third).toEqual({ created: [], existing: [{ topic: topics[1], partitions: 1 }] });

    const metadata = await admin.fetchTopicMetadata({ topics: [...topics] });
    const counts = metadata.topics.map((t) => [t.name, t.partitions.length]).sort(([a], [b]) => String(a).localeCompare(String(b)));
    expect(counts).toEqual([
      [topics[0], 3],
      [topics[1], 1],
    ]);
    const configs = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: 2 /* TOPIC */, name: topics[0], configNames: ["retention.ms"] }],
    });
    expect(configs.resources[0]!.configEntries.find((c) => c.configName === "retention.ms")?.configValue).toBe("-1");
  });
});
