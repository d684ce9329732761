// The bridge's configuration: a JSON file (path from --config or IC_BRIDGE_CONFIG) with
// per-field environment overrides IC_BRIDGE_<PATH> (lnd.grpcAddress -> IC_BRIDGE_LND_GRPC_ADDRESS;
// the scheme and the wording of every problem are @ic/service-config's, shared with the matcher).
// Everything is checked here, before any connection is made. Pure: the caller reads the file and
// hands over its parsed JSON and the environment.
import { configKafkaAuthSetting, DEFAULT_DEPLOYMENT, DEFAULT_SCHEMA_REGISTRY_URL, deploymentNameProblem, schemaRegistryUrlProblem, serviceKafkaAuth, serviceKafkaConfig, type KafkaAuthSetting, type ServiceKafkaConfig } from "@ic/event-log";
import { ok, err, type Result } from "@ic/lightning-protocol";
import {
  atLeast,
  configEnvironmentVariables as tableVariables,
  envNameFor as tableEnvName,
  hostPort,
  hostPortList,
  nonEmpty,
  oneOf,
  parseConfigTable,
  quote,
  type ConfigProblem,
  type ConfigTable,
  type FieldSpec,
} from "@ic/service-config";
import { parseLndVersion } from "./decisions/lnd-version.ts";

export const LND_NETWORKS = ["mainnet", "testnet", "testnet4", "signet", "simnet", "regtest"] as const;
export type LndNetwork = (typeof LND_NETWORKS)[number];

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface BridgeConfig {
  /** Names this bridge in logs, metrics and the Kafka client id. */
  nodeName: string;
  lnd: { grpcAddress: string; tlsCertPath: string; macaroonPath: string };
  /** The node's identity pubkey (33 bytes, lowercase hex): the bridge refuses any other node. */
  expectedPubkey: string;
  network: LndNetwork;
  /**
   * Every Kafka name derives from it: this node's topics <deployment>.htlc.{intercepted,outcomes,
   * commands}.v1.<pubkey> and its command group <deployment>.bridge.<pubkey>. Default "ic".
   */
  deployment: string;
  /** The login from a credentials file, or IC_BRIDGE_KAFKA_USERNAME / IC_BRIDGE_KAFKA_PASSWORD, or none when allowed explicitly (warned at start). */
  kafka: ServiceKafkaConfig;
  /** The schema registry's Confluent-compatible API: records are in its wire format; unreachable at start = no start. */
  schemaRegistryUrl: string;
  /** 0: no metrics endpoint. */
  metricsPort: number;
  metricsHost: string;
  minLndVersion: string;
  logLevel: LogLevel;
  /** Delays between interceptor / HTLC-event reconnects: doubling from initial, capped at max. */
  reconnect: { initialDelayMs: number; maxDelayMs: number };
  /** GetInfo poll interval for the block height put into HtlcIntercepted records. */
  blockHeightPollMs: number;
  /**
   * A BridgeStatus record (liveness, lnd's best block) goes to <deployment>.bridge.status.v1.<pubkey>
   * at start, on every new block and at least this often. Best effort: a failed one is not retried.
   */
  statusIntervalMs: number;
  /**
   * lnd's TLS cert and macaroon must be readable at start: a missing one is refused at once,
   * naming the file (containers, where they are mounted). false: start-up waits for lnd to write them.
   */
  lndFilesRequired: boolean;
  /** How long start-up waits for an unreachable or still-starting lnd before giving up; 0: as long as it takes. */
  lndStartupTimeoutMs: number;
  /** How long start-up waits for lnd to report synced_to_chain before running anyway (with a warning); 0: no wait. */
  lndSyncWaitMs: number;
  /**
   * Most HtlcIntercepted records (and, separately, FINAL outcomes) waiting for the event log while
   * Kafka is unreachable; a new HTLC for the virtual scid that meets a full backlog is failed back.
   */
  publishBacklogLimit: number;
  /** A backlog HTLC this many blocks before its auto-fail height is failed back (>= 1: never racing lnd's own). */
  backlogAutoFailMarginBlocks: number;
  /**
   * At start the bridge reads this node's SETTLE commands back from the commands topic to ask
   * lnd for final resolutions it may have missed. 0: the whole topic; N: only records of the
   * last N hours (see README, "Final resolutions after a restart").
   */
  settleRecoveryLookbackHours: number;
}

