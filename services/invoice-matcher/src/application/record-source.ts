// Which node may have written a record: per-node topics are writable only by that node's bridge
// (Kafka ACLs, docs/architecture.md "Trust on the bus"), so an HTLC or outcome record whose
// nodeId is not the node of the topic it arrived on cannot come from its claimed source (a bridge
// principal writing a record for another node, or a misrouted record). The matcher refuses it
// before any decision: it is logged, counted and dead-lettered (kafka/input-record.ts), and its
// partition goes on.
import type { DeploymentTopics } from "@ic/event-log";

export interface TopicNodeMismatch {
  readonly reason: "topic-node-mismatch";
  /** The node whose topic the record arrived on (undefined: not one of the deployment's per-node topics). */
  readonly topicNodeId: string | undefined;
  readonly recordNodeId: string;
}

/** undefined when the record's node is the node of its topic; else why it is refused. */
export function topicNodeMismatch(topics: Pick<DeploymentTopics, "nodeTopic">, topic: string, recordNodeId: string): TopicNodeMismatch | undefined {
  const topicNodeId = topics.nodeTopic(topic)?.nodeId;
  if (topicNodeId !== undefined && topicNodeId === recordNodeId.toLowerCase()) return undefined;
  return { reason: "topic-node-mismatch", topicNodeId, recordNodeId };
}
