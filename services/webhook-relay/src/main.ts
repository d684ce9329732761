// The relay as a process: `tsx src/main.ts --config relay.json` (or IC_WEBHOOK_CONFIG, and the
// IC_WEBHOOK_* overrides). Exit codes: 0 stopped by SIGINT/SIGTERM, 1 could not start or failed
// while running, 2 invalid configuration. A second signal exits at once.
import { configEnvironmentVariables } from "./config.ts";
import { loadRelayConfig } from "./config-source.ts";
import { startRelay } from "./relay.ts";

const USAGE = `usage: tsx src/main.ts [--config <file.json>]

The config file (or IC_WEBHOOK_CONFIG) is JSON; every field can be overridden by an environment
variable (lists comma-separated), see services/webhook-relay/README.md:
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
  const loaded = await loadRelayConfig(argv, process.env);
  if (!loaded.ok) {
    process.stderr.write(
      `invalid webhook-relay configuration:\n${loaded.error.map((p) => `  - ${p.message}`).join("\n")}\n\n${USAGE}`,
    );
    process.exit(2);
  }
  const relay = startRelay(loaded.value);
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    if (++signals > 1) process.exit(1);
    process.stderr.write(`${signal}: stopping the webhook relay\n`);
    void relay.stop().then(() => process.exit(0));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  void relay.failed.then(async () => {
    await relay.stop();
    process.exit(1);
  });
}

await main();
