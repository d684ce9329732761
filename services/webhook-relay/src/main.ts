// The relay as a process: `tsx src/main.ts --config relay.json` (or IC_WEBHOOK_CONFIG, and the
// IC_WEBHOOK_* overrides). Exit codes (@ic/service-probes, runServiceProcess): 0 stopped by
// SIGINT/SIGTERM, 1 could not start or failed while running, 2 invalid configuration. A second
// signal exits at once.
import { runServiceProcess, serviceUsage } from "@ic/service-probes";
import { configEnvironmentVariables } from "./config.ts";
import { loadRelayConfig } from "./config-source.ts";
import { startRelay } from "./relay.ts";

await runServiceProcess({
  service: "webhook-relay",
  label: "the webhook relay",
  usage: serviceUsage({
    configVariable: "IC_WEBHOOK_CONFIG",
    variables: configEnvironmentVariables(),
    readme: "services/webhook-relay/README.md",
  }),
  loadConfig: loadRelayConfig,
  start: startRelay,
});
