// Where the configuration comes from (@ic/service-config): the JSON file named by --config <path>
// (or --config=<path>), else by IC_WEBHOOK_CONFIG, else none (every field from IC_WEBHOOK_*). The
// files the configuration names (the Kafka credentials, each endpoint's secret file and CA file) are read here, once, so a
// missing or unreadable one stops the process at start naming the file (in a container: a wrong
// mount), and a secret never waits to be found missing at the first delivery.
import { readFile } from "node:fs/promises";
import { kafkaCredentialsFileProblem } from "@ic/event-log";
import { configFilePath, readConfigFile } from "@ic/service-config";
import {
  MIN_SECRET_LENGTH,
  parseRelayConfig,
  type ConfigProblem,
  type EndpointConfig,
  type RelayConfig,
  type Result,
} from "./config.ts";

/** An endpoint with what its files hold: the HMAC secret and, for a private CA, its PEM. */
export interface ResolvedEndpoint extends EndpointConfig {
  readonly secretValue: string;
  readonly ca: Buffer | undefined;
}

export interface LoadedConfig {
  readonly config: RelayConfig;
  readonly endpoints: readonly ResolvedEndpoint[];
}

export async function loadRelayConfig(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): Promise<Result<LoadedConfig, ConfigProblem[]>> {
  const path = configFilePath(argv, env, "IC_WEBHOOK_CONFIG");
  if (!path.ok) return path;
  let json: unknown;
  if (path.value !== undefined) {
    // A JSON syntax error is given by position only (the text near it could be a password).
    const file = readConfigFile(path.value, "webhook-relay");
    if (!file.ok) return file;
    json = file.value;
  }
  const parsed = parseRelayConfig(json, env);
  if (!parsed.ok) return parsed;
  return resolveFiles(parsed.value);
}

/** Reads every file a valid config names; all problems at once. */
export async function resolveFiles(config: RelayConfig): Promise<Result<LoadedConfig, ConfigProblem[]>> {
  const problems: ConfigProblem[] = [];
  const credentials = config.kafka.credentialsFile === "" ? undefined : kafkaCredentialsFileProblem(config.kafka.credentialsFile);
  if (credentials !== undefined) problems.push({ field: "kafka.credentialsFile", message: `kafka.credentialsFile: ${credentials}` });
  const endpoints: ResolvedEndpoint[] = [];
  for (const [index, endpoint] of config.endpoints.entries()) {
    const at = `endpoints[${index}]`;
    let secretValue: string | undefined;
    if (endpoint.secret.kind === "env") secretValue = endpoint.secret.value;
    else {
      try {
        // A trailing newline (echo "secret" > file) is not part of the secret.
        secretValue = (await readFile(endpoint.secret.path, "utf8")).replace(/\r?\n$/, "");
        if (secretValue.length < MIN_SECRET_LENGTH) {
          problems.push({
            field: `${at}.secretFile`,
            message: `${at}.secretFile: the secret in ${endpoint.secret.path} must be at least ${MIN_SECRET_LENGTH} characters`,
          });
          secretValue = undefined;
        }
      } catch (error) {
        problems.push({
          field: `${at}.secretFile`,
          message: `${at}.secretFile: cannot read ${endpoint.secret.path} (${(error as NodeJS.ErrnoException).code ?? "error"})`,
        });
      }
    }
    let ca: Buffer | undefined;
    if (endpoint.caFile !== "") {
      try {
        ca = await readFile(endpoint.caFile);
      } catch (error) {
        problems.push({
          field: `${at}.caFile`,
          message: `${at}.caFile: cannot read ${endpoint.caFile} (${(error as NodeJS.ErrnoException).code ?? "error"})`,
        });
      }
    }
    if (secretValue !== undefined) endpoints.push({ ...endpoint, secretValue, ca });
  }
  return problems.length > 0 ? { ok: false, error: problems } : { ok: true, value: { config, endpoints } };
}
