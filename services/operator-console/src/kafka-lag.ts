// Consumer lag and the matcher group's members, read with Kafka admin calls (DescribeGroups,
// OffsetFetch, Metadata + ListOffsets) as the console's own principal, operator-console, whose
// ACLs (packages/event-log/src/provisioning/access-plan.ts) are DESCRIBE only: the matcher's group,
// each bridge's command group, the matcher's input topics and the command topics. It can neither
// read a record nor write one. A failure is a reason on the page, not a crash.
import { createKafka, deploymentGroups, deploymentTopics, readKafkaCredentialsFile } from "@ic/event-log";
import type { Admin } from "kafkajs";
import { reasonOf } from "./metrics-scrape.ts";
import { lagRows, type KafkaView, type LagRow } from "./view/console-model.ts";

export interface ClusterNodeRef {
  readonly name: string;
  readonly pubkey: string;
}

export interface KafkaReading {
  readonly view: KafkaView;
  /** Lag of each node's command group (by node name). */
  readonly commandLag: ReadonlyMap<string, number>;
}

export interface KafkaLagReader {
  read(nodes: readonly ClusterNodeRef[]): Promise<KafkaReading>;
  close(): Promise<void>;
}

export function notConfiguredKafka(deployment: string): KafkaReading {
  return {
    view: {
      state: "not configured",
      error: undefined,
      matcherGroup: deploymentGroups(deployment).matcher,
      groupState: undefined,
      members: [],
      lag: [],
      totalLag: undefined,
    },
    commandLag: new Map(),
  };
}

export function createKafkaLagReader(options: { brokers: readonly string[]; credentialsFile: string; deployment: string; timeoutMs: number }): KafkaLagReader {
  const kafka = createKafka({
    brokers: options.brokers,
    clientId: `${options.deployment}-operator-console`,
    sasl: readKafkaCredentialsFile(options.credentialsFile),
    connectionTimeoutMs: options.timeoutMs,
    requestTimeoutMs: options.timeoutMs,
    retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1000 },
  });
  const topics = deploymentTopics(options.deployment);
  const groups = deploymentGroups(options.deployment);
  let admin: Admin | undefined;

  async function groupLag(client: Admin, groupId: string, topicNames: string[]): Promise<LagRow[]> {
    const committed = await client.fetchOffsets({ groupId, topics: topicNames });
    const watermarks = await Promise.all(topicNames.map(async (topic) => (await client.fetchTopicOffsets(topic)).map((p) => ({ topic, partition: p.partition, low: p.low, high: p.high }))));
    return lagRows(
      committed.flatMap((t) => t.partitions.map((p) => ({ topic: t.topic, partition: p.partition, offset: p.offset }))),
      watermarks.flat(),
    );
  }

  return {
    async read(nodes) {
      try {
        if (admin === undefined) {
          const created = kafka.admin();
          await created.connect();
          admin = created;
        }
        const client = admin;
        const described = await client.describeGroups([groups.matcher]);
        const group = described.groups[0];
        const inputs = nodes.flatMap((n) => [topics.htlcIntercepted(n.pubkey), topics.htlcOutcomes(n.pubkey), topics.bridgeStatus(n.pubkey)]);
        const lag = inputs.length === 0 ? [] : await groupLag(client, groups.matcher, inputs);
        const commandLag = new Map<string, number>();
        for (const node of nodes) {
          const rows = await groupLag(client, groups.bridge(node.pubkey), [topics.htlcCommands(node.pubkey)]);
          commandLag.set(node.name, rows.reduce((sum, r) => sum + r.lag, 0));
        }
        return {
          view: {
            state: "up",
            error: undefined,
            matcherGroup: groups.matcher,
            groupState: group?.state,
            members: (group?.members ?? []).map((m) => ({ clientId: m.clientId, host: m.clientHost.replace(/^\//, "") })),
            lag,
            totalLag: lag.reduce((sum, r) => sum + r.lag, 0),
          },
          commandLag,
        };
      } catch (error) {
        const stale = admin;
        admin = undefined;
        await stale?.disconnect().catch(() => undefined);
        const base = notConfiguredKafka(options.deployment);
        return { ...base, view: { ...base.view, state: "unreachable", error: reasonOf(error) } };
      }
    },
    async close() {
      await admin?.disconnect().catch(() => undefined);
      admin = undefined;
    },
  };
}
