// Provisioning CLI: creates one deployment's topics and ACLs on the Kafka cluster, as the admin
// principal. `infra/stack up` runs it for the embedded deployment "ic"; an operator runs it once
// per deployment and again after adding a cluster node.
//
//   tsx packages/event-log/src/provisioning/main.ts --brokers 127.0.0.1:9092 \
//     --credentials-file .run/kafka/credentials/admin.json --deployment ic \
//     --node alpha=<pubkey> --node bravo=<pubkey> [--partitions 3] [--replication-factor 1] \
//     [--command-retention-ms 604800000] [--schema-registry http://127.0.0.1:18081/apis/ccompat/v7]
//
// With --schema-registry, each record topic's subject <topic>-value gets every version of its
// schema from /schemas, oldest first, with BACKWARD compatibility (schema-registry.ts).
// Admin credentials: --credentials-file, or IC_KAFKA_USERNAME and IC_KAFKA_PASSWORD (never a
// password argument). Prints one JSON line; exit 0 done, 1 failed, 2 bad arguments.
import { createKafka } from "../kafka-client.ts";
import { commandLineKafkaAuthSetting, KafkaCredentialsError, resolveKafkaCredentials } from "../kafka-credentials.ts";
import { DEFAULT_DEPLOYMENT } from "../deployment.ts";
import { DEFAULT_COMMAND_RETENTION_MS, DeploymentPlanError, planDeployment } from "./access-plan.ts";
import { registerTopicSubjects } from "../schema-registry.ts";
import { planTopicSchemas, provisionDeployment } from "./provision.ts";

const USAGE = `usage: provisioning/main.ts --brokers <host:port,...> (--credentials-file <admin.json> | env IC_KAFKA_USERNAME + IC_KAFKA_PASSWORD)
       [--deployment ${DEFAULT_DEPLOYMENT}] --node <name>=<pubkey> [--node ...] [--partitions 3] [--replication-factor 1]
       [--command-retention-ms ${DEFAULT_COMMAND_RETENTION_MS}] [--schema-registry <url of the Confluent-compatible API>]`;

class UsageError extends Error {}

function parseArgs(argv: readonly string[]) {
  const single = new Map<string, string>();
  const nodes: { name: string; pubkey: string }[] = [];
  const known = ["--brokers", "--credentials-file", "--deployment", "--partitions", "--replication-factor", "--command-retention-ms", "--schema-registry"];
  for (let i = 0; i < argv.length; i += 2) {
    const flag = argv[i] as string;
    const value = argv[i + 1];
    if (value === undefined || value.startsWith("--")) throw new UsageError(`${flag} needs a value`);
    if (flag === "--node") {
      const [name, pubkey] = value.split("=");
      if (name === undefined || pubkey === undefined) throw new UsageError(`--node takes <name>=<pubkey>, got ${value}`);
      nodes.push({ name, pubkey: pubkey.toLowerCase() });
    } else if (known.includes(flag)) single.set(flag, value);
    else throw new UsageError(`unknown argument ${flag}`);
  }
  const brokers = single.get("--brokers")?.split(",").filter((b) => b.length > 0) ?? [];
  if (brokers.length === 0) throw new UsageError("--brokers is required");
  const int = (flag: string, fallback: number) => {
    const text = single.get(flag);
    if (text === undefined) return fallback;
    if (!/^\d+$/.test(text)) throw new UsageError(`${flag} must be a positive integer, got ${text}`);
    return Number(text);
  };
  const auth = commandLineKafkaAuthSetting(single.get("--credentials-file"), process.env);
  if (!auth.ok) throw new UsageError(auth.problem);
  return {
    brokers,
    schemaRegistryUrl: single.get("--schema-registry"),
    auth: auth.value,
    plan: {
      deployment: single.get("--deployment") ?? DEFAULT_DEPLOYMENT,
      nodes,
      partitions: int("--partitions", 3),
      replicationFactor: int("--replication-factor", 1),
      commandRetentionMs: int("--command-retention-ms", DEFAULT_COMMAND_RETENTION_MS),
    },
  };
}

async function main(): Promise<number> {
  let args: ReturnType<typeof parseArgs>;
  let plan: ReturnType<typeof planDeployment>;
  try {
    args = parseArgs(process.argv.slice(2));
    plan = planDeployment(args.plan);
  } catch (error) {
    if (error instanceof UsageError || error instanceof DeploymentPlanError) {
      process.stderr.write(`${error.message}\n${USAGE}\n`);
      return 2;
    }
    throw error;
  }
  const sasl = resolveKafkaCredentials(args.auth);
  const kafka = createKafka({ brokers: args.brokers, clientId: `${plan.deployment}.provisioning`, ...(sasl === undefined ? {} : { sasl }) });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const result = await provisionDeployment(admin, plan);
    const subjects = args.schemaRegistryUrl === undefined ? [] : await registerTopicSubjects({ url: args.schemaRegistryUrl, clientId: `${plan.deployment}.provisioning` }, planTopicSchemas(plan));
    process.stdout.write(
      `${JSON.stringify({ deployment: plan.deployment, created: result.created, existing: result.existing, acls: result.acls, principals: plan.principals, subjects })}\n`,
    );
    return 0;
  } finally {
    await admin.disconnect();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    const message = error instanceof KafkaCredentialsError || error instanceof Error ? error.message : String(error);
    process.stderr.write(`provisioning failed: ${message}\n`);
    process.exit(1);
  },
);
