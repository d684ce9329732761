import { deploymentTopics } from "@ic/event-log";
import { describe, expect, it } from "vitest";
import { topicNodeMismatch } from "./record-source.ts";

const ALPHA = "02" + "aa".repeat(32);
const BRAVO = "03" + "bb".repeat(32);
const topics = deploymentTopics("ic");

describe("topicNodeMismatch", () => {
  it("accepts a record of the node its topic belongs to", () => {
    expect(topicNodeMismatch(topics, topics.htlcIntercepted(ALPHA), ALPHA)).toBeUndefined();
    expect(topicNodeMismatch(topics, topics.htlcOutcomes(BRAVO), BRAVO)).toBeUndefined();
  });

  it("refuses a record on alpha's topic that claims bravo", () => {
    expect(topicNodeMismatch(topics, topics.htlcIntercepted(ALPHA), BRAVO)).toEqual({ reason: "topic-node-mismatch", topicNodeId: ALPHA, recordNodeId: BRAVO });
    expect(topicNodeMismatch(topics, topics.htlcOutcomes(ALPHA), BRAVO)?.reason).toBe("topic-node-mismatch");
  });

  it("refuses a record on a topic that is not one of the deployment's per-node topics", () => {
    expect(topicNodeMismatch(topics, "ic.invoice.events.v1", ALPHA)).toMatchObject({ topicNodeId: undefined });
    expect(topicNodeMismatch(topics, deploymentTopics("other").htlcIntercepted(ALPHA), ALPHA)).toMatchObject({ topicNodeId: undefined });
  });
});
