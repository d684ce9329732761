// The relay's configuration: a JSON file (path from --config or IC_WEBHOOK_CONFIG) with
// per-field environment overrides IC_WEBHOOK_<PATH> (camelCase segments in SCREAMING_SNAKE joined
// by "_": delivery.timeoutMs -> IC_WEBHOOK_DELIVERY_TIMEOUT_MS; lists comma-separated) and the
// endpoint list from the file's "endpoints" or IC_WEBHOOK_ENDPOINTS (a JSON array). Every problem
// names its field and where the value came from, all of them in one pass. Pure: the caller reads
// the files (config-source.ts) and hands over the parsed JSON and the environment.
//
// Secrets: an endpoint's HMAC secret comes from the environment (IC_WEBHOOK_SECRET_<NAME>) or a
// mounted file ("secretFile"), never from the config file itself, and is never quoted in a message.
import {
  DEFAULT_DEPLOYMENT,
  deploymentGroups,
  deploymentNameProblem,
  kafkaAuthSetting,
  type KafkaAuthSetting,
} from "@ic/event-log";

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export type Result<T, E> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: E };

export interface ConfigProblem {
  /** Dotted field path, e.g. "delivery.timeoutMs" or "endpoints[1].url". */
  readonly field: string;
  readonly message: string;
}

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
  readonly kafka: {
    readonly brokers: readonly string[];
    readonly clientId: string;
    readonly credentialsFile: string;
    readonly username: string;
    readonly password: string;
    readonly allowUnauthenticated: boolean;
  };
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

type Kind = "string" | "int" | "boolean" | "list";

interface FieldSpec {
  readonly path: string;
  readonly kind: Kind;
  /** undefined: required; a function: computed from the fields before it. */
  readonly default?: string | number | boolean | ((values: Record<string, unknown>) => unknown);
  readonly check?: (value: never, values: Record<string, unknown>) => string | undefined;
}

const HOST_PORT = /^(?:[^\s:[\]]+|\[[0-9a-fA-F:]+\]):(\d{1,5})$/;
const quote = (value: string): string => JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
const hostPort = (value: string): string | undefined => {
  const port = Number(HOST_PORT.exec(value)?.[1]);
  return port >= 1 && port <= 65535 ? undefined : `must be "host:port" (port 1-65535), got ${quote(value)}`;
};
const between =
  (min: number, max: number) =>
  (value: number): string | undefined =>
    value >= min && value <= max ? undefined : `must be ${min}-${max}, got ${value}`;
const oneOf =
  (values: readonly string[]) =>
  (value: string): string | undefined =>
    values.includes(value) ? undefined : `must be one of ${values.join(", ")}, got ${quote(value)}`;
const deploymentOf = (values: Record<string, unknown>): string =>
  String(values["deployment"] ?? DEFAULT_DEPLOYMENT);

const FIELDS: readonly FieldSpec[] = [
  {
    path: "deployment",
    kind: "string",
    default: DEFAULT_DEPLOYMENT,
    check: (value: string) => deploymentNameProblem(value),
  },
  {
    path: "kafka.brokers",
    kind: "list",
    check: (value: string[]) => {
      if (value.length === 0) return "must list at least one broker";
      const bad = value.find((broker) => hostPort(broker) !== undefined);
      return bad === undefined ? undefined : `every broker must be "host:port", got ${quote(bad)}`;
    },
  },
  { path: "kafka.clientId", kind: "string", default: (v) => `${deploymentOf(v)}-webhook-relay` },
  { path: "kafka.credentialsFile", kind: "string", default: "" },
  // Values of these two are never quoted in messages.
  { path: "kafka.username", kind: "string", default: "" },
  { path: "kafka.password", kind: "string", default: "" },
  { path: "kafka.allowUnauthenticated", kind: "boolean", default: false },
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
  { path: "sessionTimeoutMs", kind: "int", default: 10_000, check: between(6000, 300_000) },
  { path: "delivery.timeoutMs", kind: "int", default: 10_000, check: between(10, 600_000) },
  { path: "delivery.maxAttempts", kind: "int", default: 8, check: between(1, 1000) },
  { path: "delivery.initialBackoffMs", kind: "int", default: 1000, check: between(1, 3_600_000) },
  {
    path: "delivery.maxBackoffMs",
    kind: "int",
    default: 60_000,
    check: (value: number, v) => {
      const initial = v["delivery.initialBackoffMs"];
      if (typeof initial === "number" && value < initial)
        return `must be at least delivery.initialBackoffMs (${initial}), got ${value}`;
      return between(1, 3_600_000)(value);
    },
  },
  { path: "delivery.invoiceConcurrency", kind: "int", default: 16, check: between(1, 1000) },
  { path: "delivery.partitionConcurrency", kind: "int", default: 3, check: between(1, 1000) },
  { path: "metricsPort", kind: "int", default: 0, check: between(0, 65535) },
  {
    path: "metricsHost",
    kind: "string",
    default: "0.0.0.0",
    check: (value: string) => (value.trim() === "" ? "must not be empty" : undefined),
  },
  { path: "logLevel", kind: "string", default: "info", check: oneOf(LOG_LEVELS) },
];

