// Entry point: tsx src/main.ts --config <file>   (or IC_MATCHER_CONFIG=<file>)
// Runs the invoice matcher and the invoice API in one process (docs/architecture.md says why).
import pino from "pino";
import { startInvoiceApi } from "./api/grpc-server.ts";
import { ConfigError, loadMatcherConfig, matcherConfigPath } from "./config.ts";
import { createMatcherMetrics, serveMetrics } from "./metrics.ts";
import { startMatcher, type RunningMatcher } from "./start-matcher.ts";

// Log calls name their fields (payment hash, circuit key, node); the redaction is a backstop in
// case a secret-bearing field ever slips into one.
const logger = pino({
  name: "invoice-matcher",
  level: process.env.LOG_LEVEL ?? "info",
  redact: {
    paths: ["preimage", "*.preimage", "nodeKey", "*.nodeKey", "nodeKeyHex", "*.nodeKeyHex", "preimageSeed", "*.preimageSeed", "preimageSeedHex", "*.preimageSeedHex", "authToken", "*.authToken", "password", "*.password", "*.*.password"],
    censor: "[redacted]",
  },
});

async function main(): Promise<void> {
  const config = loadMatcherConfig(matcherConfigPath(process.argv.slice(2)));
  // The probes serve from the start: while start-up waits (Postgres, Kafka, topics), /readyz
  // answers 503 with what it waits for.
  const metrics = createMatcherMetrics();
  const startUp: { waitingFor: string | undefined; running: RunningMatcher | undefined } = { waitingFor: "start-up", running: undefined };
  const metricsServer =
    config.metricsPort > 0
      ? serveMetrics(metrics.registry, config.metricsPort, config.metricsHost, async () =>
          startUp.running === undefined ? { ready: false, waitingFor: startUp.waitingFor ?? "start-up" } : startUp.running.readiness(),
        )
      : undefined;
  const matcher = await startMatcher(config, {
    logger,
    metrics,
    onWaiting: (what) => {
      startUp.waitingFor = what;
    },
    onFatalError: (error) => {
      logger.fatal({ err: error.message }, "the HTLC consumer stopped for good; exiting so the matcher is restarted");
      process.exit(1);
    },
  });
  startUp.running = matcher;
  const api = await startInvoiceApi({
    service: matcher.service,
    address: config.api.listen,
    authToken: config.api.authToken,
    logger,
    ...(config.api.tls ? { tls: config.api.tls } : {}),
  });
  logger.info({ api: `${config.api.listen.split(":")[0]}:${api.port}`, coordinatorPubkey: matcher.identity.nodePubkeyHex }, "invoice matcher ready");
  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "stopping");
    await api.stop();
    metricsServer?.close();
    await matcher.stop();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    logger.error(error.message);
    process.exit(2);
  }
  logger.error({ err: error instanceof Error ? error.message : String(error) }, "invoice matcher failed to start");
  process.exit(1);
});
