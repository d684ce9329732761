// Matcher configuration: a JSON file plus environment overrides, validated at start. Secrets
// (node key, preimage seed, API token) can be given by environment alone, so config files can be
// shared; error messages name the field, never its value.
import { readFileSync } from "node:fs";
import {
  DEFAULT_DEPLOYMENT,
  deploymentGroups,
  deploymentNameProblem,
  deploymentTopics,
  KafkaCredentialsError,
  kafkaAuthSetting,
  readKafkaCredentialsFile,
  type KafkaAuthSetting,
} from "@ic/event-log";
import { LND_HTLC_TIMING, STRICTEST_LND_TIMING_LINE, type Bolt11Network } from "@ic/lightning-protocol";
import { validateMatcherConfig, type MatcherConfig } from "./domain/index.ts";
import type { MatcherTopics } from "./application/matcher-topics.ts";
import type { ClusterNodeSetting } from "./application/invoice-service-impl.ts";
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

const HEX32 = /^[0-9a-f]{64}$/;
const PUBKEY = /^0[23][0-9a-f]{64}$/;
const NETWORKS = ["mainnet", "testnet", "signet", "regtest"];

/** Env overrides: IC_MATCHER_NODE_KEY, IC_MATCHER_PREIMAGE_SEED, IC_MATCHER_API_TOKEN, IC_MATCHER_POSTGRES_URL,
 * IC_MATCHER_DB_SCHEMA, IC_MATCHER_DEPLOYMENT, IC_MATCHER_KAFKA_BROKERS (comma list), IC_MATCHER_KAFKA_CREDENTIALS_FILE,
 * IC_MATCHER_KAFKA_USERNAME + IC_MATCHER_KAFKA_PASSWORD, IC_MATCHER_API_LISTEN, IC_MATCHER_METRICS_PORT, IC_MATCHER_METRICS_HOST,
 * IC_MATCHER_MPP_TIMEOUT_MS. */
