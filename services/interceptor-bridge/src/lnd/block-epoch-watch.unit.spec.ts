import { describe, expect, it } from "vitest";
import { raiseBlockHeight } from "./block-epoch-watch.ts";
import { createBridgeMetrics } from "../bridge-metrics.ts";
import type { BridgeState } from "../bridge-state.ts";

describe("raiseBlockHeight", () => {
  it("moves the height and its gauge up, never down (a reorg's stale block, a late GetInfo answer)", async () => {
    const metrics = createBridgeMetrics("alpha", { defaultMetrics: false });
    const state = { blockHeight: 0 } as BridgeState;
    const gauge = async (): Promise<number | undefined> => (await metrics.blockHeight.get()).values[0]?.value;
    for (const [height, expected] of [
      [800, 800],
      [801, 801],
      [799, 801],
      [801, 801],
      [803, 803],
    ] as const) {
      raiseBlockHeight({ state, metrics }, height);
      expect(state.blockHeight).toBe(expected);
      expect(await gauge()).toBe(expected);
    }
  });
});
