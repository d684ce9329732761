import { describe, expect, it } from "vitest";
import { HeightWrites } from "./height-writes.ts";

describe("HTLC block heights written to bridge_heartbeats", () => {
  it("the first height of a node is written, the same or a lower one is not, a higher one is", () => {
    const heights = new HeightWrites();
    expect(heights.raises("a", 500)).toBe(true);
    heights.wrote("a", 500);
    expect(heights.raises("a", 500)).toBe(false);
    expect(heights.raises("a", 499)).toBe(false);
    expect(heights.raises("a", 501)).toBe(true);
    // Nodes apart.
    expect(heights.raises("b", 500)).toBe(true);
  });

  it("a height whose write failed is still due; a late lower write does not lower what was written", () => {
    const heights = new HeightWrites();
    expect(heights.raises("a", 0)).toBe(true);
    // The write failed: wrote() not called, so the next HTLC at that height writes.
    expect(heights.raises("a", 10)).toBe(true);
    heights.wrote("a", 10);
    heights.wrote("a", 7);
    expect(heights.raises("a", 9)).toBe(false);
  });
});
