// Where the matcher's log and projection are, from a matcher config file or flags: shared by the
// replay audit (audit/main.ts) and the rebuild (rebuild/main.ts). The flags override the config
// file; with --config, loadMatcherConfig validates the whole file, secrets included (the
// IC_MATCHER_* variables), although neither tool uses them: the flags alone avoid that.
import { kafkaAuthSetting, type KafkaAuthSetting } from "@ic/event-log";
import { loadMatcherConfig } from "../config.ts";

export const LOG_TARGET_USAGE =
  "[--config <matcher.json>] [--postgres-url <url>] [--schema <schema>] [--brokers <host:port,...>] [--topic <topic>] [--deployment <name>] [--kafka-credentials-file <file>]\n" +
  "Kafka credentials: the config's, or --kafka-credentials-file, or IC_KAFKA_USERNAME + IC_KAFKA_PASSWORD (IC_KAFKA_ALLOW_UNAUTHENTICATED=true for a plaintext broker)";

export const LOG_TARGET_FLAGS = ["--config", "--postgres-url", "--schema", "--brokers", "--topic", "--deployment", "--kafka-credentials-file"] as const;
export type LogTargetFlag = (typeof LOG_TARGET_FLAGS)[number];

export class UsageError extends Error {
  override readonly name = "UsageError";
}

export function parseLogTargetFlags(argv: readonly string[], usage: string): Partial<Record<LogTargetFlag, string>> {
  const flags: Partial<Record<LogTargetFlag, string>> = {};
  for (let i = 0; i < argv.length; i += 2) {
    const flag = argv[i] as LogTargetFlag;
    const value = argv[i + 1];
    if (!LOG_TARGET_FLAGS.includes(flag) || value === undefined || value.startsWith("--")) throw new UsageError(`unexpected argument ${argv[i]}\n${usage}`);
    flags[flag] = value;
  }
  return flags;
}

export interface LogTarget {
  postgresUrl: string;
  dbSchema: string;
  brokers: string[];
  topic: string;
  deployment: string;
  kafkaAuth: KafkaAuthSetting;
}

export function resolveLogTarget(flags: Partial<Record<LogTargetFlag, string>>, usage: string): LogTarget {
  const config = flags["--config"] === undefined ? undefined : loadMatcherConfig(flags["--config"]);
  const postgresUrl = flags["--postgres-url"] ?? config?.postgresUrl;
  const dbSchema = flags["--schema"] ?? config?.dbSchema;
  const brokers = flags["--brokers"]?.split(",") ?? config?.kafka.brokers;
  const topic = flags["--topic"] ?? config?.topics.matcherEvents;
  if (postgresUrl === undefined || dbSchema === undefined || brokers === undefined || topic === undefined)
    throw new UsageError(`give --config, or all of --postgres-url, --schema, --brokers and --topic\n${usage}`);
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
    if (!setting.ok) throw new UsageError(`${setting.problem}\n${usage}`);
    kafkaAuth = setting.value;
  }
  return { postgresUrl, dbSchema, brokers, topic, deployment, kafkaAuth };
}
