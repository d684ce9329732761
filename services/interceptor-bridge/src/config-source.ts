// Where the configuration comes from: the JSON file named by --config <path> (or
// --config=<path>), else by IC_BRIDGE_CONFIG, else none (every field from IC_BRIDGE_*).
import { readFile } from "node:fs/promises";
import { err, type Result } from "@ic/lightning-protocol";
import { parseBridgeConfig, type BridgeConfig, type ConfigProblem } from "./config.ts";

export interface ConfigSource {
  /** undefined: environment only. */
  readonly path: string | undefined;
}

export function configSource(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): Result<ConfigSource, ConfigProblem[]> {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--config") {
      const path = argv[i + 1];
      if (path === undefined || path.startsWith("--")) {
        return err([{ field: "", message: "--config needs a file path" }]);
      }
      return { ok: true, value: { path } };
    }
    if (arg.startsWith("--config=")) return { ok: true, value: { path: arg.slice("--config=".length) } };
  }
  const fromEnv = env["IC_BRIDGE_CONFIG"];
  return { ok: true, value: { path: fromEnv === undefined || fromEnv === "" ? undefined : fromEnv } };
}

export async function readBridgeConfig(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): Promise<Result<BridgeConfig, ConfigProblem[]>> {
  const source = configSource(argv, env);
  if (!source.ok) return source;
  const { path } = source.value;
  if (path === undefined) return parseBridgeConfig(undefined, env);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    return err([{ field: "", message: `cannot read the config file ${path}: ${(error as Error).message}` }]);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return err([{ field: "", message: `the config file ${path} is not valid JSON: ${(error as Error).message}` }]);
  }
  return parseBridgeConfig(json, env);
}