/** The same shape with every defaulted field optional: what a file or a test gives. */
export type BridgeConfigInput = {
  nodeName: string;
  lnd: BridgeConfig["lnd"];
  expectedPubkey: string;
  network: LndNetwork;
  deployment?: string;
  kafka: Pick<BridgeConfig["kafka"], "brokers"> & Partial<Omit<BridgeConfig["kafka"], "brokers">>;
  reconnect?: Partial<BridgeConfig["reconnect"]>;
} & Partial<
  Pick<
    BridgeConfig,
    | "schemaRegistryUrl"
    | "metricsPort"
    | "metricsHost"
    | "minLndVersion"
    | "logLevel"
    | "blockHeightPollMs"
    | "statusIntervalMs"
    | "lndFilesRequired"
    | "lndStartupTimeoutMs"
    | "lndSyncWaitMs"
    | "publishBacklogLimit"
    | "backlogAutoFailMarginBlocks"
    | "settleRecoveryLookbackHours"
  >
>;

export type { ConfigProblem };

export class BridgeConfigError extends Error {
  override readonly name = "BridgeConfigError";
  constructor(readonly problems: readonly ConfigProblem[]) {
    super(`invalid interceptor-bridge configuration:\n${problems.map((p) => `  - ${p.message}`).join("\n")}`);
  }
}

const FIELDS: readonly FieldSpec[] = [
  {
    path: "nodeName",
    kind: "string",
    check: (value: string) =>
      /^[A-Za-z0-9._-]{1,64}$/.test(value) ? undefined : `must be 1-64 chars of [A-Za-z0-9._-], got ${quote(value)}`,
  },
  { path: "lnd.grpcAddress", kind: "string", check: hostPort },
  { path: "lnd.tlsCertPath", kind: "string", check: nonEmpty },
  { path: "lnd.macaroonPath", kind: "string", check: nonEmpty },
  {
    path: "expectedPubkey",
    kind: "string",
    check: (value: string) =>
      /^0[23][0-9a-fA-F]{64}$/.test(value)
        ? undefined
        : `must be the node's 33-byte compressed pubkey as 66 hex chars (lncli getinfo: identity_pubkey), got ${quote(value)}`,
  },
  { path: "network", kind: "string", check: oneOf(LND_NETWORKS) },
  { path: "deployment", kind: "string", default: DEFAULT_DEPLOYMENT, check: (value: string) => deploymentNameProblem(value) },
  { path: "kafka.brokers", kind: "list", check: hostPortList },
  {
    path: "kafka.clientId",
    kind: "string",
    default: (v) => `${String(v["deployment"] ?? DEFAULT_DEPLOYMENT)}-bridge-${String(v["nodeName"])}`,
    check: nonEmpty,
  },
  { path: "kafka.credentialsFile", kind: "string", default: "" },
  // Values of these two are never quoted in messages (only their kind is checked).
  { path: "kafka.username", kind: "string", default: "" },
  { path: "kafka.password", kind: "string", default: "" },
  { path: "kafka.allowUnauthenticated", kind: "boolean", default: false },
  { path: "schemaRegistryUrl", kind: "string", default: DEFAULT_SCHEMA_REGISTRY_URL, check: schemaRegistryUrlProblem },
  {
    path: "metricsPort",
    kind: "int",
    default: 0,
    check: (value: number) =>
      value >= 0 && value <= 65535 ? undefined : `must be a port 1-65535, or 0 for no metrics endpoint, got ${value}`,
  },
  { path: "metricsHost", kind: "string", default: "0.0.0.0", check: nonEmpty },
  {
    path: "minLndVersion",
    kind: "string",
    default: "0.19.3",
    check: (value: string) =>
      parseLndVersion(value) === undefined ? `must be an lnd version like "0.19.3", got ${quote(value)}` : undefined,
  },
  { path: "logLevel", kind: "string", default: "info", check: oneOf(LOG_LEVELS) },
  { path: "reconnect.initialDelayMs", kind: "int", default: 100, check: atLeast(1) },
  {
    path: "reconnect.maxDelayMs",
    kind: "int",
    default: 5000,
    check: (value: number, values) => {
      const initial = values["reconnect.initialDelayMs"];
      return typeof initial === "number" && value < initial
        ? `must be at least reconnect.initialDelayMs (${initial}), got ${value}`
        : undefined;
    },
  },
  { path: "blockHeightPollMs", kind: "int", default: 5000, check: atLeast(1) },
  { path: "statusIntervalMs", kind: "int", default: 10_000, check: atLeast(100) },
  { path: "lndFilesRequired", kind: "boolean", default: false },
  { path: "lndStartupTimeoutMs", kind: "int", default: 0, check: atLeast(0) },
  { path: "lndSyncWaitMs", kind: "int", default: 300_000, check: atLeast(0) },
  { path: "publishBacklogLimit", kind: "int", default: 1000, check: atLeast(1) },
  { path: "backlogAutoFailMarginBlocks", kind: "int", default: 3, check: atLeast(1) },
  { path: "settleRecoveryLookbackHours", kind: "number", default: 0, check: atLeast(0) },
];

