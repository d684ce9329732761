// Matcher configuration: a JSON file plus one environment variable per field (IC_MATCHER_<PATH>,
// the scheme and the wording of every problem are @ic/service-config's, shared with the bridge),
// validated at start. Secrets (node key, preimage seed, API token, Kafka password) can be given by
// environment alone, so config files can be shared; messages name the field, never a secret.
import {
  DEFAULT_DEPLOYMENT,
  deploymentGroups,
  deploymentNameProblem,
  deploymentTopics,
  configKafkaAuthSetting,
  serviceKafkaConfig,
  kafkaCredentialsFileProblem,
  type KafkaAuthSetting,
  DEFAULT_SCHEMA_REGISTRY_URL,
  schemaRegistryUrlProblem,
} from "@ic/event-log";
import { readFileSync } from "node:fs";
import { LND_HTLC_TIMING, STRICTEST_LND_TIMING_LINE, type Bolt11Network } from "@ic/lightning-protocol";
import {
  configFilePath,
  envNameFor,
  hostPortList,
  inRange,
  nonEmpty,
  oneOf,
  parseConfigTable,
  readConfigFile,
  valueAt,
  type ConfigProblem,
  type ConfigTable,
  type ConfigValues,
  type FieldSpec,
} from "@ic/service-config";
import { validateMatcherConfig, type MatcherConfig } from "./domain/index.ts";
import type { MatcherTopics } from "./application/matcher-topics.ts";
import type { ClusterNodeSetting } from "./application/invoice-service-impl.ts";
import { MAX_EXPIRY_SECONDS } from "./invoice-service/create-invoice-limits.ts";
import { DEFAULT_POSTGRES_TIMEOUTS, type PostgresTimeouts } from "./postgres/matcher-pool.ts";

export interface MatcherServiceConfig {
  network: Bolt11Network;
  nodeKeyHex: string;
  preimageSeedHex: string;
  postgresUrl: string;
  dbSchema: string;
  /** Every Kafka name derives from it (topics, groups, ACL prefixes); default "ic". */
  deployment: string;
  /** auth: credentials file, username/password from the environment, or explicitly none. */
  kafka: { brokers: string[]; clientId: string; auth: KafkaAuthSetting };
  /** The schema registry's Confluent-compatible API: records are written in its wire format; unreachable at start = no start. */
  schemaRegistryUrl: string;
  /** Derived from deployment: the per-node HTLC and command topics, invoice and matcher events. */
  topics: MatcherTopics;
  cluster: ClusterNodeSetting[];
  matcher: MatcherConfig;
  minFinalCltvExpiryDelta: number;
  defaultExpirySeconds: number;
  /** tls: serve the API over TLS (required to listen beyond loopback). */
  api: { listen: string; authToken: string; tls?: { certPath: string; keyPath: string } };
  metricsPort: number;
  /** Where /metrics, /healthz and /readyz listen (0.0.0.0 in a container). */
  metricsHost: string;
  tickIntervalMs: number;
  /** Published outbox rows older than this are deleted (hourly); 0 keeps them forever. */
  outboxRetentionHours: number;
  /** How many input partitions, and invoices within a fetched batch, are decided at once. */
  /**
   * sessionTimeoutMs: how long the group waits for a matcher that stopped heartbeating (killed,
   * frozen) before its partitions move to the others: the fail-over time of active/active
   * matchers. heartbeatIntervalMs: at most a third of it.
   */
  consumer: { partitionsConcurrently: number; keyConcurrency: number; sessionTimeoutMs: number; heartbeatIntervalMs: number };
  /** Postgres connections of the matcher's pool (decisions, outbox, API). */
  postgresPoolSize: number;
  /** Bounded waits on Postgres (connect, statement, idle transaction, idle connection). */
  postgresTimeouts: PostgresTimeouts;
  /** Kafka consumer group of the matcher: <deployment>.matcher (derived). */
  groupId: string;
}

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

