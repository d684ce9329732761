// The console's configuration: a JSON file (--config <path> or IC_CONSOLE_CONFIG) and one
// environment variable per field, IC_CONSOLE_<PATH>, read and checked by @ic/service-config like
// every service's. Pure: the caller reads the file and hands over the parsed JSON and the
// environment.
//
// The one secret is the invoice API's bearer token (api.authToken, only from IC_CONSOLE_API_AUTH_TOKEN):
// the console calls the API with it, and an operator signs in to the page with the same token, so
// the page is behind the API's authentication. Kafka (for consumer lag and the matcher group's
// members) is optional and uses the console's own principal, operator-console, which may only
// DESCRIBE the groups and topics whose lag it shows (no record read or written).
import { DEFAULT_DEPLOYMENT, deploymentNameProblem } from "@ic/event-log";
import {
  configEnvironmentVariables as tableEnvironmentVariables,
  envNameFor as tableEnvNameFor,
  hostPort,
  hostPortList,
  inRange,
  nonEmpty,
  oneOf,
  parseConfigTable,
  type ConfigProblem,
  type ConfigTable,
  valueAt,
} from "@ic/service-config";

export type { ConfigProblem };

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export type Result<T, E> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: E };

/** A metrics endpoint to poll: a bridge (by its cluster node's name) or a matcher. */
export interface MetricsTarget {
  readonly name: string;
  readonly metricsUrl: string;
}

export interface ConsoleConfig {
  /** host:port of the page; cleartext only on loopback (the token crosses it), else tls. */
  readonly listen: string;
  readonly tls: { readonly certPath: string; readonly keyPath: string } | undefined;
  readonly api: {
    readonly address: string;
    readonly authToken: string;
    /** PEM of the API's certificate (or CA) when it serves TLS; "" cleartext. */
    readonly tlsCertPath: string;
  };
  readonly deployment: string;
  /** One per cluster node (name as in the matcher's cluster list). */
  readonly bridges: readonly MetricsTarget[];
  readonly matchers: readonly MetricsTarget[];
  /** Absent: no consumer lag and no group members on the page. */
  readonly kafka: { readonly brokers: readonly string[]; readonly credentialsFile: string } | undefined;
  readonly pollIntervalMs: number;
  /** Invoices read (newest last, page by page) to count by state and list the latest. */
  readonly invoiceScanLimit: number;
  /** Invoice events kept for the page (and sent to a page that connects). */
  readonly recentEvents: number;
  readonly sessionTtlMs: number;
  readonly logLevel: LogLevel;
}

const ENV_PREFIX = "IC_CONSOLE";

export const CONSOLE_CONFIG_TABLE: ConfigTable = {
  envPrefix: ENV_PREFIX,
  unknownFields: "refuse",
  fields: [
    { path: "listen", kind: "string", default: "127.0.0.1:9480", check: hostPort },
    { path: "tls.certPath", kind: "string", optional: true, check: nonEmpty },
    { path: "tls.keyPath", kind: "string", optional: true, check: nonEmpty },
    { path: "api.address", kind: "string", default: "127.0.0.1:10200", check: hostPort },
    {
      path: "api.authToken",
      kind: "string",
      secret: true,
      envOnly: "the API token is a secret: give it in IC_CONSOLE_API_AUTH_TOKEN",
      check: (value: string) =>
        value.length >= 32 && !/\s/.test(value) ? undefined : "must be the invoice API's token (at least 32 characters, no whitespace)",
    },
    { path: "api.tlsCertPath", kind: "string", default: "" },
    { path: "deployment", kind: "string", default: DEFAULT_DEPLOYMENT, check: (value: string) => deploymentNameProblem(value) },
    { path: "bridges", kind: "json", default: () => [], check: (value: unknown) => targetsProblem(value, "node") },
    { path: "matchers", kind: "json", default: () => [], check: (value: unknown) => targetsProblem(value, "name") },
    { path: "kafka.brokers", kind: "list", optional: true, check: hostPortList },
    { path: "kafka.credentialsFile", kind: "string", optional: true, check: nonEmpty },
    { path: "pollIntervalMs", kind: "int", default: 1000, check: inRange(200, 60_000) },
    { path: "invoiceScanLimit", kind: "int", default: 2000, check: inRange(1, 100_000) },
    { path: "recentEvents", kind: "int", default: 200, check: inRange(10, 10_000) },
    { path: "sessionTtlMs", kind: "int", default: 12 * 3600_000, check: inRange(60_000, 7 * 24 * 3600_000) },
    { path: "logLevel", kind: "string", default: "info", check: oneOf(LOG_LEVELS) },
  ],
};

/** IC_CONSOLE_API_AUTH_TOKEN for api.authToken. */
export function envNameFor(path: string): string {
  return tableEnvNameFor(ENV_PREFIX, path);
}

export function configEnvironmentVariables(): { name: string; field: string }[] {
  return tableEnvironmentVariables(CONSOLE_CONFIG_TABLE);
}

