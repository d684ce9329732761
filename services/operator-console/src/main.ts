// The console as a process: `tsx src/main.ts --config console.json` (or IC_CONSOLE_CONFIG, and
// the IC_CONSOLE_* overrides; the API token only from IC_CONSOLE_API_AUTH_TOKEN). The page must
// be built first (src/build-web.ts; the image builds it); IC_CONSOLE_DIST_DIR points at one built
// elsewhere. Exit codes (@ic/service-probes, runServiceProcess): 0 stopped by SIGINT/SIGTERM, 1
// could not start, 2 invalid configuration. A second signal exits at once.
import { configFilePath, readConfigFile } from "@ic/service-config";
import { runServiceProcess, serviceUsage, type RunningService } from "@ic/service-probes";
import { configEnvironmentVariables, parseConsoleConfig, type ConfigProblem, type ConsoleConfig, type Result } from "./config.ts";
import { createConsoleLogger } from "./console-logger.ts";
import { DIST_DIR_DEFAULT } from "./dist-dir.ts";
import { startOperatorConsole, type RunningConsole } from "./operator-console.ts";

interface ConsoleProcessConfig {
  readonly config: ConsoleConfig;
  readonly distDir: string;
}

async function loadConsoleConfig(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): Promise<Result<ConsoleProcessConfig, ConfigProblem[]>> {
  const file = configFilePath(argv, env, "IC_CONSOLE_CONFIG");
  if (!file.ok) return file;
  const read = file.value === undefined ? undefined : readConfigFile(file.value, "operator-console");
  if (read !== undefined && !read.ok) return read;
  const parsed = parseConsoleConfig(read?.value, env);
  return parsed.ok ? { ok: true, value: { config: parsed.value, distDir: env["IC_CONSOLE_DIST_DIR"] ?? DIST_DIR_DEFAULT } } : parsed;
}

function startConsoleProcess({ config, distDir }: ConsoleProcessConfig): RunningService {
  const logger = createConsoleLogger(config.logLevel);
  const started: Promise<RunningConsole> = startOperatorConsole(config, { logger, distDir });
  let stopped: Promise<void> | undefined;
  return {
    ready: started.then(
      (running) => void process.stdout.write(`operator console: ${running.url}\n`),
      (error: unknown) => {
        logger.fatal({ err: (error as Error).message }, "the operator console did not start");
        throw error;
      },
    ),
    // It does not stop by itself: a part that does not answer is a state on the page.
    failed: new Promise<Error>(() => undefined),
    stop() {
      stopped ??= started.then(
        (running) => running.stop(),
        () => undefined,
      );
      return stopped;
    },
  };
}

await runServiceProcess({
  service: "operator-console",
  label: "the operator console",
  usage: serviceUsage({ configVariable: "IC_CONSOLE_CONFIG", variables: configEnvironmentVariables(), readme: "services/operator-console/README.md" }),
  loadConfig: loadConsoleConfig,
  start: startConsoleProcess,
  refusalText: (error) => `operator console: ${(error as Error).message}`,
});