const NETWORKS = ["mainnet", "testnet", "signet", "regtest"];
const ENV_PREFIX = "IC_MATCHER";

const hex32 = (value: string): string | undefined => (/^[0-9a-fA-F]{64}$/.test(value) ? undefined : "must be 32 bytes of hex");
const int = (path: string, fallback: number, min: number, max: number): FieldSpec => ({ path, kind: "int", default: fallback, check: inRange(min, max) });
const envOnly = (path: string): string =>
  `secrets of the Kafka login come from the environment (${envNameFor(ENV_PREFIX, path)}) or from kafka.credentialsFile, never from the config file itself`;

/** cluster: [{name, pubkey}], at least one node; each problem names the entry. */
const clusterNodes = (value: unknown): string | undefined => {
  if (!Array.isArray(value)) return "must be a list of nodes ({name, pubkey})";
  if (value.length === 0) return "must list at least one node ({name, pubkey})";
  const problems = value.flatMap((node: unknown, i) => {
    const entry = typeof node === "object" && node !== null ? (node as Record<string, unknown>) : {};
    const found: string[] = [];
    if (typeof entry.name !== "string" || entry.name.length === 0) found.push(`cluster[${i}].name is required (a non-empty string)`);
    if (typeof entry.pubkey !== "string" || !/^0[23][0-9a-fA-F]{64}$/.test(entry.pubkey))
      found.push(`cluster[${i}].pubkey must be a 33-byte compressed public key in hex`);
    return found;
  });
  return problems.length === 0 ? undefined : problems.join("; ");
};

