// The Kafka topics the matcher reads and writes: every name derives from the deployment name
// (deploymentTopics in @ic/event-log); HTLC inputs, bridge status and commands are per cluster node.
import type { DeploymentTopics } from "@ic/event-log";

export type MatcherTopics = DeploymentTopics;

/**
 * What the matcher's input consumer reads: for each configured cluster node (and no other), its
 * intercepted HTLCs, its outcomes and its bridge's status records (the block height the ticker
 * uses while no HTLC arrives).
 */
export function matcherInputTopics(topics: Pick<DeploymentTopics, "htlcIntercepted" | "htlcOutcomes" | "bridgeStatus">, cluster: readonly { readonly pubkey: string }[]): string[] {
  return cluster.flatMap((node) => [topics.htlcIntercepted(node.pubkey), topics.htlcOutcomes(node.pubkey), topics.bridgeStatus(node.pubkey)]);
}
