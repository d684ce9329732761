// Every Kafka name of one coordinator deployment derives from its deployment name (default "ic"):
// topics, consumer groups and the ACL prefixes. Two deployments on one Kafka cluster share no
// topic and no group. HTLC input and command topics are per cluster node, so Kafka ACLs (per
// topic or prefix, never per record key) can say "only node N's bridge writes node N's HTLCs and
// only it reads node N's commands" (docs/architecture.md, "Trust on the bus").

export const DEFAULT_DEPLOYMENT = "ic";

const DEPLOYMENT_NAME = /^[a-z0-9-]{1,100}$/;
const NODE_ID = /^0[23][0-9a-f]{64}$/;

/** What is wrong with a deployment name, or undefined. */
export function deploymentNameProblem(name: string): string | undefined {
  return DEPLOYMENT_NAME.test(name) ? undefined : `must be 1-100 characters of [a-z0-9-], got ${JSON.stringify(name.slice(0, 120))}`;
}

function checkedDeployment(deployment: string): string {
  const problem = deploymentNameProblem(deployment);
  if (problem !== undefined) throw new Error(`deployment name ${problem}`);
  return deployment;
}

function checkedNode(nodeId: string): string {
  if (!NODE_ID.test(nodeId)) throw new Error(`node id must be a 33-byte compressed pubkey in lowercase hex, got ${JSON.stringify(nodeId.slice(0, 80))}`);
  return nodeId;
}

/** The per-node topic kinds: written by the node's bridge (inputs, status) or read only by it (commands). */
export type NodeTopicRole = "htlcIntercepted" | "htlcOutcomes" | "htlcCommands" | "bridgeStatus";
export type SharedTopicRole = "invoiceEvents" | "matcherEvents";
/**
 * Dead letters: records a consumer can never handle, set aside so its partition goes on
 * (dead-letters.ts). One per consumer: the matcher's inputs, each bridge's commands, and the
 * webhook relay's invoice events that an endpoint never took (services/webhook-relay).
 */
export type DeadLetterTopicRole = "matcherDeadLetters" | "bridgeDeadLetters" | "webhookDeadLetters";
/** Topics that carry records of one schema (topicSchemas); dead-letter topics carry copies of any bytes. */
export type RecordTopicRole = NodeTopicRole | SharedTopicRole;
export type TopicRole = RecordTopicRole | DeadLetterTopicRole;

const NODE_TOPIC_BASE: { readonly [R in NodeTopicRole]: string } = {
  htlcIntercepted: "htlc.intercepted.v1",
  htlcOutcomes: "htlc.outcomes.v1",
  htlcCommands: "htlc.commands.v1",
  bridgeStatus: "bridge.status.v1",
};

export interface DeploymentTopics {
  readonly deployment: string;
  /** HtlcIntercepted of one node, keyed by payment hash hex. Written only by that node's bridge. */
  htlcIntercepted(nodeId: string): string;
  /** HtlcOutcome of one node, keyed by payment hash hex. Written only by that node's bridge. */
  htlcOutcomes(nodeId: string): string;
  /** HtlcCommand for one node. Carries preimages: read only by that node's bridge (and written by the matcher). */
  htlcCommands(nodeId: string): string;
  /**
   * BridgeStatus of one node, keyed by node id hex. Written only by that node's bridge; liveness
   * and the node's block height, not history (short retention).
   */
  bridgeStatus(nodeId: string): string;
  /** InvoiceEvent, keyed by payment hash hex. Public: no secrets. */
  readonly invoiceEvents: string;
  /** MatcherEvent, keyed by payment hash hex. Internal audit/replay stream. */
  readonly matcherEvents: string;
  /**
   * Input records (HTLCs, outcomes, bridge status of any node) the matcher can never handle,
   * with the source in headers. Written only by the matcher; read by admin only.
   */
  readonly matcherDeadLetters: string;
  /**
   * Command records one node's bridge can never decode: headers only, never the value (a
   * command may carry a preimage). Written only by that node's bridge; read by admin only.
   */
  bridgeDeadLetters(nodeId: string): string;
  /**
   * Invoice events the webhook relay could not deliver to an endpoint (or could not decode), with
   * the endpoint and the reason in headers. Written only by the relay; read by admin only.
   */
  readonly webhookDeadLetters: string;
  /** The role and node of one of this deployment's per-node topics; undefined for any other name. */
  nodeTopic(topic: string): { role: NodeTopicRole; nodeId: string } | undefined;
}

export function deploymentTopics(deployment: string): DeploymentTopics {
  const d = checkedDeployment(deployment);
  const nodeTopic = (role: NodeTopicRole) => (nodeId: string) => `${d}.${NODE_TOPIC_BASE[role]}.${checkedNode(nodeId)}`;
  return {
    deployment: d,
    htlcIntercepted: nodeTopic("htlcIntercepted"),
    htlcOutcomes: nodeTopic("htlcOutcomes"),
    htlcCommands: nodeTopic("htlcCommands"),
    bridgeStatus: nodeTopic("bridgeStatus"),
    invoiceEvents: `${d}.invoice.events.v1`,
    matcherEvents: `${d}.matcher.events.v1`,
    matcherDeadLetters: `${d}.matcher.dead-letters.v1`,
    bridgeDeadLetters: (nodeId) => `${d}.bridge.dead-letters.v1.${checkedNode(nodeId)}`,
    webhookDeadLetters: `${d}.webhook.dead-letters.v1`,
    nodeTopic(topic) {
      for (const [role, base] of Object.entries(NODE_TOPIC_BASE) as [NodeTopicRole, string][]) {
        const prefix = `${d}.${base}.`;
        if (!topic.startsWith(prefix)) continue;
        const nodeId = topic.slice(prefix.length);
        return NODE_ID.test(nodeId) ? { role, nodeId } : undefined;
      }
      return undefined;
    },
  };
}

export interface DeploymentGroups {
  /** The matcher's consumer group of HTLC inputs. */
  readonly matcher: string;
  /** Prefix of the matcher's throwaway groups (the replay audit). */
  readonly matcherPrefix: string;
  /** The command consumer group of one node's bridge (GetInfo's "bridge connected" describes it). */
  bridge(nodeId: string): string;
  /** Prefix of a bridge's throwaway groups (reading its SETTLE history back at start). */
  bridgeSettleHistoryPrefix(nodeId: string): string;
  /** Prefix every downstream consumer of public invoice events puts before its group id. */
  readonly publicPrefix: string;
  /** The webhook relay's consumer group (and the prefix of any further relay groups). */
  readonly webhookRelay: string;
}

export function deploymentGroups(deployment: string): DeploymentGroups {
  const d = checkedDeployment(deployment);
  return {
    matcher: `${d}.matcher`,
    matcherPrefix: `${d}.matcher.`,
    bridge: (nodeId) => `${d}.bridge.${checkedNode(nodeId)}`,
    bridgeSettleHistoryPrefix: (nodeId) => `${d}.bridge.${checkedNode(nodeId)}.settle-history.`,
    publicPrefix: `${d}.public.`,
    webhookRelay: `${d}.webhook-relay`,
  };
}