const FIELDS: readonly FieldSpec[] = [
  { path: "network", kind: "string", default: "regtest", check: oneOf(NETWORKS) },
  { path: "nodeKey", kind: "string", secret: true, check: hex32 },
  { path: "preimageSeed", kind: "string", secret: true, check: hex32 },
  { path: "postgresUrl", kind: "string", secret: true, check: nonEmpty },
  {
    path: "dbSchema",
    kind: "string",
    default: "matcher",
    check: (value: string) => (/^[a-z_][a-z0-9_]{0,62}$/.test(value) ? undefined : `must be a lowercase SQL identifier, got ${JSON.stringify(value)}`),
  },
  { path: "deployment", kind: "string", default: DEFAULT_DEPLOYMENT, check: (value: string) => deploymentNameProblem(value) },
  { path: "kafka.brokers", kind: "list", check: hostPortList },
  { path: "kafka.clientId", kind: "string", default: (v) => `${String(v["deployment"])}-invoice-matcher`, check: nonEmpty },
  { path: "kafka.credentialsFile", kind: "string", default: "" },
  { path: "kafka.username", kind: "string", default: "", envOnly: envOnly("kafka.username") },
  { path: "kafka.password", kind: "string", default: "", secret: true, envOnly: envOnly("kafka.password") },
  { path: "kafka.allowUnauthenticated", kind: "boolean", default: false },
  { path: "schemaRegistryUrl", kind: "string", default: DEFAULT_SCHEMA_REGISTRY_URL, check: schemaRegistryUrlProblem },
  { path: "cluster", kind: "json", check: clusterNodes },
  int("mppTimeoutMs", 120_000, 1, 24 * 3600_000),
  int("acceptTimeoutMs", 3600_000, 1, 7 * 24 * 3600_000),
  int("holdSafetyMarginBlocks", 3, 3, 1000),
  int("virtualHopPolicy.feeBaseMsat", 0, 0, 2 ** 31),
  int("virtualHopPolicy.feeProportionalMillionths", 0, 0, 1_000_000),
  int("virtualHopPolicy.cltvExpiryDelta", 40, 0, 2016),
  // Lower bound checked below against lnd's timing, with a message that names it.
  int("minFinalCltvExpiryDelta", 40, 1, 2016),
  int("defaultExpirySeconds", 3600, 1, MAX_EXPIRY_SECONDS),
  { path: "api.listen", kind: "string", default: "127.0.0.1:10200", check: nonEmpty },
  {
    path: "api.authToken",
    kind: "string",
    secret: true,
    // The name of earlier versions, kept: deployments pass it.
    env: "IC_MATCHER_API_TOKEN",
    check: (value: string) => (value.length >= 32 ? undefined : "must be at least 32 characters"),
  },
  { path: "api.tls.certPath", kind: "string", optional: true, check: nonEmpty },
  { path: "api.tls.keyPath", kind: "string", optional: true, check: nonEmpty },
  int("metricsPort", 0, 0, 65535),
  { path: "metricsHost", kind: "string", default: "127.0.0.1", check: nonEmpty },
  int("tickIntervalMs", 1000, 50, 60_000),
  int("outboxRetentionHours", 168, 0, 87_600),
  int("consumer.partitionsConcurrently", 3, 1, 64),
  int("consumer.keyConcurrency", 4, 1, 64),
  // Kafka's group.min.session.timeout.ms is 6 s by default: a shorter one is refused at join.
  int("consumer.sessionTimeoutMs", 10_000, 6_000, 300_000),
  {
    path: "consumer.heartbeatIntervalMs",
    kind: "int",
    default: 1_000,
    check: (value: number, values) => {
      const session = values["consumer.sessionTimeoutMs"];
      if (value < 100 || value > 100_000) return `must be in 100..100000, got ${value}`;
      return typeof session === "number" && value * 3 > session ? `must be at most a third of consumer.sessionTimeoutMs (${session}), got ${value}` : undefined;
    },
  },
  int("postgresPoolSize", 20, 2, 200),
  int("postgresTimeouts.connectMs", DEFAULT_POSTGRES_TIMEOUTS.connectMs, 100, 600_000),
  int("postgresTimeouts.statementMs", DEFAULT_POSTGRES_TIMEOUTS.statementMs, 100, 600_000),
  int("postgresTimeouts.idleInTransactionMs", DEFAULT_POSTGRES_TIMEOUTS.idleInTransactionMs, 1_000, 3_600_000),
  int("postgresTimeouts.idleMs", DEFAULT_POSTGRES_TIMEOUTS.idleMs, 1_000, 3_600_000),
];

/**
 * Every field of the matcher's config, its variable, default and check (the README lists them
 * all). Unknown fields of the file are ignored, as they always were (the bridge refuses them).
 */
export const MATCHER_CONFIG_TABLE: ConfigTable = {
  envPrefix: ENV_PREFIX,
  fields: FIELDS,
  removed: {
    topics: 'topic names derive from "deployment" (<deployment>.htlc.*.v1.<node pubkey>, <deployment>.invoice.events.v1, ...)',
    groupId: 'the consumer group is "<deployment>.matcher"',
  },
  unknownFields: "ignore",
};

/** The config file's path: --config <path> (or --config=<path>), else IC_MATCHER_CONFIG; undefined: none. */
export function matcherConfigPath(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): string | undefined {
  const path = configFilePath(argv, env, `${ENV_PREFIX}_CONFIG`);
  if (!path.ok) throw configError(path.error);
  return path.value;
}

/** Reads and checks the config (file may be undefined: environment only); throws ConfigError. */
export function loadMatcherConfig(file: string | undefined, env: NodeJS.ProcessEnv = process.env): MatcherServiceConfig {
  let raw: unknown = undefined;
  if (file !== undefined) {
    const read = readConfigFile(file, "matcher");
    if (!read.ok) throw new ConfigError(read.error.map((problem) => problem.message).join("\n"));
    raw = read.value;
  }
  const config = parseMatcherConfig(raw, env);
  const problems = fileProblems(config);
  if (problems.length > 0) throw new ConfigError(`invalid matcher config:\n  - ${problems.join("\n  - ")}`);
  return config;
}

