import { describe, expect, it } from "vitest";
import { createStalledPartitions } from "./stalled-partitions.ts";

describe("createStalledPartitions", () => {
  it("lists each held partition at its latest offset until a record of it is handled, and counts them", () => {
    const counts: number[] = [];
    const stalled = createStalledPartitions("the bridge", (n) => counts.push(n));
    stalled.held({ topic: "t", partition: 0, offset: "5" });
    stalled.held({ topic: "t", partition: 0, offset: "5" });
    stalled.held({ topic: "t", partition: 1, offset: "9" });
    expect(stalled.describe()).toEqual(["t/0@5: a newer schema version; upgrade the bridge", "t/1@9: a newer schema version; upgrade the bridge"]);
    stalled.moved({ topic: "t", partition: 2 });
    stalled.moved({ topic: "t", partition: 0 });
    expect(stalled.describe()).toEqual(["t/1@9: a newer schema version; upgrade the bridge"]);
    expect(counts).toEqual([1, 1, 2, 1]);
  });
});
