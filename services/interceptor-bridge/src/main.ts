// The bridge as a process: `tsx src/main.ts --config bridge.json` (or IC_BRIDGE_CONFIG, and
// IC_BRIDGE_* overrides). Exit codes: 0 stopped by SIGINT/SIGTERM, 1 could not start or
// failed while running, 2 invalid configuration. A second signal exits at once.
import { startBridge } from "./bridge.ts";
import { configEnvironmentVariables } from "./config.ts";
import { readBridgeConfig } from "./config-source.ts";
import { NodeValidationError } from "./lnd/node-validation.ts";

const USAGE = `usage: tsx src/main.ts [--config <file.json>]

The config file (or IC_BRIDGE_CONFIG) is JSON; every field can be overridden by an environment
variable (lists comma-separated):
${configEnvironmentVariables()
  .map(({ name, field }) => `  ${name.padEnd(44)} ${field}`)
  .join("\n")}
`;

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(USAGE);
    return;
  }
  const config = await readBridgeConfig(argv, process.env);
  if (!config.ok) {
    process.stderr.write(
      `invalid interceptor-bridge configuration:\n${config.error.map((p) => `  - ${p.message}`).join("\n")}\n\n${USAGE}`,
    );
    process.exit(2);
  }

  const bridge = startBridge(config.value);
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    if (++signals > 1) process.exit(1);
    process.stderr.write(`${signal}: stopping the interceptor bridge\n`);
    void bridge.stop().then(() => process.exit(0));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  void bridge.failed.then(async () => {
    await bridge.stop();
    process.exit(1);
  });
  try {
    await bridge.ready;
  } catch (error) {
    // The log line has it too; the refusal's fix-it list reads better on its own.
    if (error instanceof NodeValidationError) process.stderr.write(`${error.message}\n`);
    await bridge.stop();
    process.exit(1);
  }
}

await main();
