import type { Admin } from "kafkajs";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { pinStartOffsets } from "./start-offsets.ts";

const logger = pino({ level: "silent" });

function fakeAdmin(committed: string[], options: { setFails?: string } = {}) {
  const set: unknown[] = [];
  const admin = {
    fetchOffsets: async () => [
      { topic: "t", partitions: committed.map((offset, partition) => ({ partition, offset })) },
    ],
    fetchTopicOffsets: async () =>
      committed.map((_, partition) => ({ partition, offset: "9", high: String(10 + partition), low: "0" })),
    setOffsets: async (request: unknown) => {
      if (options.setFails !== undefined) throw new Error(options.setFails);
      set.push(request);
    },
  } as unknown as Admin;
  return { admin, set };
}

describe("start offsets of a new group (startFrom latest)", () => {
  it("a new group (no committed offset) is committed at the current end of every partition before it joins", async () => {
    const { admin, set } = fakeAdmin(["-1", "-1", "-1"]);
    expect(await pinStartOffsets(admin, "g", "t", logger)).toBe("pinned");
    expect(set).toEqual([
      {
        groupId: "g",
        topic: "t",
        partitions: [
          { partition: 0, offset: "10" },
          { partition: 1, offset: "11" },
          { partition: 2, offset: "12" },
        ],
      },
    ]);
  });

  it("a group with any committed offset resumes: nothing is moved", async () => {
    const { admin, set } = fakeAdmin(["-1", "5", "-1"]);
    expect(await pinStartOffsets(admin, "g", "t", logger)).toBe("resumed");
    expect(set).toEqual([]);
  });

  it("leaves the start to a member already running, and rethrows anything else", async () => {
    expect(
      await pinStartOffsets(
        fakeAdmin(["-1"], {
          setFails: "The consumer group must have no running instances, current state: Stable",
        }).admin,
        "g",
        "t",
        logger,
      ),
    ).toBe("pinned-by-another-member");
    await expect(
      pinStartOffsets(fakeAdmin(["-1"], { setFails: "not authorized" }).admin, "g", "t", logger),
    ).rejects.toThrow("not authorized");
  });
});