// Fields of earlier versions, with what replaced them.
const REMOVED_FIELDS: Readonly<Record<string, string>> = {
  topics: 'topic names derive from "deployment" now (<deployment>.htlc.*.v1.<pubkey>)',
  "kafka.createTopics": "topics are created by the provisioning CLI (packages/event-log/src/provisioning/main.ts), not by the bridge",
  "kafka.topicPartitions": "partitions are set by the provisioning CLI (--partitions)",
};

/** Every field of the bridge's config, its variable, default and check (the README lists them all). */
export const BRIDGE_CONFIG_TABLE: ConfigTable = {
  envPrefix: "IC_BRIDGE",
  fields: FIELDS,
  removed: REMOVED_FIELDS,
  unknownFields: "refuse",
};

/** IC_BRIDGE_LND_GRPC_ADDRESS for lnd.grpcAddress. */
export function envNameFor(path: string): string {
  return tableEnvName(BRIDGE_CONFIG_TABLE.envPrefix, path);
}

/** Every override variable with its field, for --help and the README. */
export function configEnvironmentVariables(): { name: string; field: string }[] {
  return tableVariables(BRIDGE_CONFIG_TABLE);
}

/**
 * Validates a config file's parsed JSON (undefined when there is no file) merged with the
 * IC_BRIDGE_* overrides in env, and fills in the defaults.
 */
export function parseBridgeConfig(
  file: unknown,
  env: Readonly<Record<string, string | undefined>> = {},
): Result<BridgeConfig, ConfigProblem[]> {
  const parsed = parseConfigTable(BRIDGE_CONFIG_TABLE, file, env);
  if (!parsed.ok) return err(parsed.error);
  const values = parsed.value;
  const get = <T>(path: string): T => values[path] as T;
  const kafka = serviceKafkaConfig(values);
  const auth = configKafkaAuthSetting(kafka, BRIDGE_CONFIG_TABLE.envPrefix);
  if (!auth.ok) return err([{ field: "kafka.credentialsFile", message: auth.problem }]);
  return ok({
    nodeName: get("nodeName"),
    lnd: {
      grpcAddress: get("lnd.grpcAddress"),
      tlsCertPath: get("lnd.tlsCertPath"),
      macaroonPath: get("lnd.macaroonPath"),
    },
    expectedPubkey: get<string>("expectedPubkey").toLowerCase(),
    network: get("network"),
    deployment: get("deployment"),
    kafka,
    schemaRegistryUrl: get("schemaRegistryUrl"),
    metricsPort: get("metricsPort"),
    metricsHost: get("metricsHost"),
    minLndVersion: get("minLndVersion"),
    logLevel: get("logLevel"),
    reconnect: { initialDelayMs: get("reconnect.initialDelayMs"), maxDelayMs: get("reconnect.maxDelayMs") },
    blockHeightPollMs: get("blockHeightPollMs"),
    statusIntervalMs: get("statusIntervalMs"),
    lndFilesRequired: get("lndFilesRequired"),
    lndStartupTimeoutMs: get("lndStartupTimeoutMs"),
    lndSyncWaitMs: get("lndSyncWaitMs"),
    publishBacklogLimit: get("publishBacklogLimit"),
    backlogAutoFailMarginBlocks: get("backlogAutoFailMarginBlocks"),
    settleRecoveryLookbackHours: get("settleRecoveryLookbackHours"),
  });
}

/** How the bridge authenticates to Kafka (parseBridgeConfig made sure there is a way). */
export function bridgeKafkaAuth(config: BridgeConfig): KafkaAuthSetting {
  return serviceKafkaAuth(config.kafka);
}

/** parseBridgeConfig for configs built in code: throws BridgeConfigError instead of returning problems. */
export function bridgeConfig(input: BridgeConfigInput | BridgeConfig): BridgeConfig {
  const parsed = parseBridgeConfig(input);
  if (!parsed.ok) throw new BridgeConfigError(parsed.error);
  return parsed.value;
}
