// Entry point: tsx services/invoice-matcher/src/audit/main.ts --config <matcher.json>
//          or: tsx services/invoice-matcher/src/audit/main.ts --postgres-url <url> --schema <s> --brokers <h:p,...> --topic <t>
//              [--deployment <name>] [--kafka-credentials-file <matcher.json>]  (or IC_KAFKA_USERNAME + IC_KAFKA_PASSWORD)
// Prints the audit report (replay-audit.ts) as JSON. Exit 0: every invoice matched; 1: a mismatch,
// a gap or a missing side; 2: bad arguments or the audit could not run. The flags override the
// config file; with --config, loadMatcherConfig validates the whole file, secrets included (the
// IC_MATCHER_* variables), although the audit uses none of them: the flags alone avoid that.
import pino from "pino";
import { kafkaAuthSetting, resolveKafkaCredentials, type KafkaAuthSetting } from "@ic/event-log";
import { ConfigError, loadMatcherConfig } from "../config.ts";
import { createMatcherPool } from "../postgres/matcher-pool.ts";
import { auditFoundProblems, auditProjection } from "./replay-audit.ts";

const USAGE =
  "usage: audit/main.ts [--config <matcher.json>] [--postgres-url <url>] [--schema <schema>] [--brokers <host:port,...>] [--topic <topic>] [--deployment <name>] [--kafka-credentials-file <file>]\n" +
  "Kafka credentials: the config's, or --kafka-credentials-file, or IC_KAFKA_USERNAME + IC_KAFKA_PASSWORD (IC_KAFKA_ALLOW_UNAUTHENTICATED=true for a plaintext broker)";

const FLAGS = ["--config", "--postgres-url", "--schema", "--brokers", "--topic", "--deployment", "--kafka-credentials-file"] as const;
type Flag = (typeof FLAGS)[number];

class UsageError extends Error {
  override readonly name = "UsageError";
}

function parseFlags(argv: readonly string[]): Partial<Record<Flag, string>> {
  const flags: Partial<Record<Flag, string>> = {};
  for (let i = 0; i < argv.length; i += 2) {
    const flag = argv[i] as Flag;
    const value = argv[i + 1];
    if (!FLAGS.includes(flag) || value === undefined || value.startsWith("--")) throw new UsageError(`unexpected argument ${argv[i]}\n${USAGE}`);
    flags[flag] = value;
  }
  return flags;
}

interface AuditTarget {
  postgresUrl: string;
  dbSchema: string;
  brokers: string[];
  topic: string;
  deployment: string;
  kafkaAuth: KafkaAuthSetting;
}

function resolveTarget(flags: Partial<Record<Flag, string>>): AuditTarget {
  const config = flags["--config"] === undefined ? undefined : loadMatcherConfig(flags["--config"]);
  const postgresUrl = flags["--postgres-url"] ?? config?.postgresUrl;
  const dbSchema = flags["--schema"] ?? config?.dbSchema;
  const brokers = flags["--brokers"]?.split(",") ?? config?.kafka.brokers;
  const topic = flags["--topic"] ?? config?.topics.matcherEvents;
  if (postgresUrl === undefined || dbSchema === undefined || brokers === undefined || topic === undefined)
    throw new UsageError(`give --config, or all of --postgres-url, --schema, --brokers and --topic\n${USAGE}`);
  // The schema goes into the connection's search_path option: refuse anything but an identifier.
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(dbSchema)) throw new UsageError("--schema must be a plain SQL identifier");
  const deployment = flags["--deployment"] ?? config?.deployment ?? "ic";
  let kafkaAuth = config?.kafka.auth;
  if (kafkaAuth === undefined || flags["--kafka-credentials-file"] !== undefined) {
    const setting = kafkaAuthSetting({
      credentialsFile: flags["--kafka-credentials-file"],
      username: process.env.IC_KAFKA_USERNAME,
      password: process.env.IC_KAFKA_PASSWORD,
      allowUnauthenticated: process.env.IC_KAFKA_ALLOW_UNAUTHENTICATED === "true",
      names: { file: "--kafka-credentials-file", username: "IC_KAFKA_USERNAME", password: "IC_KAFKA_PASSWORD", allowUnauthenticated: "IC_KAFKA_ALLOW_UNAUTHENTICATED" },
    });
    if (!setting.ok) throw new UsageError(`${setting.problem}\n${USAGE}`);
    kafkaAuth = setting.value;
  }
  return { postgresUrl, dbSchema, brokers, topic, deployment, kafkaAuth };
}

async function main(): Promise<number> {
  const logger = pino({ name: "matcher-audit", level: process.env.LOG_LEVEL ?? "warn" }, pino.destination(2));
  let target: AuditTarget;
  try {
    target = resolveTarget(parseFlags(process.argv.slice(2)));
  } catch (error) {
    if (error instanceof UsageError || error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      return 2;
    }
    throw error;
  }
  const pool = createMatcherPool(target, logger);
  try {
    const sasl = resolveKafkaCredentials(target.kafkaAuth);
    const report = await auditProjection({
      kafka: { brokers: target.brokers, logger, ...(sasl === undefined ? {} : { sasl }) },
      deployment: target.deployment,
      topic: target.topic,
      pool,
    });
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return auditFoundProblems(report) ? 1 : 0;
  } finally {
    await pool.end();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`audit failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  },
);
