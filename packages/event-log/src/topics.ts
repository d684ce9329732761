// Idempotent topic creation and the schema of each topic kind. Topic names are functions of the
// deployment name and the node (deployment.ts). Brokers run with auto.create.topics.enable=false:
// the provisioning CLI creates a deployment's topics (provisioning/), services never do.
import type { Admin } from "kafkajs";
import type { DeploymentTopics, NodeTopicRole, RecordTopicRole } from "./deployment.ts";
import type { SchemaName } from "./event-records.ts";

/** The schema each topic carries (dead-letter topics carry copies of whatever could not be read). */
export const topicSchemas: { readonly [R in RecordTopicRole]: SchemaName } = {
  htlcIntercepted: "htlc-intercepted",
  htlcCommands: "htlc-command",
  htlcOutcomes: "htlc-outcome",
  invoiceEvents: "invoice-event",
  matcherEvents: "matcher-event",
  bridgeStatus: "bridge-status",
};

const NODE_ROLES: ReadonlySet<RecordTopicRole> = new Set<NodeTopicRole>(["htlcIntercepted", "htlcOutcomes", "htlcCommands", "bridgeStatus"]);

/**
 * The topics of these roles (a per-node role: one topic per node) with their schemas: what a
 * process registers with and looks up in the schema registry at start (connectSchemaRegistry).
 */
export function topicSchemasOf(topics: DeploymentTopics, nodeIds: readonly string[], roles: readonly RecordTopicRole[]): { topic: string; schema: SchemaName }[] {
  return roles.flatMap((role) => {
    const schema = topicSchemas[role];
    if (NODE_ROLES.has(role)) return nodeIds.map((nodeId) => ({ topic: (topics[role as NodeTopicRole] as (id: string) => string)(nodeId), schema }));
    return [{ topic: topics[role as Exclude<RecordTopicRole, NodeTopicRole>], schema }];
  });
}

export interface TopicSpec {
  readonly topic: string;
  readonly partitions: number;
  /** Default 1 (single-broker development); production sets 3. */
  readonly replicationFactor?: number;
  /** Topic configs, merged over the defaults below. */
  readonly config?: Readonly<Record<string, string>>;
}

// The log is the source of truth and projections are rebuilt from offset 0, so records must
// never expire, whatever the broker's default retention is (command topics are the exception:
// they carry preimages and get a finite retention, provisioning/access-plan.ts).
export const defaultTopicConfig: Readonly<Record<string, string>> = { "retention.ms": "-1" };

export interface EnsureTopicsResult {
  readonly created: readonly string[];
  /** Topics that already existed, with their actual partition counts (never changed here). */
  readonly existing: readonly { readonly topic: string; readonly partitions: number }[];
}

/**
 * Creates the topics that do not exist; leaves existing ones alone (an existing topic's
 * partition count is reported, not changed: changing it would move keys between partitions).
 */
export async function ensureTopics(admin: Admin, specs: readonly TopicSpec[]): Promise<EnsureTopicsResult> {
  const known = new Set(await admin.listTopics());
  const created: string[] = [];
  for (const spec of specs) {
    if (known.has(spec.topic)) continue;
    if (!Number.isInteger(spec.partitions) || spec.partitions < 1) {
      throw new Error(`topic ${spec.topic}: partitions must be a positive integer`);
    }
    const config = { ...defaultTopicConfig, ...spec.config };
    // One topic per request: a concurrent creator makes kafkajs answer false, not throw.
    // kafkajs's own waitForLeaders asks the broker that took the request once and gives up on
    // "does not host this topic-partition", which a broker of a multi-node cluster answers until
    // it has applied the new topic's metadata: waitForLeaders below asks again.
    const didCreate = await admin.createTopics({
      waitForLeaders: false,
      topics: [
        {
          topic: spec.topic,
          numPartitions: spec.partitions,
          replicationFactor: spec.replicationFactor ?? 1,
          configEntries: Object.entries(config).map(([name, value]) => ({ name, value })),
        },
      ],
    });
    if (didCreate) created.push(spec.topic);
  }
  if (created.length > 0) await waitForLeaders(admin, created);
  const existingNames = specs.map((s) => s.topic).filter((topic) => !created.includes(topic));
  const partitionCounts = new Map(
    existingNames.length === 0
      ? []
      : (await admin.fetchTopicMetadata({ topics: existingNames })).topics.map((t) => [t.name, t.partitions.length]),
  );
  // In the order of specs: the broker answers metadata in no particular order.
  const existing = existingNames.map((topic) => ({ topic, partitions: partitionCounts.get(topic) ?? 0 }));
  return { created, existing };
}

/** Until every partition of the topics has a leader (every broker learns of new topics a moment apart). */
async function waitForLeaders(admin: Admin, topics: readonly string[], timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "no answer yet";
  for (;;) {
    try {
      const { topics: found } = await admin.fetchTopicMetadata({ topics: [...topics] });
      const leaderless = found.flatMap((t) => t.partitions.filter((p) => p.leader < 0).map((p) => `${t.name}/${p.partitionId}`));
      if (found.length === topics.length && leaderless.length === 0) return;
      last = `no leader yet for ${leaderless.join(", ") || "some topics"}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    if (Date.now() > deadline) throw new Error(`topics created but without leaders after ${timeoutMs} ms (${last}): ${topics.join(", ")}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
