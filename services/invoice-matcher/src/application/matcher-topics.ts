// The Kafka topics the matcher reads and writes: every name derives from the deployment name
// (deploymentTopics in @ic/event-log); HTLC inputs and commands are per cluster node.
import type { DeploymentTopics } from "@ic/event-log";

export type MatcherTopics = DeploymentTopics;
