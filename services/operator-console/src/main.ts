// The console as a process: `tsx src/main.ts --config console.json` (or IC_CONSOLE_CONFIG, and
// the IC_CONSOLE_* overrides; the API token only from IC_CONSOLE_API_AUTH_TOKEN). The page must
// be built first (src/build-web.ts; the image builds it). Exit codes: 0 stopped by SIGINT/SIGTERM,
// 1 could not start, 2 invalid configuration.
import { configFilePath, readConfigFile } from "@ic/service-config";
import { DIST_DIR_DEFAULT } from "./dist-dir.ts";
import { configEnvironmentVariables, parseConsoleConfig } from "./config.ts";
import { createConsoleLogger } from "./console-logger.ts";
import { startOperatorConsole } from "./operator-console.ts";

const USAGE = `usage: tsx src/main.ts [--config <file.json>]

The config file (or IC_CONSOLE_CONFIG) is JSON; every field can be set by an environment variable
(lists comma-separated), see services/operator-console/README.md:
${configEnvironmentVariables()
  .map(({ name, field }) => `  ${name.padEnd(36)} ${field}`)
  .join("\n")}
`;

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(USAGE);
    return;
  }
  const invalid = (messages: string[]): never => {
    process.stderr.write(`invalid operator-console configuration:\n${messages.map((m) => `  - ${m}`).join("\n")}\n\n${USAGE}`);
    process.exit(2);
  };
  const file = configFilePath(argv, process.env, "IC_CONSOLE_CONFIG");
  if (!file.ok) return invalid(file.error.map((p) => p.message));
  let json: unknown;
  if (file.value !== undefined) {
    const read = readConfigFile(file.value, "operator-console");
    if (!read.ok) return invalid(read.error.map((p) => p.message));
    json = read.value;
  }
  const parsed = parseConsoleConfig(json, process.env);
  if (!parsed.ok) return invalid(parsed.error.map((p) => p.message));
  const logger = createConsoleLogger(parsed.value.logLevel);
  let running;
  try {
    running = await startOperatorConsole(parsed.value, { logger, distDir: process.env["IC_CONSOLE_DIST_DIR"] ?? DIST_DIR_DEFAULT });
  } catch (error) {
    logger.fatal({ err: (error as Error).message }, "the operator console did not start");
    process.stderr.write(`operator console: ${(error as Error).message}\n`);
    process.exit(1);
  }
  process.stdout.write(`operator console: ${running.url}\n`);
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (++signals > 1) process.exit(1);
    logger.info({ signal }, "stopping the operator console");
    void running.stop().then(() => process.exit(0));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
}

await main();