export function loadMatcherConfig(file: string | undefined, env: NodeJS.ProcessEnv = process.env): MatcherServiceConfig {
  let raw: Record<string, unknown> = {};
  if (file !== undefined) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (error) {
      throw new ConfigError(`cannot read matcher config ${file}: ${(error as Error).message}`);
    }
    try {
      raw = JSON.parse(text) as Record<string, unknown>;
    } catch (error) {
      // V8 quotes the text around a syntax error, which may be part of a key or seed.
      const position = /at position \d+/.exec((error as Error).message)?.[0];
      throw new ConfigError(`matcher config ${file} is not valid JSON${position === undefined ? "" : ` (${position})`}`);
    }
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
  if (config.kafka.auth.kind === "file") {
    try {
      readKafkaCredentialsFile(config.kafka.auth.path);
    } catch (error) {
      if (!(error instanceof KafkaCredentialsError)) throw error;
      problems.push(error.message);
    }
  }
  for (const [field, path] of config.api.tls === undefined ? [] : ([["api.tls.certPath", config.api.tls.certPath], ["api.tls.keyPath", config.api.tls.keyPath]] as const)) {
    try {
      readFileSync(path);
    } catch (error) {
      problems.push(`cannot read ${field} ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
  }
  return problems;
}

export function parseMatcherConfig(raw: Record<string, unknown>, env: NodeJS.ProcessEnv = {}): MatcherServiceConfig {
  const problems: string[] = [];
  const str = (name: string, value: unknown, fallback?: string): string => {
    if (value === undefined && fallback !== undefined) return fallback;
    if (typeof value !== "string" || value.length === 0) {
      problems.push(`${name} is required (a non-empty string)`);
      return "";
    }
    return value;
  };
  const int = (name: string, value: unknown, fallback: number, min: number, max: number): number => {
    const v = value === undefined ? fallback : typeof value === "string" ? Number(value) : value;
    if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
      problems.push(`${name} must be an integer in ${min}..${max}`);
      return fallback;
    }
    return v;
  };
  const obj = (value: unknown): Record<string, unknown> => (typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {});

  const network = str("network", raw.network, "regtest");
  if (!NETWORKS.includes(network)) problems.push(`network must be one of ${NETWORKS.join(", ")}`);
  const nodeKeyHex = str("nodeKey (env IC_MATCHER_NODE_KEY)", env.IC_MATCHER_NODE_KEY ?? raw.nodeKey).toLowerCase();
  if (nodeKeyHex && !HEX32.test(nodeKeyHex)) problems.push("nodeKey must be 32 bytes of hex");
  const preimageSeedHex = str("preimageSeed (env IC_MATCHER_PREIMAGE_SEED)", env.IC_MATCHER_PREIMAGE_SEED ?? raw.preimageSeed).toLowerCase();
  if (preimageSeedHex && !HEX32.test(preimageSeedHex)) problems.push("preimageSeed must be 32 bytes of hex");
  const postgresUrl = str("postgresUrl", env.IC_MATCHER_POSTGRES_URL ?? raw.postgresUrl);
  const dbSchema = str("dbSchema", env.IC_MATCHER_DB_SCHEMA ?? raw.dbSchema, "matcher");
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(dbSchema)) problems.push("dbSchema must be a lowercase SQL identifier");
  const kafka = obj(raw.kafka);
  const brokers = env.IC_MATCHER_KAFKA_BROKERS?.split(",") ?? (Array.isArray(kafka.brokers) ? (kafka.brokers as string[]) : []);
  if (brokers.length === 0 || brokers.some((b) => typeof b !== "string" || !/^[^\s:]+:\d+$/.test(b))) {
    problems.push("kafka.brokers must be a non-empty list of host:port");
  }
  const deployment = str("deployment", env.IC_MATCHER_DEPLOYMENT ?? raw.deployment, DEFAULT_DEPLOYMENT);
  const deploymentProblem = deploymentNameProblem(deployment);
  if (deploymentProblem !== undefined) problems.push(`deployment ${deploymentProblem}`);
  const topics = deploymentTopics(deploymentProblem === undefined ? deployment : DEFAULT_DEPLOYMENT);
  if (raw.topics !== undefined) problems.push('topics is no longer a config field: topic names derive from "deployment" (<deployment>.htlc.*.v1.<node pubkey>, <deployment>.invoice.events.v1, ...)');
  if (raw.groupId !== undefined) problems.push('groupId is no longer a config field: the consumer group is "<deployment>.matcher"');
  const credentialsFile = env.IC_MATCHER_KAFKA_CREDENTIALS_FILE ?? kafka.credentialsFile;
  if (credentialsFile !== undefined && typeof credentialsFile !== "string") problems.push("kafka.credentialsFile must be a file path");
  if (kafka.allowUnauthenticated !== undefined && typeof kafka.allowUnauthenticated !== "boolean") problems.push("kafka.allowUnauthenticated must be true or false");
  if (kafka.username !== undefined || kafka.password !== undefined)
    problems.push("kafka.username/kafka.password are not read from the config file: use kafka.credentialsFile or IC_MATCHER_KAFKA_USERNAME and IC_MATCHER_KAFKA_PASSWORD");
  const auth = kafkaAuthSetting({
    credentialsFile: typeof credentialsFile === "string" ? credentialsFile : undefined,
    username: env.IC_MATCHER_KAFKA_USERNAME,
    password: env.IC_MATCHER_KAFKA_PASSWORD,
    allowUnauthenticated: kafka.allowUnauthenticated === true,
    names: {
      file: "kafka.credentialsFile (or IC_MATCHER_KAFKA_CREDENTIALS_FILE)",
      username: "IC_MATCHER_KAFKA_USERNAME",
      password: "IC_MATCHER_KAFKA_PASSWORD",
      allowUnauthenticated: "kafka.allowUnauthenticated",
    },
  });
  if (!auth.ok) problems.push(auth.problem);
  const clusterRaw = Array.isArray(raw.cluster) ? (raw.cluster as unknown[]) : [];
  if (clusterRaw.length === 0) problems.push("cluster must list at least one node ({name, pubkey})");
  const cluster = clusterRaw.map((n, i) => {
    const o = obj(n);
    const pubkey = str(`cluster[${i}].pubkey`, o.pubkey).toLowerCase();
    if (pubkey && !PUBKEY.test(pubkey)) problems.push(`cluster[${i}].pubkey must be a 33-byte compressed public key in hex`);
    return { name: str(`cluster[${i}].name`, o.name), pubkey };
  });
  const policy = obj(raw.virtualHopPolicy);
  let matcher: MatcherConfig | undefined;
  try {
    matcher = validateMatcherConfig({
      mppTimeoutMs: int("mppTimeoutMs", env.IC_MATCHER_MPP_TIMEOUT_MS ?? raw.mppTimeoutMs, 120_000, 1, 24 * 3600_000),
      acceptTimeoutMs: int("acceptTimeoutMs", raw.acceptTimeoutMs, 3600_000, 1, 7 * 24 * 3600_000),
      holdSafetyMarginBlocks: int("holdSafetyMarginBlocks", raw.holdSafetyMarginBlocks, 3, 3, 1000),
      virtualHopPolicy: {
        feeBaseMsat: BigInt(int("virtualHopPolicy.feeBaseMsat", policy.feeBaseMsat, 0, 0, 2 ** 31)),
        feeProportionalMillionths: BigInt(int("virtualHopPolicy.feeProportionalMillionths", policy.feeProportionalMillionths, 0, 0, 1_000_000)),
        cltvExpiryDelta: int("virtualHopPolicy.cltvExpiryDelta", policy.cltvExpiryDelta, 40, 0, 2016),
      },
    });
  } catch (error) {
    problems.push((error as Error).message);
  }
  const api = obj(raw.api);
  const authToken = str("api.authToken (env IC_MATCHER_API_TOKEN)", env.IC_MATCHER_API_TOKEN ?? api.authToken);
  if (authToken && authToken.length < 32) problems.push("api.authToken must be at least 32 characters");
  const tlsRaw = api.tls === undefined ? undefined : obj(api.tls);
  const apiTls =
    tlsRaw === undefined ? {} : { tls: { certPath: str("api.tls.certPath", tlsRaw.certPath), keyPath: str("api.tls.keyPath", tlsRaw.keyPath) } };
  const config: MatcherServiceConfig = {
    network: network as Bolt11Network,
    nodeKeyHex,
    preimageSeedHex,
    postgresUrl,
    dbSchema,
    deployment,
    kafka: {
      brokers,
      clientId: str("kafka.clientId", kafka.clientId, `${deployment}-invoice-matcher`),
      auth: auth.ok ? auth.value : { kind: "unauthenticated" },
    },
    topics,
    cluster,
    matcher: matcher!,
    // Lower bound checked below against lnd's timing, with a message that names it.
    minFinalCltvExpiryDelta: int("minFinalCltvExpiryDelta", raw.minFinalCltvExpiryDelta, 40, 1, 2016),
    defaultExpirySeconds: int("defaultExpirySeconds", raw.defaultExpirySeconds, 3600, 1, 365 * 24 * 3600),
    api: { listen: str("api.listen", env.IC_MATCHER_API_LISTEN ?? api.listen, "127.0.0.1:10200"), authToken, ...apiTls },
    metricsPort: int("metricsPort", env.IC_MATCHER_METRICS_PORT ?? raw.metricsPort, 0, 0, 65535),
    metricsHost: str("metricsHost", env.IC_MATCHER_METRICS_HOST ?? raw.metricsHost, "127.0.0.1"),
    tickIntervalMs: int("tickIntervalMs", raw.tickIntervalMs, 1000, 50, 60_000),
    outboxRetentionHours: int("outboxRetentionHours", raw.outboxRetentionHours, 168, 0, 87_600),
    consumer: {
      partitionsConcurrently: int("consumer.partitionsConcurrently", obj(raw.consumer).partitionsConcurrently, 3, 1, 64),
      keyConcurrency: int("consumer.keyConcurrency", obj(raw.consumer).keyConcurrency, 4, 1, 64),
      // Kafka's group.min.session.timeout.ms is 6 s by default: a shorter one is refused at join.
      sessionTimeoutMs: int("consumer.sessionTimeoutMs", obj(raw.consumer).sessionTimeoutMs, 10_000, 6_000, 300_000),
      heartbeatIntervalMs: int("consumer.heartbeatIntervalMs", obj(raw.consumer).heartbeatIntervalMs, 1_000, 100, 100_000),
    },
    postgresPoolSize: int("postgresPoolSize", raw.postgresPoolSize, 20, 2, 200),
    postgresTimeouts: {
      connectMs: int("postgresTimeouts.connectMs", obj(raw.postgresTimeouts).connectMs, DEFAULT_POSTGRES_TIMEOUTS.connectMs, 100, 600_000),
      statementMs: int("postgresTimeouts.statementMs", obj(raw.postgresTimeouts).statementMs, DEFAULT_POSTGRES_TIMEOUTS.statementMs, 100, 600_000),
      idleInTransactionMs: int("postgresTimeouts.idleInTransactionMs", obj(raw.postgresTimeouts).idleInTransactionMs, DEFAULT_POSTGRES_TIMEOUTS.idleInTransactionMs, 1_000, 3_600_000),
      idleMs: int("postgresTimeouts.idleMs", obj(raw.postgresTimeouts).idleMs, DEFAULT_POSTGRES_TIMEOUTS.idleMs, 1_000, 3_600_000),
    },
    groupId: deploymentGroups(deploymentProblem === undefined ? deployment : DEFAULT_DEPLOYMENT).matcher,
  };
  problems.push(...lndTimingProblems(config.minFinalCltvExpiryDelta, matcher));
  if (config.consumer.heartbeatIntervalMs * 3 > config.consumer.sessionTimeoutMs)
    problems.push(
      `consumer.heartbeatIntervalMs (${config.consumer.heartbeatIntervalMs}) must be at most a third of consumer.sessionTimeoutMs (${config.consumer.sessionTimeoutMs})`,
    );
  if (problems.length > 0) throw new ConfigError(`invalid matcher config:\n  - ${problems.join("\n  - ")}`);
  return config;
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
