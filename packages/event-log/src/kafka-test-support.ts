// Helpers for the int tests that run against the real broker (infra/scripts/kafka.sh start).
// Every test names its own topics and groups with a random suffix and deletes them after.
// The broker and the principals' credentials files come from the stack config
// (IC_STACK_CONFIG, default <repo>/.run/stack.json, written by infra/stack up); IC_KAFKA_BROKERS
// overrides the brokers.
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Admin, Consumer, Kafka, KafkaMessage } from "kafkajs";
import { createKafka } from "./kafka-client.ts";
import { readKafkaCredentialsFile, type KafkaCredentials } from "./kafka-credentials.ts";
import { planDeployment, type DeploymentPlan } from "./provisioning/access-plan.ts";
import { deprovisionDeployment, planTopicSchemas, provisionDeployment } from "./provisioning/provision.ts";
import { registerTopicSubjects } from "./schema-registry.ts";

/** Valid sample values of every schema (uint64 fields past 2^53), for tests of any package. */
export { sampleEvents } from "./sample-events.ts";

/** The credentials files of the stack's principals (stack.json "kafkaCredentials"). */
export interface StackKafkaCredentials {
  admin: string;
  matcher: string;
  public: string;
  bridges: Record<string, string>;
  /** The operator console's (DESCRIBE only); absent in a stack.json written before it existed. */
  operatorConsole?: string;
}

interface StackKafka {
  kafkaBrokers: string[];
  kafkaCredentials?: StackKafkaCredentials;
  /** The schema registry's Confluent-compatible API (infra/stack up starts it). */
  schemaRegistryUrl?: string;
}

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

function stackKafka(): StackKafka {
  const file = process.env["IC_STACK_CONFIG"] ?? path.join(repoRoot, ".run/stack.json");
  if (!existsSync(file)) return { kafkaBrokers: ["127.0.0.1:9092"] };
  return JSON.parse(readFileSync(file, "utf8")) as StackKafka;
}

export const testBrokers = process.env["IC_KAFKA_BROKERS"]?.split(",") ?? stackKafka().kafkaBrokers;

/** The stack's schema registry (IC_SCHEMA_REGISTRY_URL overrides); fails clearly when the stack has none. */
export function testSchemaRegistryUrl(): string {
  const url = process.env["IC_SCHEMA_REGISTRY_URL"] ?? stackKafka().schemaRegistryUrl;
  if (url === undefined) throw new Error("the stack config names no schemaRegistryUrl: bring the stack up again with 'infra/stack up'");
  return url;
}

/** Deletes a test's subjects from the registry (soft, then permanent; a missing subject is fine). */
export async function deleteTestSubjects(subjects: readonly string[], url: string = testSchemaRegistryUrl()): Promise<void> {
  for (const subject of subjects) {
    for (const suffix of ["", "?permanent=true"]) {
      const response = await fetch(`${url}/subjects/${encodeURIComponent(subject)}${suffix}`, { method: "DELETE" });
      if (!response.ok && response.status !== 404) throw new Error(`deleting subject ${subject}: HTTP ${response.status} ${await response.text()}`);
    }
  }
}

/** The stack's credentials files; fails clearly when the stack has none (started before the broker was secured). */
export function testCredentialsFiles(): StackKafkaCredentials {
  const credentials = stackKafka().kafkaCredentials;
  if (credentials === undefined) throw new Error("the stack config names no kafkaCredentials: bring the stack up again with 'infra/stack up'");
  return credentials;
}

export type TestPrincipal = "admin" | "matcher" | "public" | "operator-console" | `bridge-${string}`;

export function testCredentials(principal: TestPrincipal): KafkaCredentials {
  const files = testCredentialsFiles();
  const file = principal.startsWith("bridge-")
    ? files.bridges[principal.slice("bridge-".length)]
    : principal === "operator-console"
      ? files.operatorConsole
      : files[principal as "admin" | "matcher" | "public"];
  if (file === undefined) throw new Error(`the stack has no Kafka principal ${principal} (a stack.json from before it existed: bring the stack up again with 'infra/stack up')`);
  return readKafkaCredentialsFile(file);
}

/** A client of the test broker, authenticated as the admin super user unless told otherwise. */
export function testKafka(clientId: string, principal: TestPrincipal = "admin"): Kafka {
  return createKafka({ brokers: testBrokers, clientId, sasl: testCredentials(principal) });
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(6).toString("hex")}`;
}

/** Polls condition until it holds; fails with what was awaited once the deadline passes. */
export async function waitFor(
  what: string,
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Committed offsets of a group on a topic, partition -> offset ("-1" when none). */
export async function committedOffsets(admin: Admin, groupId: string, topic: string): Promise<Map<number, string>> {
  const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return new Map((entry?.partitions ?? []).map((p) => [p.partition, p.offset]));
}

/**
 * Reads a topic from the beginning with a throwaway group until stop says it has seen
 * enough, and returns what it read, in order per partition.
 */
export async function readTopic(
  kafka: Kafka,
  topic: string,
  options: { readUncommitted: boolean; until: (messages: readonly KafkaMessage[]) => boolean },
): Promise<KafkaMessage[]> {
  const messages: KafkaMessage[] = [];
  const consumer: Consumer = kafka.consumer({
    groupId: uniqueName("reader"),
    readUncommitted: options.readUncommitted,
    maxWaitTimeInMs: 200,
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        messages.push(message);
      },
    });
    await waitFor(`records on ${topic}`, () => options.until(messages));
  } finally {
    await consumer.disconnect();
  }
  return messages;
}

export interface TestDeployment {
  readonly deployment: string;
  readonly plan: DeploymentPlan;
  /** Deletes the deployment's topics and ACLs, and the given consumer groups. */
  remove(groups?: readonly string[]): Promise<void>;
}

/**
 * Provisions a deployment of a test's own (topics and ACLs, as the admin principal, and its
 * subjects in the stack's schema registry), the way the provisioning CLI does for the stack's
 * "ic". A deployment name of its own per test run.
 */
export async function provisionTestDeployment(input: {
  deployment: string;
  nodes: readonly { name: string; pubkey: string }[];
  partitions?: number;
  commandRetentionMs?: number;
}): Promise<TestDeployment> {
  const plan = planDeployment({
    deployment: input.deployment,
    nodes: input.nodes,
    partitions: input.partitions ?? 3,
    replicationFactor: 1,
    ...(input.commandRetentionMs === undefined ? {} : { commandRetentionMs: input.commandRetentionMs }),
  });
  const admin = testKafka(`${input.deployment}-provisioning`).admin();
  await admin.connect();
  try {
    await provisionDeployment(admin, plan);
  } finally {
    await admin.disconnect();
  }
  const subjects = await registerTopicSubjects({ url: testSchemaRegistryUrl(), clientId: `${input.deployment}-provisioning` }, planTopicSchemas(plan));
  return {
    deployment: input.deployment,
    plan,
    async remove(groups = []) {
      const cleanup = testKafka(`${input.deployment}-deprovisioning`).admin();
      await cleanup.connect();
      try {
        await deprovisionDeployment(cleanup, plan, groups);
      } finally {
        await cleanup.disconnect();
      }
      await deleteTestSubjects(subjects.map((s) => s.subject));
    },
  };
}