/**
 * The files the config names are read once at start, so a missing or unreadable one (in a
 * container: a wrong mount) stops the matcher at once with a message naming it, rather than
 * after Postgres and Kafka answer.
 */
function fileProblems(config: MatcherServiceConfig): string[] {
  const problems: string[] = [];
  const credentials = config.kafka.auth.kind === "file" ? kafkaCredentialsFileProblem(config.kafka.auth.path) : undefined;
  if (credentials !== undefined) problems.push(credentials);
  for (const [field, path] of config.api.tls === undefined ? [] : ([["api.tls.certPath", config.api.tls.certPath], ["api.tls.keyPath", config.api.tls.keyPath]] as const)) {
    try {
      readFileSync(path);
    } catch (error) {
      problems.push(`cannot read ${field} ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
  }
  return problems;
}

function configError(problems: readonly (ConfigProblem | string)[]): ConfigError {
  return new ConfigError(`invalid matcher config:\n  - ${problems.map((p) => (typeof p === "string" ? p : p.message)).join("\n  - ")}`);
}

/** Checks a config file's parsed JSON (undefined: none) with the IC_MATCHER_* variables; throws ConfigError listing every problem. */
export function parseMatcherConfig(raw: unknown, env: NodeJS.ProcessEnv = {}): MatcherServiceConfig {
  const parsed = parseConfigTable(MATCHER_CONFIG_TABLE, raw, env);
  if (!parsed.ok) throw configError(parsed.error);
  const values = parsed.value;
  const get = <T>(path: string): T => values[path] as T;
  const problems: string[] = [];

  const auth = configKafkaAuthSetting(serviceKafkaConfig(values), ENV_PREFIX);
  if (!auth.ok) problems.push(auth.problem);
  let matcher: MatcherConfig | undefined;
  try {
    matcher = validateMatcherConfig({
      mppTimeoutMs: get("mppTimeoutMs"),
      acceptTimeoutMs: get("acceptTimeoutMs"),
      holdSafetyMarginBlocks: get("holdSafetyMarginBlocks"),
      virtualHopPolicy: {
        feeBaseMsat: BigInt(get<number>("virtualHopPolicy.feeBaseMsat")),
        feeProportionalMillionths: BigInt(get<number>("virtualHopPolicy.feeProportionalMillionths")),
        cltvExpiryDelta: get("virtualHopPolicy.cltvExpiryDelta"),
      },
    });
  } catch (error) {
    problems.push((error as Error).message);
  }
  problems.push(...apiTlsProblems(raw, values));
  problems.push(...lndTimingProblems(get("minFinalCltvExpiryDelta"), matcher));
  if (problems.length > 0) throw configError(problems);

  const deployment = get<string>("deployment");
  const certPath = get<string | undefined>("api.tls.certPath");
  const keyPath = get<string | undefined>("api.tls.keyPath");
  return {
    network: get("network"),
    nodeKeyHex: get<string>("nodeKey").toLowerCase(),
    preimageSeedHex: get<string>("preimageSeed").toLowerCase(),
    postgresUrl: get("postgresUrl"),
    dbSchema: get("dbSchema"),
    deployment,
    kafka: { brokers: get("kafka.brokers"), clientId: get("kafka.clientId"), auth: auth.ok ? auth.value : { kind: "unauthenticated" } },
    schemaRegistryUrl: get("schemaRegistryUrl"),
    topics: deploymentTopics(deployment),
    cluster: get<{ name: string; pubkey: string }[]>("cluster").map((node) => ({ name: node.name, pubkey: node.pubkey.toLowerCase() })),
    matcher: matcher!,
    minFinalCltvExpiryDelta: get("minFinalCltvExpiryDelta"),
    defaultExpirySeconds: get("defaultExpirySeconds"),
    api: {
      listen: get("api.listen"),
      authToken: get("api.authToken"),
      ...(certPath === undefined || keyPath === undefined ? {} : { tls: { certPath, keyPath } }),
    },
    metricsPort: get("metricsPort"),
    metricsHost: get("metricsHost"),
    tickIntervalMs: get("tickIntervalMs"),
    outboxRetentionHours: get("outboxRetentionHours"),
    consumer: {
      partitionsConcurrently: get("consumer.partitionsConcurrently"),
      keyConcurrency: get("consumer.keyConcurrency"),
      sessionTimeoutMs: get("consumer.sessionTimeoutMs"),
      heartbeatIntervalMs: get("consumer.heartbeatIntervalMs"),
    },
    postgresPoolSize: get("postgresPoolSize"),
    postgresTimeouts: {
      connectMs: get("postgresTimeouts.connectMs"),
      statementMs: get("postgresTimeouts.statementMs"),
      idleInTransactionMs: get("postgresTimeouts.idleInTransactionMs"),
      idleMs: get("postgresTimeouts.idleMs"),
    },
    groupId: deploymentGroups(deployment).matcher,
  };
}

/** api.tls (in the file, or either variable) turns TLS on and then needs both paths. */
function apiTlsProblems(raw: unknown, values: ConfigValues): string[] {
  const wanted = valueAt(raw, "api.tls") !== undefined || values["api.tls.certPath"] !== undefined || values["api.tls.keyPath"] !== undefined;
  if (!wanted) return [];
  return (["api.tls.certPath", "api.tls.keyPath"] as const)
    .filter((path) => values[path] === undefined)
    .map((path) => `config field "${path}" is required with api.tls (set it in the config file or ${envNameFor(ENV_PREFIX, path)})`);
}

// Blocks a hold set can wait at least, beyond lnd's interceptor cut-off and the safety margin.
export const HOLD_SLACK_BLOCKS = 6;

/**
 * The CLTV bounds for the lnd version line with the strictest timing (LND_HTLC_TIMING, lnd 0.21+:
 * auto-fail 19 blocks before expiry, never offered within 22, final delta >= 24), so a default
 * config is safe on every lnd the bridges accept. An HTLC reaches the virtual node with at least
 * cltvExpiryDelta + minFinalCltvExpiryDelta blocks left: that must exceed lnd's interceptor
 * cut-off plus holdSafetyMarginBlocks plus some slack, or a hold set could never be held.
 */
export function lndTimingProblems(minFinalCltvExpiryDelta: number, matcher: MatcherConfig | undefined): string[] {
  const line = STRICTEST_LND_TIMING_LINE;
  const timing = LND_HTLC_TIMING[line];
  const problems: string[] = [];
  if (minFinalCltvExpiryDelta < timing.minFinalCltvExpiryDelta)
    problems.push(`minFinalCltvExpiryDelta is ${minFinalCltvExpiryDelta}, below ${timing.minFinalCltvExpiryDelta}, lnd ${line}+'s minimum final CLTV delta`);
  if (matcher !== undefined) {
    const delta = matcher.virtualHopPolicy.cltvExpiryDelta;
    const bound = timing.interceptorMinExpiryBlocks + matcher.holdSafetyMarginBlocks + HOLD_SLACK_BLOCKS;
    if (delta + minFinalCltvExpiryDelta <= bound)
      problems.push(
        `virtualHopPolicy.cltvExpiryDelta + minFinalCltvExpiryDelta is ${delta} + ${minFinalCltvExpiryDelta} = ${delta + minFinalCltvExpiryDelta}, must exceed ${bound} ` +
          `(lnd ${line}+ never offers an HTLC within ${timing.interceptorMinExpiryBlocks} blocks of expiry, + holdSafetyMarginBlocks ${matcher.holdSafetyMarginBlocks}, + ${HOLD_SLACK_BLOCKS} blocks to hold a set)`,
      );
  }
  return problems;
}
