// The bridge as a process: `tsx src/main.ts --config bridge.json` (or IC_BRIDGE_CONFIG, and
// IC_BRIDGE_* overrides). Exit codes (@ic/service-probes, runServiceProcess): 0 stopped by
// SIGINT/SIGTERM, 1 could not start or failed while running, 2 invalid configuration. A second
// signal exits at once.
import { runServiceProcess, serviceUsage } from "@ic/service-probes";
import { startBridge } from "./bridge.ts";
import { configEnvironmentVariables } from "./config.ts";
import { readBridgeConfig } from "./config-source.ts";
import { NodeValidationError } from "./lnd/node-validation.ts";

await runServiceProcess({
  service: "interceptor-bridge",
  label: "the interceptor bridge",
  usage: serviceUsage({ configVariable: "IC_BRIDGE_CONFIG", variables: configEnvironmentVariables() }),
  loadConfig: readBridgeConfig,
  start: startBridge,
  // The log line has it too; the refusal's fix-it list reads better on its own.
  refusalText: (error) => (error instanceof NodeValidationError ? error.message : undefined),
});
