import { deploymentTopics } from "@ic/event-log";
import { describe, expect, it } from "vitest";
import { matcherInputTopics } from "./matcher-topics.ts";
import { topicNodeMismatch } from "./record-source.ts";

const ALPHA = "02" + "aa".repeat(32);
const BRAVO = "03" + "bb".repeat(32);
const topics = deploymentTopics("ic");

describe("topicNodeMismatch", () => {
  it("accepts a record of the node its topic belongs to", () => {
    expect(topicNodeMismatch(topics, topics.htlcIntercepted(ALPHA), ALPHA)).toBeUndefined();
    expect(topicNodeMismatch(topics, topics.htlcOutcomes(BRAVO), BRAVO)).toBeUndefined();
    expect(topicNodeMismatch(topics, topics.bridgeStatus(ALPHA), ALPHA)).toBeUndefined();
  });

  it("refuses a record on alpha's topic that claims bravo", () => {
    expect(topicNodeMismatch(topics, topics.htlcIntercepted(ALPHA), BRAVO)).toEqual({ reason: "topic-node-mismatch", topicNodeId: ALPHA, recordNodeId: BRAVO });
    expect(topicNodeMismatch(topics, topics.htlcOutcomes(ALPHA), BRAVO)?.reason).toBe("topic-node-mismatch");
    // A status on alpha's topic cannot move bravo's block height.
    expect(topicNodeMismatch(topics, topics.bridgeStatus(ALPHA), BRAVO)).toEqual({ reason: "topic-node-mismatch", topicNodeId: ALPHA, recordNodeId: BRAVO });
  });

  it("refuses a record on a topic that is not one of the deployment's per-node topics", () => {
    expect(topicNodeMismatch(topics, "ic.invoice.events.v1", ALPHA)).toMatchObject({ topicNodeId: undefined });
    expect(topicNodeMismatch(topics, deploymentTopics("other").htlcIntercepted(ALPHA), ALPHA)).toMatchObject({ topicNodeId: undefined });
  });
});

describe("matcherInputTopics", () => {
  it("reads each configured node's HTLCs, outcomes and bridge status, and nothing else", () => {
    expect(matcherInputTopics(topics, [{ pubkey: ALPHA }, { pubkey: BRAVO }])).toEqual([
      `ic.htlc.intercepted.v1.${ALPHA}`,
      `ic.htlc.outcomes.v1.${ALPHA}`,
      `ic.bridge.status.v1.${ALPHA}`,
      `ic.htlc.intercepted.v1.${BRAVO}`,
      `ic.htlc.outcomes.v1.${BRAVO}`,
      `ic.bridge.status.v1.${BRAVO}`,
    ]);
    for (const topic of matcherInputTopics(topics, [{ pubkey: ALPHA }])) expect(topics.nodeTopic(topic)?.nodeId).toBe(ALPHA);
  });
});
