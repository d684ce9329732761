// Where a service's configuration comes from: the JSON file named by --config <path> (or
// --config=<path>), else by the service's <PREFIX>_CONFIG variable, else none (every field from
// the environment). The file is read here once, at start.
import { readFileSync } from "node:fs";
import type { ConfigProblem } from "./config-table.ts";

type Result<T, E> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: E };

/** The config file's path (undefined: none), from argv or else the variable configVariable. */
export function configFilePath(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  configVariable: string,
): Result<string | undefined, ConfigProblem[]> {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--config") {
      const path = argv[i + 1];
      if (path === undefined || path.startsWith("--")) {
        return { ok: false, error: [{ field: "", message: "--config needs a file path" }] };
      }
      return { ok: true, value: path };
    }
    if (arg.startsWith("--config=")) return { ok: true, value: arg.slice("--config=".length) };
  }
  const fromEnv = env[configVariable];
  return { ok: true, value: fromEnv === undefined || fromEnv === "" ? undefined : fromEnv };
}

/**
 * The file's parsed JSON. `service` names it in messages ("cannot read matcher config <path>").
 * A syntax error gives its position only: V8's own message quotes the text around it, which may
 * be part of a key, a seed or a password.
 */
export function readConfigFile(path: string, service: string): Result<unknown, ConfigProblem[]> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    return { ok: false, error: [{ field: "", message: `cannot read ${service} config ${path}: ${(error as Error).message}` }] };
  }
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    const position = /at position \d+/.exec((error as Error).message)?.[0];
    return {
      ok: false,
      error: [{ field: "", message: `${service} config ${path} is not valid JSON${position === undefined ? "" : ` (${position})`}` }],
    };
  }
}
