// What one deployment needs on the Kafka cluster, as data: its topics (partitions, replication,
// retention) and the ACLs that give each principal the least it needs (docs/architecture.md,
// "Trust on the bus"). Pure: provision.ts applies it with the admin principal.
//
//   <d>.htlc.intercepted.v1.<node>  WRITE bridge of <node>   READ matcher
//   <d>.htlc.outcomes.v1.<node>     WRITE bridge of <node>   READ matcher
//   <d>.htlc.commands.v1.<node>     WRITE matcher            READ bridge of <node> only (preimages)
//   <d>.bridge.status.v1.<node>     WRITE bridge of <node>   READ matcher (liveness, block height;
//                                   retention 1 day, delete: not history)
//   <d>.invoice.events.v1           WRITE matcher            READ matcher, public
//   <d>.matcher.events.v1           WRITE, READ matcher only
//   <d>.matcher.dead-letters.v1     WRITE matcher            READ admin only (copies of input records)
//   <d>.bridge.dead-letters.v1.<node> WRITE bridge of <node> READ admin only (headers of undecodable
//                                   commands; never their value, which may hold a preimage)
//   <d>.webhook.dead-letters.v1    WRITE webhook relay      READ admin only (events an endpoint never took)
//   groups: <d>.matcher (+ prefix <d>.matcher.) matcher; <d>.bridge.<node> (prefix) that bridge,
//   DESCRIBE for the matcher (GetInfo's "bridge connected"); prefix <d>.public. the public principal;
//   prefix <d>.webhook-relay the webhook relay (READ of the invoice events, like public, plus its dead letters).
//   The operator console: DESCRIBE only (consumer lag, no record read or written): the matcher's
//   group and each bridge's command group, the matcher's input topics and the command topics.
// No transactional ids are granted: no service produces in transactions (both use idempotent
// producers, which need only WRITE on a topic).
import { deploymentGroups, deploymentNameProblem, deploymentTopics, type TopicRole } from "../deployment.ts";

export interface ClusterNodePrincipal {
  /** Cluster node name (alpha, bravo): its bridge authenticates as `bridge-<name>`. */
  readonly name: string;
  /** The node's identity pubkey (66 hex chars). */
  readonly pubkey: string;
}

export interface DeploymentPlanInput {
  readonly deployment: string;
  readonly nodes: readonly ClusterNodePrincipal[];
  readonly partitions: number;
  readonly replicationFactor: number;
  /** Retention of the command topics (they carry preimages): default 7 days. */
  readonly commandRetentionMs?: number;
  /** SCRAM user names; defaults: matcher, public, bridge-<node name>, webhook-relay, operator-console. */
  readonly principals?: {
    readonly matcher?: string;
    readonly public?: string;
    readonly bridgePrefix?: string;
    readonly webhookRelay?: string;
    readonly operatorConsole?: string;
  };
}

export const DEFAULT_COMMAND_RETENTION_MS = 7 * 24 * 3600_000;
/** Bridge status records are liveness, superseded by the next one: kept a day, then deleted. */
export const BRIDGE_STATUS_RETENTION_MS = 24 * 3600_000;

export type AclOperation = "READ" | "WRITE" | "DESCRIBE" | "DELETE";

export interface AclEntry {
  /** "User:<name>" */
  readonly principal: string;
  readonly resourceType: "TOPIC" | "GROUP";
  readonly patternType: "LITERAL" | "PREFIXED";
  readonly resourceName: string;
  readonly operation: AclOperation;
}

export interface PlannedTopic {
  readonly topic: string;
  readonly role: TopicRole;
  /** The cluster node a per-node topic belongs to. */
  readonly nodeName?: string;
  readonly partitions: number;
  readonly replicationFactor: number;
  readonly config: Readonly<Record<string, string>>;
}

export interface DeploymentPlan {
  readonly deployment: string;
  readonly topics: readonly PlannedTopic[];
  readonly acls: readonly AclEntry[];
  /** principal names: matcher, public, and the bridge of each node by node name. */
  readonly principals: {
    readonly matcher: string;
    readonly public: string;
    readonly bridges: Readonly<Record<string, string>>;
    readonly webhookRelay: string;
    readonly operatorConsole: string;
  };
}