const ENDPOINT_FIELDS = new Set(["name", "url", "secretFile", "timeoutMs", "maxAttempts", "caFile"]);

/** IC_WEBHOOK_DELIVERY_TIMEOUT_MS for delivery.timeoutMs. */
export function envNameFor(path: string): string {
  return `IC_WEBHOOK_${path
    .split(".")
    .map((segment) => segment.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase())
    .join("_")}`;
}

/** IC_WEBHOOK_SECRET_ORDERS_API for the endpoint named orders-api. */
export function secretEnvNameFor(endpointName: string): string {
  return `IC_WEBHOOK_SECRET_${endpointName.toUpperCase().replace(/-/g, "_")}`;
}

export const ENDPOINTS_ENV = "IC_WEBHOOK_ENDPOINTS";

/** Every override variable with its field, for --help and the README. */
export function configEnvironmentVariables(): { name: string; field: string }[] {
  return [
    ...FIELDS.map((spec) => ({ name: envNameFor(spec.path), field: spec.path })),
    { name: ENDPOINTS_ENV, field: "endpoints (a JSON array)" },
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
  if (file !== undefined && !isPlainObject(file))
    return { ok: false, error: [{ field: "", message: "the config file must hold a JSON object" }] };
  const fileObject: Record<string, unknown> = file ?? {};
  const problems: ConfigProblem[] = [...unknownFields(fileObject)];
  const values: Record<string, unknown> = {};
  for (const spec of FIELDS) {
    const envName = envNameFor(spec.path);
    const envText = env[envName];
    const fromEnv = envText !== undefined && envText !== "";
    const raw = fromEnv ? fromEnvText(spec.kind, envText) : valueAt(fileObject, spec.path);
    const secretField = spec.path === "kafka.password" || spec.path === "kafka.username";
    const problem = (message: string) =>
      problems.push({
        field: spec.path,
        message: fromEnv
          ? `${spec.path} (from ${envName}): ${message}`
          : `config field "${spec.path}": ${message}`,
      });
    if (raw === undefined) {
      if (spec.default === undefined) {
        problems.push({
          field: spec.path,
          message: `config field "${spec.path}" is required (set it in the config file or ${envName})`,
        });
        continue;
      }
      values[spec.path] = typeof spec.default === "function" ? spec.default(values) : spec.default;
      continue;
    }
    const typed = ofKind(spec.kind, raw);
    if (typed === undefined) {
      problem(`must be ${KIND_NAMES[spec.kind]}${secretField ? "" : `, got ${describe(raw)}`}`);
      continue;
    }
    const complaint = spec.check?.(typed as never, values);
    if (complaint !== undefined) {
      problem(complaint);
      continue;
    }
    values[spec.path] = typed;
  }

  const endpoints = parseEndpoints(fileObject, env, values, problems);
  const get = <T>(path: string): T => values[path] as T;
  // Checked whenever the four fields are well-typed, so it is listed with the other problems.
  const authFields = [
    "kafka.credentialsFile",
    "kafka.username",
    "kafka.password",
    "kafka.allowUnauthenticated",
  ];
  const auth = authFields.every((field) => field in values)
    ? relayKafkaAuthFrom(
        get("kafka.credentialsFile"),
        get("kafka.username"),
        get("kafka.password"),
        get("kafka.allowUnauthenticated"),
        true,
      )
    : undefined;
  if (auth !== undefined && !auth.ok)
    problems.push({ field: "kafka.credentialsFile", message: auth.problem });
  if (problems.length > 0) return { ok: false, error: problems };
  return {
    ok: true,
    value: {
      deployment: get("deployment"),
      kafka: {
        brokers: get("kafka.brokers"),
        clientId: get("kafka.clientId"),
        credentialsFile: get("kafka.credentialsFile"),
        username: get("kafka.username"),
        password: get("kafka.password"),
        allowUnauthenticated: get("kafka.allowUnauthenticated"),
      },
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
  fileObject: Record<string, unknown>,
  env: Readonly<Record<string, string | undefined>>,
  values: Record<string, unknown>,
  problems: ConfigProblem[],
): EndpointConfig[] {
  let raw: unknown = fileObject["endpoints"];
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
    const timeoutMs = int("timeoutMs", values["delivery.timeoutMs"], 10, 600_000);
    const maxAttempts = int("maxAttempts", values["delivery.maxAttempts"], 1, 1000);
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
  const auth = relayKafkaAuthFrom(
    config.kafka.credentialsFile,
    config.kafka.username,
    config.kafka.password,
    config.kafka.allowUnauthenticated,
    false,
  );
  if (!auth.ok) throw new Error(auth.problem);
  return auth.value;
}

function relayKafkaAuthFrom(
  file: string,
  username: string,
  password: string,
  allowUnauthenticated: boolean,
  envNames: boolean,
) {
  return kafkaAuthSetting({
    credentialsFile: file,
    username,
    password,
    allowUnauthenticated,
    names: envNames
      ? {
          file: `kafka.credentialsFile (or ${envNameFor("kafka.credentialsFile")})`,
          username: envNameFor("kafka.username"),
          password: envNameFor("kafka.password"),
          allowUnauthenticated: "kafka.allowUnauthenticated",
        }
      : { file: "kafka.credentialsFile", username: "kafka.username", password: "kafka.password" },
  });
}

const KIND_NAMES: Record<Kind, string> = {
  string: "a string",
  int: "an integer",
  boolean: "true or false",
  list: "a list of strings",
};

function fromEnvText(kind: Kind, text: string): unknown {
  switch (kind) {
    case "string":
      return text;
    case "int":
      return /^-?\d+$/.test(text.trim()) ? Number(text) : text;
    case "boolean":
      return text === "true" ? true : text === "false" ? false : text;
    case "list":
      return text
        .split(",")
        .map((item) => item.trim())
        .filter((item) => item.length > 0);
  }
}

function ofKind(kind: Kind, value: unknown): unknown {
  switch (kind) {
    case "string":
      return typeof value === "string" ? value : undefined;
    case "int":
      return Number.isSafeInteger(value) ? value : undefined;
    case "boolean":
      return typeof value === "boolean" ? value : undefined;
    case "list":
      return Array.isArray(value) && value.every((item) => typeof item === "string") ? value : undefined;
  }
}

function valueAt(object: Record<string, unknown>, path: string): unknown {
  let current: unknown = object;
  for (const segment of path.split(".")) {
    if (!isPlainObject(current)) return undefined;
    current = current[segment];
  }
  return current;
}

// A misspelt key would otherwise be ignored silently and its default used.
function unknownFields(file: Record<string, unknown>): ConfigProblem[] {
  const known = new Set([...FIELDS.map((spec) => spec.path), "endpoints"]);
  const groups = new Set(
    FIELDS.filter((spec) => spec.path.includes(".")).map((spec) => spec.path.split(".")[0] as string),
  );
  const problems: ConfigProblem[] = [];
  for (const [key, value] of Object.entries(file)) {
    if (groups.has(key) && isPlainObject(value)) {
      for (const inner of Object.keys(value)) {
        if (!known.has(`${key}.${inner}`))
          problems.push({
            field: `${key}.${inner}`,
            message: `config field "${key}.${inner}" is not a known field`,
          });
      }
    } else if (!known.has(key))
      problems.push({ field: key, message: `config field "${key}" is not a known field` });
  }
  return problems;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  if (typeof value === "string") return quote(value);
  return JSON.stringify(value)?.slice(0, 80) ?? String(value);
}
