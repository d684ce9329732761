// Where the configuration comes from: the JSON file named by --config <path> (or
// --config=<path>), else by IC_BRIDGE_CONFIG, else none (every field from IC_BRIDGE_*); read by
// @ic/service-config as the matcher's is. The files the configuration names are read once here,
// so a missing or unreadable one stops the process at once with a message naming it (in a
// container: a mount that is wrong).
import { readFile } from "node:fs/promises";
import { kafkaCredentialsFileProblem } from "@ic/event-log";
import { err, type Result } from "@ic/lightning-protocol";
import { configFilePath, readConfigFile } from "@ic/service-config";
import { parseBridgeConfig, type BridgeConfig, type ConfigProblem } from "./config.ts";

export interface ConfigSource {
  /** undefined: environment only. */
  readonly path: string | undefined;
}

export function configSource(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): Result<ConfigSource, ConfigProblem[]> {
  const path = configFilePath(argv, env, "IC_BRIDGE_CONFIG");
  return path.ok ? { ok: true, value: { path: path.value } } : path;
}

export async function readBridgeConfig(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): Promise<Result<BridgeConfig, ConfigProblem[]>> {
  const source = configSource(argv, env);
  if (!source.ok) return source;
  const { path } = source.value;
  if (path === undefined) return withFileProblems(parseBridgeConfig(undefined, env));
  const json = readConfigFile(path, "bridge");
  if (!json.ok) return json;
  return withFileProblems(parseBridgeConfig(json.value, env));
}

async function withFileProblems(parsed: Result<BridgeConfig, ConfigProblem[]>): Promise<Result<BridgeConfig, ConfigProblem[]>> {
  if (!parsed.ok) return parsed;
  const problems = await fileProblems(parsed.value);
  return problems.length === 0 ? parsed : err(problems);
}

/**
 * The Kafka credentials file always (nothing but the operator writes it); lnd's TLS cert and
 * macaroon only with lndFilesRequired, since otherwise start-up waits for lnd to write them.
 */
async function fileProblems(config: BridgeConfig): Promise<ConfigProblem[]> {
  const problems: ConfigProblem[] = [];
  const credentials = config.kafka.credentialsFile === "" ? undefined : kafkaCredentialsFileProblem(config.kafka.credentialsFile);
  if (credentials !== undefined) problems.push({ field: "kafka.credentialsFile", message: `kafka.credentialsFile: ${credentials}` });
  if (config.lndFilesRequired) {
    for (const [field, path] of [
      ["lnd.tlsCertPath", config.lnd.tlsCertPath],
      ["lnd.macaroonPath", config.lnd.macaroonPath],
    ] as const) {
      try {
        if ((await readFile(path)).length === 0) problems.push({ field, message: `${field}: the file ${path} is empty` });
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
        problems.push({ field, message: `${field}: cannot read ${path} (${code}); lndFilesRequired is set, so it is not waited for` });
      }
    }
  }
  return problems;
}