export class DeploymentPlanError extends Error {
  override readonly name = "DeploymentPlanError";
}

export function planDeployment(input: DeploymentPlanInput): DeploymentPlan {
  const problems: string[] = [];
  const nameProblem = deploymentNameProblem(input.deployment);
  if (nameProblem !== undefined) problems.push(`deployment ${nameProblem}`);
  if (!Number.isInteger(input.partitions) || input.partitions < 1) problems.push(`partitions must be a positive integer, got ${input.partitions}`);
  if (!Number.isInteger(input.replicationFactor) || input.replicationFactor < 1)
    problems.push(`replicationFactor must be a positive integer, got ${input.replicationFactor}`);
  const retention = input.commandRetentionMs ?? DEFAULT_COMMAND_RETENTION_MS;
  if (!Number.isSafeInteger(retention) || retention < 60_000) problems.push(`commandRetentionMs must be an integer of at least 60000 (1 minute), got ${retention}`);
  if (input.nodes.length === 0) problems.push("at least one cluster node is needed");
  const seenNames = new Set<string>();
  const seenKeys = new Set<string>();
  for (const node of input.nodes) {
    if (!/^[a-z0-9-]{1,64}$/.test(node.name)) problems.push(`node name must be 1-64 characters of [a-z0-9-], got ${JSON.stringify(node.name)}`);
    if (!/^0[23][0-9a-f]{64}$/.test(node.pubkey)) problems.push(`node ${node.name}: pubkey must be 66 lowercase hex characters (02/03...), got ${JSON.stringify(node.pubkey)}`);
    if (seenNames.has(node.name)) problems.push(`node name ${node.name} is listed twice`);
    if (seenKeys.has(node.pubkey)) problems.push(`node pubkey ${node.pubkey} is listed twice`);
    seenNames.add(node.name);
    seenKeys.add(node.pubkey);
  }
  if (problems.length > 0) throw new DeploymentPlanError(`invalid deployment plan:\n  - ${problems.join("\n  - ")}`);

  const topics = deploymentTopics(input.deployment);
  const groups = deploymentGroups(input.deployment);
  const matcherName = input.principals?.matcher ?? "matcher";
  const publicName = input.principals?.public ?? "public";
  const bridgePrefix = input.principals?.bridgePrefix ?? "bridge-";
  const matcher = `User:${matcherName}`;
  const publicUser = `User:${publicName}`;
  // The operator console reads consumer lag: ListOffsets and Metadata need DESCRIBE on the topic,
  // OffsetFetch DESCRIBE on the group and the topic, FindCoordinator and DescribeGroups DESCRIBE on
  // the group. DESCRIBE lets it read no record (Fetch needs READ) and write none (Produce, WRITE).
  const operatorConsoleName = input.principals?.operatorConsole ?? "operator-console";
  const operatorConsole = `User:${operatorConsoleName}`;
  const keep = { "retention.ms": "-1" };
  const commandsConfig = { "retention.ms": String(retention) };
  const statusConfig = { "retention.ms": String(BRIDGE_STATUS_RETENTION_MS), "cleanup.policy": "delete" };
  const base = { partitions: input.partitions, replicationFactor: input.replicationFactor };

  const planned: PlannedTopic[] = [];
  const acls: AclEntry[] = [];
  const allow = (principal: string, resourceType: AclEntry["resourceType"], patternType: AclEntry["patternType"], resourceName: string, ...operations: AclOperation[]) => {
    for (const operation of operations) acls.push({ principal, resourceType, patternType, resourceName, operation });
  };
  const bridges: Record<string, string> = {};
  for (const node of input.nodes) {
    const bridgeName = `${bridgePrefix}${node.name}`;
    const bridge = `User:${bridgeName}`;
    bridges[node.name] = bridgeName;
    const intercepted = topics.htlcIntercepted(node.pubkey);
    const outcomes = topics.htlcOutcomes(node.pubkey);
    const commands = topics.htlcCommands(node.pubkey);
    const status = topics.bridgeStatus(node.pubkey);
    const deadLetters = topics.bridgeDeadLetters(node.pubkey);
    planned.push(
      { topic: intercepted, role: "htlcIntercepted", nodeName: node.name, ...base, config: keep },
      { topic: outcomes, role: "htlcOutcomes", nodeName: node.name, ...base, config: keep },
      { topic: commands, role: "htlcCommands", nodeName: node.name, ...base, config: commandsConfig },
      { topic: status, role: "bridgeStatus", nodeName: node.name, ...base, config: statusConfig },
      { topic: deadLetters, role: "bridgeDeadLetters", nodeName: node.name, ...base, config: keep },
    );
    allow(bridge, "TOPIC", "LITERAL", intercepted, "WRITE");
    allow(bridge, "TOPIC", "LITERAL", outcomes, "WRITE");
    allow(bridge, "TOPIC", "LITERAL", commands, "READ");
    allow(bridge, "TOPIC", "LITERAL", status, "WRITE");
    // Its own dead letters, write only: nobody but admin (a super user, no ACL) reads them. They
    // never hold a command's value, but a command topic's dead letters stay as closed as it is.
    allow(bridge, "TOPIC", "LITERAL", deadLetters, "WRITE");
    // Its command group and its throwaway settle-history groups (a pubkey has a fixed length, so
    // this prefix matches no other node's groups); it deletes the throwaway ones when done.
    allow(bridge, "GROUP", "PREFIXED", groups.bridge(node.pubkey), "READ");
    allow(bridge, "GROUP", "PREFIXED", groups.bridgeSettleHistoryPrefix(node.pubkey), "DELETE");
    allow(matcher, "TOPIC", "LITERAL", intercepted, "READ");
    allow(matcher, "TOPIC", "LITERAL", outcomes, "READ");
    allow(matcher, "TOPIC", "LITERAL", commands, "WRITE");
    allow(matcher, "TOPIC", "LITERAL", status, "READ");
    allow(matcher, "GROUP", "LITERAL", groups.bridge(node.pubkey), "DESCRIBE");
    for (const topic of [intercepted, outcomes, status, commands]) allow(operatorConsole, "TOPIC", "LITERAL", topic, "DESCRIBE");
    allow(operatorConsole, "GROUP", "LITERAL", groups.bridge(node.pubkey), "DESCRIBE");
  }
  planned.push(
    { topic: topics.invoiceEvents, role: "invoiceEvents", ...base, config: keep },
    { topic: topics.matcherEvents, role: "matcherEvents", ...base, config: keep },
    { topic: topics.matcherDeadLetters, role: "matcherDeadLetters", ...base, config: keep },
  );
  allow(matcher, "TOPIC", "LITERAL", topics.invoiceEvents, "WRITE", "READ");
  allow(matcher, "TOPIC", "LITERAL", topics.matcherEvents, "WRITE", "READ");
  // Copies of HTLC records (only the matcher reads those): written by it, read by admin alone.
  allow(matcher, "TOPIC", "LITERAL", topics.matcherDeadLetters, "WRITE");
  allow(matcher, "GROUP", "LITERAL", groups.matcher, "READ");
  allow(matcher, "GROUP", "PREFIXED", groups.matcherPrefix, "READ", "DELETE");
  allow(operatorConsole, "GROUP", "LITERAL", groups.matcher, "DESCRIBE");
  allow(publicUser, "TOPIC", "LITERAL", topics.invoiceEvents, "READ");
  allow(publicUser, "GROUP", "PREFIXED", groups.publicPrefix, "READ");
  // The webhook relay (services/webhook-relay) reads what public reads, and writes its own dead
  // letters: a principal of its own, so the read-only public principal stays unable to write
  // anything, and a downstream consumer cannot forge the relay's dead letters.
  const webhookRelayName = input.principals?.webhookRelay ?? "webhook-relay";
  const webhookRelay = `User:${webhookRelayName}`;
  planned.push({ topic: topics.webhookDeadLetters, role: "webhookDeadLetters", ...base, config: keep });
  allow(webhookRelay, "TOPIC", "LITERAL", topics.invoiceEvents, "READ");
  allow(webhookRelay, "TOPIC", "LITERAL", topics.webhookDeadLetters, "WRITE");
  allow(webhookRelay, "GROUP", "PREFIXED", groups.webhookRelay, "READ");
  return {
    deployment: input.deployment,
    topics: planned,
    acls,
    principals: { matcher: matcherName, public: publicName, bridges, webhookRelay: webhookRelayName, operatorConsole: operatorConsoleName },
  };
}