function targetsProblem(value: unknown, key: "node" | "name"): string | undefined {
  const shape = `a list of {"${key}": "<name>", "metricsUrl": "http://host:port/metrics"}`;
  if (!Array.isArray(value)) return `must be ${shape}`;
  const names = new Set<string>();
  for (const [index, item] of value.entries()) {
    if (typeof item !== "object" || item === null || Array.isArray(item)) return `[${index}] must be an object: ${shape}`;
    const record = item as Record<string, unknown>;
    const unknown = Object.keys(record).filter((k) => k !== key && k !== "metricsUrl");
    if (unknown.length > 0) return `[${index}] has unknown field ${unknown[0]} (known: ${key}, metricsUrl)`;
    const name = record[key];
    if (typeof name !== "string" || !/^[A-Za-z0-9._-]{1,64}$/.test(name)) return `[${index}].${key} must be 1-64 characters of [A-Za-z0-9._-]`;
    if (names.has(name)) return `[${index}].${key} ${name} is listed twice`;
    names.add(name);
    const url = record["metricsUrl"];
    if (typeof url !== "string" || !isHttpUrl(url)) return `[${index}].metricsUrl must be an http:// or https:// URL`;
  }
  return undefined;
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === "http:" || url.protocol === "https:") && url.username === "" && url.password === "";
  } catch {
    return false;
  }
}

/** "127.0.0.1:9480", "localhost:1", "[::1]:1" are loopback; "0.0.0.0:1", "10.0.0.5:1" are not. */
export function isLoopbackListen(address: string): boolean {
  const bracketed = /^\[([^\]]*)\]:\d+$/.exec(address);
  const host = (bracketed ? (bracketed[1] ?? "") : address.slice(0, address.lastIndexOf(":"))).toLowerCase();
  return host === "localhost" || host === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

function cleartextProblem(listen: string): ConfigProblem {
  return {
    field: "listen",
    message: `config field "listen": refusing to serve the console without TLS on ${listen}: the API token would cross the network in cleartext; listen on 127.0.0.1 or configure tls.certPath and tls.keyPath`,
  };
}

export function parseConsoleConfig(file: unknown, env: Readonly<Record<string, string | undefined>> = {}): Result<ConsoleConfig, ConfigProblem[]> {
  const table = parseConfigTable(CONSOLE_CONFIG_TABLE, file, env);
  if (!table.ok) {
    // The cleartext check is listed with the table's problems, so every problem shows at once.
    const raw = (path: string): unknown => {
      const fromEnv = env[envNameFor(path)];
      return fromEnv !== undefined && fromEnv !== "" ? fromEnv : valueAt(file, path);
    };
    const listen = raw("listen");
    const cleartext = raw("tls.certPath") === undefined && raw("tls.keyPath") === undefined;
    if (typeof listen === "string" && cleartext && !table.error.some((p) => p.field === "listen") && !isLoopbackListen(listen))
      return { ok: false, error: [...table.error, cleartextProblem(listen)] };
    return table;
  }
  const v = table.value;
  const get = <T>(path: string): T => v[path] as T;
  const problems: ConfigProblem[] = [];
  const certPath = get<string | undefined>("tls.certPath");
  const keyPath = get<string | undefined>("tls.keyPath");
  if ((certPath === undefined) !== (keyPath === undefined))
    problems.push({ field: "tls", message: "config fields tls.certPath and tls.keyPath go together: give both to serve TLS, or neither" });
  const tls = certPath !== undefined && keyPath !== undefined ? { certPath, keyPath } : undefined;
  if (tls === undefined && !isLoopbackListen(get("listen"))) problems.push(cleartextProblem(get("listen")));
  const brokers = get<string[] | undefined>("kafka.brokers");
  const credentialsFile = get<string | undefined>("kafka.credentialsFile");
  if (brokers !== undefined && credentialsFile === undefined)
    problems.push({
      field: "kafka.credentialsFile",
      message: `config field "kafka.credentialsFile" is required with kafka.brokers: the credentials file of the console's own principal (operator-console, DESCRIBE only), or ${envNameFor("kafka.credentialsFile")}`,
    });
  if (problems.length > 0) return { ok: false, error: problems };
  const targets = (path: string, key: "node" | "name"): MetricsTarget[] =>
    get<Record<string, string>[]>(path).map((item) => ({ name: item[key] ?? "", metricsUrl: item["metricsUrl"] ?? "" }));
  return {
    ok: true,
    value: {
      listen: get("listen"),
      tls,
      api: { address: get("api.address"), authToken: get("api.authToken"), tlsCertPath: get("api.tlsCertPath") },
      deployment: get("deployment"),
      bridges: targets("bridges", "node"),
      matchers: targets("matchers", "name"),
      kafka: brokers !== undefined && credentialsFile !== undefined ? { brokers, credentialsFile } : undefined,
      pollIntervalMs: get("pollIntervalMs"),
      invoiceScanLimit: get("invoiceScanLimit"),
      recentEvents: get("recentEvents"),
      sessionTtlMs: get("sessionTtlMs"),
      logLevel: get("logLevel"),
    },
  };
}
