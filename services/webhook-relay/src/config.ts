// The relay's configuration: a JSON file (path from --config or IC_WEBHOOK_CONFIG) with one
// environment variable per field, IC_WEBHOOK_<PATH> (delivery.timeoutMs ->
// IC_WEBHOOK_DELIVERY_TIMEOUT_MS; lists comma-separated), read and checked by @ic/service-config
// like every service's, and the endpoint list from the file's "endpoints" or IC_WEBHOOK_ENDPOINTS
// (a JSON array), checked here endpoint by endpoint. Every problem names its field and where the
// value came from, all of them in one pass. Pure: the caller reads the files (config-source.ts)
// and hands over the parsed JSON and the environment.
//
// Secrets: an endpoint's HMAC secret comes from the environment (IC_WEBHOOK_SECRET_<NAME>) or a
// mounted file ("secretFile"), never from the config file itself, and is never quoted in a message.
import {
  configKafkaAuthSetting,
  DEFAULT_DEPLOYMENT,
  DEFAULT_SCHEMA_REGISTRY_URL,
  schemaRegistryUrlProblem,
  deploymentGroups,
  deploymentNameProblem,
  serviceKafkaAuth,
  serviceKafkaConfig,
  type KafkaAuthSetting,
  type ServiceKafkaConfig,
} from "@ic/event-log";
import {
  configEnvironmentVariables as tableEnvironmentVariables,
  envNameFor as tableEnvNameFor,
  hostPortList,
  inRange,
  nonEmpty,
  oneOf,
  readConfigTable,
  quote,
  type ConfigProblem,
  type ConfigTable,
  type ConfigValues,
} from "@ic/service-config";

export type { ConfigProblem };

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export type Result<T, E> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: E };

/** Where an endpoint's secret is: read by config-source.ts (files) before the relay starts. */
export type SecretSource =
  | { readonly kind: "env"; readonly name: string; readonly value: string }
  | { readonly kind: "file"; readonly path: string };

export interface EndpointConfig {
  /** Names the endpoint in logs, metrics and dead letters; [a-z0-9-], unique. */
  readonly name: string;
  readonly url: string;
  readonly secret: SecretSource;
  /** Per-request timeout; default delivery.timeoutMs. */
  readonly timeoutMs: number;
  /** Tries before dead-lettering; default delivery.maxAttempts. */
  readonly maxAttempts: number;
  /** PEM file of the CA that signed an https endpoint's certificate (a private CA); "" the system's CAs. */
  readonly caFile: string;
}

