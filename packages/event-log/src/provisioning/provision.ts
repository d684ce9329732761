// Applies a deployment plan (access-plan.ts) with the admin principal: creates the missing
// topics (waiting for their leaders), sets the managed configs of existing ones (command
// retention), and adds the ACLs (adding an existing ACL is a no-op). Idempotent: run it again after
// adding a cluster node. Services never create topics; they wait until this has run.
import kafkajs, { type Admin, type AclEntry as KafkaAclEntry } from "kafkajs";
import type { RecordTopicRole } from "../deployment.ts";
import type { TopicSchema } from "../schema-registry.ts";
import { ensureTopics, topicSchemas } from "../topics.ts";
import type { AclEntry, DeploymentPlan } from "./access-plan.ts";

// kafkajs is CommonJS: Node's ESM loader does not see these enums as named exports.
const { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ConfigResourceTypes, ResourcePatternTypes } = kafkajs;

export interface ProvisionResult {
  readonly created: readonly string[];
  readonly existing: readonly string[];
  readonly acls: number;
}

export function toKafkaAcl(entry: AclEntry): KafkaAclEntry {
  return {
    principal: entry.principal,
    host: "*",
    resourceType: AclResourceTypes[entry.resourceType],
    resourceName: entry.resourceName,
    resourcePatternType: ResourcePatternTypes[entry.patternType],
    operation: AclOperationTypes[entry.operation],
    permissionType: AclPermissionTypes.ALLOW,
  };
}

/** The deployment's record topics and their schemas: the registry subjects to register (dead-letter topics carry copies, no subject). */
export function planTopicSchemas(plan: DeploymentPlan): TopicSchema[] {
  return plan.topics.flatMap((t) => (t.role in topicSchemas ? [{ topic: t.topic, schema: topicSchemas[t.role as RecordTopicRole] }] : []));
}

export async function provisionDeployment(admin: Admin, plan: DeploymentPlan): Promise<ProvisionResult> {
  // ACLs first: a service waiting for its topics sees them as soon as they exist.
  await admin.createAcls({ acl: plan.acls.map(toKafkaAcl) });
  const { created, existing } = await ensureTopics(
    admin,
    plan.topics.map((t) => ({ topic: t.topic, partitions: t.partitions, replicationFactor: t.replicationFactor, config: t.config })),
  );
  const existingNames = existing.map((e) => e.topic);
  if (existingNames.length > 0) {
    await admin.alterConfigs({
      validateOnly: false,
      resources: plan.topics
        .filter((t) => existingNames.includes(t.topic))
        .map((t) => ({
          type: ConfigResourceTypes.TOPIC,
          name: t.topic,
          configEntries: Object.entries(t.config).map(([name, value]) => ({ name, value })),
        })),
    });
  }
  await waitForGroupCoordinator(admin, `${plan.deployment}.matcher`);
  return { created, existing: existingNames, acls: plan.acls.length };
}

// On a freshly formatted broker the offsets topic is created on the first group request, and
// group requests fail with "The group coordinator is not available" until it is: services and
// tests that start right after provisioning would meet that. Ask until the coordinator answers.
async function waitForGroupCoordinator(admin: Admin, groupId: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await admin.describeGroups([groupId]);
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`the group coordinator did not answer within ${timeoutMs} ms: ${(error as Error).message}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

/** Removes a deployment's topics, its planned ACLs and the given consumer groups (tests clean up with it). */
export async function deprovisionDeployment(admin: Admin, plan: DeploymentPlan, groups: readonly string[] = []): Promise<void> {
  const known = new Set(await admin.listTopics());
  const topics = plan.topics.map((t) => t.topic).filter((t) => known.has(t));
  if (topics.length > 0) await admin.deleteTopics({ topics });
  if (groups.length > 0) await admin.deleteGroups([...groups]).catch(() => undefined);
  await admin.deleteAcls({ filters: plan.acls.map(toKafkaAcl) });
}