export interface RelayConfig {
  /** Topics and groups derive from it: reads <deployment>.invoice.events.v1, dead letters to <deployment>.webhook.dead-letters.v1. */
  readonly deployment: string;
  readonly kafka: ServiceKafkaConfig;
  /** The schema registry's Confluent-compatible API; unreachable at start = no start. */
  readonly schemaRegistryUrl: string;
  /** Consumer group; must start with <deployment>.webhook-relay (the relay principal's ACL). */
  readonly groupId: string;
  /** Where a group without committed offsets starts: "latest" (new events only) or "earliest" (the whole topic). */
  readonly startFrom: "earliest" | "latest";
  /**
   * How long the group waits for a relay that stopped heartbeating (killed) before its partitions
   * go to another member or to the restarted one; the relay heartbeats every third of it, also
   * while a POST or a backoff is in progress.
   */
  readonly sessionTimeoutMs: number;
  readonly delivery: {
    readonly timeoutMs: number;
    readonly maxAttempts: number;
    readonly initialBackoffMs: number;
    readonly maxBackoffMs: number;
    /** Invoices delivered side by side within one partition's batch (one invoice's events always in order). */
    readonly invoiceConcurrency: number;
    /** Partitions handled side by side. */
    readonly partitionConcurrency: number;
  };
  readonly endpoints: readonly EndpointConfig[];
  /** 0: no HTTP endpoint for /metrics, /healthz, /readyz. */
  readonly metricsPort: number;
  readonly metricsHost: string;
  readonly logLevel: LogLevel;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_ATTEMPTS = 8;
const deploymentOf = (values: ConfigValues): string => String(values["deployment"] ?? DEFAULT_DEPLOYMENT);

/** The relay's fields, read and checked by @ic/service-config. */
export const RELAY_CONFIG_TABLE: ConfigTable = {
  envPrefix: "IC_WEBHOOK",
  unknownFields: "refuse",
  fields: [
    {
      path: "deployment",
      kind: "string",
      default: DEFAULT_DEPLOYMENT,
      check: (value: string) => deploymentNameProblem(value),
    },
    { path: "kafka.brokers", kind: "list", check: hostPortList },
    {
      path: "kafka.clientId",
      kind: "string",
      default: (v) => `${deploymentOf(v)}-webhook-relay`,
      check: nonEmpty,
    },
    { path: "kafka.credentialsFile", kind: "string", default: "" },
    { path: "kafka.username", kind: "string", default: "", secret: true },
    { path: "kafka.password", kind: "string", default: "", secret: true },
    { path: "kafka.allowUnauthenticated", kind: "boolean", default: false },
    { path: "schemaRegistryUrl", kind: "string", default: DEFAULT_SCHEMA_REGISTRY_URL, check: schemaRegistryUrlProblem },
    {
      path: "groupId",
      kind: "string",
      default: (v) => deploymentGroups(deploymentOf(v)).webhookRelay,
      check: (value: string, v) => {
        const prefix = deploymentGroups(deploymentOf(v)).webhookRelay;
        return value.startsWith(prefix)
          ? undefined
          : `must start with ${prefix} (the relay principal may read only groups with that prefix), got ${quote(value)}`;
      },
    },
    { path: "startFrom", kind: "string", default: "latest", check: oneOf(["earliest", "latest"]) },
    { path: "sessionTimeoutMs", kind: "int", default: 10_000, check: inRange(6000, 300_000) },
    { path: "delivery.timeoutMs", kind: "int", default: DEFAULT_TIMEOUT_MS, check: inRange(10, 600_000) },
    { path: "delivery.maxAttempts", kind: "int", default: DEFAULT_MAX_ATTEMPTS, check: inRange(1, 1000) },
    { path: "delivery.initialBackoffMs", kind: "int", default: 1000, check: inRange(1, 3_600_000) },
    {
      path: "delivery.maxBackoffMs",
      kind: "int",
      default: 60_000,
      check: (value: number, v) => {
        const initial = v["delivery.initialBackoffMs"];
        if (typeof initial === "number" && value < initial)
          return `must be at least delivery.initialBackoffMs (${initial}), got ${value}`;
        return inRange(1, 3_600_000)(value);
      },
    },
    { path: "delivery.invoiceConcurrency", kind: "int", default: 16, check: inRange(1, 1000) },
    { path: "delivery.partitionConcurrency", kind: "int", default: 3, check: inRange(1, 1000) },
    // Checked endpoint by endpoint in parseEndpoints (each problem with its index); never quoted whole (URLs).
    { path: "endpoints", kind: "json", optional: true, secret: true },
    { path: "metricsPort", kind: "int", default: 0, check: inRange(0, 65535) },
    { path: "metricsHost", kind: "string", default: "0.0.0.0", check: nonEmpty },
    { path: "logLevel", kind: "string", default: "info", check: oneOf(LOG_LEVELS) },
  ],
};

const ENDPOINT_FIELDS = new Set(["name", "url", "secretFile", "timeoutMs", "maxAttempts", "caFile"]);

/** IC_WEBHOOK_DELIVERY_TIMEOUT_MS for delivery.timeoutMs. */
export function envNameFor(path: string): string {
  return tableEnvNameFor(RELAY_CONFIG_TABLE.envPrefix, path);
}

/** IC_WEBHOOK_SECRET_ORDERS_API for the endpoint named orders-api. */
export function secretEnvNameFor(endpointName: string): string {
  return `IC_WEBHOOK_SECRET_${endpointName.toUpperCase().replace(/-/g, "_")}`;
}

export const ENDPOINTS_ENV = "IC_WEBHOOK_ENDPOINTS";

/** Every override variable with its field, for --help and the README. */
export function configEnvironmentVariables(): { name: string; field: string }[] {
  return [
    ...tableEnvironmentVariables(RELAY_CONFIG_TABLE),
    {
      name: secretEnvNameFor("<name>"),
      field: "endpoints[].secret of the endpoint <name> (or its secretFile)",
    },
  ];
}

/** A secret shorter than this is refused (an HMAC key a receiver can guess protects nothing). */
export const MIN_SECRET_LENGTH = 16;

export function parseRelayConfig(
  file: unknown,
  env: Readonly<Record<string, string | undefined>> = {},
): Result<RelayConfig, ConfigProblem[]> {
  const table = readConfigTable(RELAY_CONFIG_TABLE, file, env);
  if (table.problems.some((p) => p.field === "")) return { ok: false, error: table.problems };
  const values: ConfigValues = table.values;
  const problems: ConfigProblem[] = [...table.problems];
  // The endpoints are read even when other fields are wrong, so every problem is listed at once.
  const endpoints = parseEndpoints(file, env, values, problems);
  const get = <T>(path: string): T => values[path] as T;
  // Checked whenever the four fields are well-typed, so it is listed with the other problems.
  const authFields = [
    "kafka.credentialsFile",
    "kafka.username",
    "kafka.password",
    "kafka.allowUnauthenticated",
  ];
  const auth = authFields.every((field) => field in values)
    ? configKafkaAuthSetting(serviceKafkaConfig(values), RELAY_CONFIG_TABLE.envPrefix)
    : undefined;
  if (auth !== undefined && !auth.ok)
    problems.push({ field: "kafka.credentialsFile", message: auth.problem });
  if (problems.length > 0) return { ok: false, error: problems };
  return {
    ok: true,
    value: {
      deployment: get("deployment"),
      kafka: serviceKafkaConfig(values),
      schemaRegistryUrl: get("schemaRegistryUrl"),
      groupId: get("groupId"),
      startFrom: get("startFrom"),
      sessionTimeoutMs: get("sessionTimeoutMs"),
      delivery: {
        timeoutMs: get("delivery.timeoutMs"),
        maxAttempts: get("delivery.maxAttempts"),
        initialBackoffMs: get("delivery.initialBackoffMs"),
        maxBackoffMs: get("delivery.maxBackoffMs"),
        invoiceConcurrency: get("delivery.invoiceConcurrency"),
        partitionConcurrency: get("delivery.partitionConcurrency"),
      },
      endpoints,
      metricsPort: get("metricsPort"),
      metricsHost: get("metricsHost"),
      logLevel: get("logLevel"),
    },
  };
}

function parseEndpoints(
  file: unknown,
  env: Readonly<Record<string, string | undefined>>,
  values: ConfigValues,
  problems: ConfigProblem[],
): EndpointConfig[] {
  // Not JSON at all: the table said so already.
  if (problems.some((p) => p.field === "endpoints")) return [];
  let raw: unknown = isPlainObject(file) ? file["endpoints"] : undefined;
  let source = 'config field "endpoints"';
  const envText = env[ENDPOINTS_ENV];
  if (envText !== undefined && envText !== "") {
    source = ENDPOINTS_ENV;
    try {
      raw = JSON.parse(envText);
    } catch {
      problems.push({ field: "endpoints", message: `${ENDPOINTS_ENV} must be a JSON array of endpoints` });
      return [];
    }
  }
  if (raw === undefined) {
    problems.push({
      field: "endpoints",
      message: `config field "endpoints" is required: a list of {"name","url"} (in the config file or ${ENDPOINTS_ENV})`,
    });
    return [];
  }
  if (!Array.isArray(raw) || raw.length === 0) {
    problems.push({ field: "endpoints", message: `${source} must be a non-empty list of endpoints` });
    return [];
  }
  const endpoints: EndpointConfig[] = [];
  const names = new Set<string>();
  raw.forEach((item: unknown, index) => {
    const at = `endpoints[${index}]`;
    const add = (field: string, message: string) =>
      problems.push({
        field: `${at}.${field}`.replace(/\.$/, ""),
        message: `${source}: ${at}${field === "" ? "" : `.${field}`} ${message}`,
      });
    if (!isPlainObject(item))
      return add("", "must be an object {name, url, secretFile?, timeoutMs?, maxAttempts?, caFile?}");
    for (const key of Object.keys(item)) {
      if (key === "secret")
        add(
          "secret",
          `must not be in the config: give the secret in ${secretEnvNameFor(String(item["name"] ?? "<name>"))} or a mounted file named by "secretFile"`,
        );
      else if (!ENDPOINT_FIELDS.has(key))
        add(key, `is not a known field (known: ${[...ENDPOINT_FIELDS].join(", ")})`);
    }
    const name = item["name"];
    const nameOk = typeof name === "string" && /^[a-z0-9][a-z0-9-]{0,63}$/.test(name);
    if (!nameOk) add("name", `must be 1-64 characters of [a-z0-9-], got ${describe(name)}`);
    else if (names.has(name)) add("name", `${quote(name)} is listed twice`);
    else names.add(name);

    const url = item["url"];
    let urlOk = false;
    if (typeof url !== "string") add("url", `must be an http:// or https:// URL, got ${describe(url)}`);
    else {
      let parsed: URL | undefined;
      try {
        parsed = new URL(url);
      } catch {
        parsed = undefined;
      }
      if (parsed === undefined || (parsed.protocol !== "http:" && parsed.protocol !== "https:"))
        add("url", `must be an http:// or https:// URL, got ${quote(url)}`);
      else if (parsed.username !== "" || parsed.password !== "")
        add("url", "must not carry credentials (user:password@): the signature authenticates the relay");
      else urlOk = true;
    }

    const int = (field: string, fallback: unknown, min: number, max: number): number | undefined => {
      const value = item[field];
      if (value === undefined) return fallback as number;
      if (!Number.isSafeInteger(value) || (value as number) < min || (value as number) > max) {
        add(field, `must be an integer ${min}-${max}, got ${describe(value)}`);
        return undefined;
      }
      return value as number;
    };
    const timeoutMs = int("timeoutMs", values["delivery.timeoutMs"] ?? DEFAULT_TIMEOUT_MS, 10, 600_000);
    const maxAttempts = int("maxAttempts", values["delivery.maxAttempts"] ?? DEFAULT_MAX_ATTEMPTS, 1, 1000);
    const caFile = item["caFile"] ?? "";
    if (typeof caFile !== "string") add("caFile", `must be a file path, got ${describe(caFile)}`);
    else if (caFile !== "" && typeof url === "string" && !url.startsWith("https:"))
      add("caFile", "is only for https:// URLs");

    let secret: SecretSource | undefined;
    if (nameOk) {
      const envName = secretEnvNameFor(name);
      const fromEnv = env[envName];
      const secretFile = item["secretFile"];
      if (secretFile !== undefined && (typeof secretFile !== "string" || secretFile === ""))
        add("secretFile", `must be a file path, got ${describe(secretFile)}`);
      else if (fromEnv !== undefined && fromEnv !== "" && secretFile !== undefined)
        add("secretFile", `and ${envName} are both set: give the secret one way`);
      else if (fromEnv !== undefined && fromEnv !== "") {
        if (fromEnv.length < MIN_SECRET_LENGTH)
          problems.push({
            field: `${at}.secret`,
            message: `${envName} must be at least ${MIN_SECRET_LENGTH} characters`,
          });
        else secret = { kind: "env", name: envName, value: fromEnv };
      } else if (typeof secretFile === "string") secret = { kind: "file", path: secretFile };
      else
        problems.push({
          field: `${at}.secret`,
          message: `endpoint ${name} has no secret: set ${envName} or "secretFile" (a mounted file holding it)`,
        });
    }
    if (
      nameOk &&
      urlOk &&
      secret !== undefined &&
      timeoutMs !== undefined &&
      maxAttempts !== undefined &&
      typeof caFile === "string"
    ) {
      endpoints.push({ name, url: url as string, secret, timeoutMs, maxAttempts, caFile });
    }
  });
  return endpoints;
}

/** How the relay authenticates to Kafka. */
export function relayKafkaAuth(config: RelayConfig): KafkaAuthSetting {
  return serviceKafkaAuth(config.kafka);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  if (typeof value === "string") return quote(value);
  return JSON.stringify(value)?.slice(0, 80) ?? String(value);
}
