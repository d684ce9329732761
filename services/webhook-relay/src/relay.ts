// The relay as a running thing: waits for its topics, connects its dead-letter producer, serves
// /metrics /healthz /readyz, and runs the committing consumer of <deployment>.invoice.events.v1
// with the invoice event handler. Offsets are committed only for records the handler finished
// (every endpoint delivered or dead-lettered the event): a crash or stop before that delivers the
// event again on the next start, never loses it.
import { setMaxListeners } from "node:events";
import {
  connectSchemaRegistry,
  createKafka,
  deploymentTopics,
  describeKafkaAuth,
  kafkaAuthWarning,
  resolveKafkaCredentials,
  runCommittingConsumer,
  waitForTopics,
  type RunningConsumer,
} from "@ic/event-log";
import { probesOf, startProbeServer, type ProbeServer, type RunningService } from "@ic/service-probes";
import { relayKafkaAuth } from "./config.ts";
import type { LoadedConfig } from "./config-source.ts";
import { systemClock, type DeliveryClock, type DeliveryEndpoint } from "./endpoint-delivery.ts";
import { createWebhookPoster, type WebhookPoster } from "./http/webhook-http-client.ts";
import { createInvoiceEventHandler } from "./kafka/invoice-event-handler.ts";
import { pinStartOffsets } from "./kafka/start-offsets.ts";
import { createWebhookDeadLetterWriter } from "./kafka/webhook-dead-letters.ts";
import { createRelayLogger, type RelayLogger } from "./relay-logger.ts";
import { createRelayMetrics, type RelayMetrics } from "./relay-metrics.ts";

export interface RelayOptions {
  readonly logger?: RelayLogger;
  readonly metrics?: RelayMetrics;
  readonly clock?: DeliveryClock;
}

/** ready resolves once the consumer joined its group; stop() abandons deliveries in progress (not committed: delivered again on the next start), leaves the group, disconnects. */
export interface Relay extends RunningService {
  readonly metrics: RelayMetrics;
  /** The metrics endpoint's port once started (0 before, or without one). */
  metricsPort(): number;
}

export function startRelay(loaded: LoadedConfig, options: RelayOptions = {}): Relay {
  const { config } = loaded;
  const logger = options.logger ?? createRelayLogger(config.logLevel);
  const metrics = options.metrics ?? createRelayMetrics({ defaultMetrics: true });
  const clock = options.clock ?? systemClock;
  const topics = deploymentTopics(config.deployment);
  const auth = relayKafkaAuth(config);
  const warning = kafkaAuthWarning(auth);
  if (warning !== undefined) logger.warn(warning);
  const kafka = createKafka({
    brokers: config.kafka.brokers,
    clientId: config.kafka.clientId,
    logger,
    sasl: resolveKafkaCredentials(auth),
  });
  const deadLetters = createWebhookDeadLetterWriter(kafka, topics.webhookDeadLetters);
  const stopping = new AbortController();
  // Every delivery in progress (endpoints x invoices x partitions) listens for the stop.
  setMaxListeners(0, stopping.signal);
  const posters: WebhookPoster[] = [];
  const endpoints: DeliveryEndpoint[] = loaded.endpoints.map((endpoint) => {
    const poster = createWebhookPoster({ url: endpoint.url, timeoutMs: endpoint.timeoutMs, ca: endpoint.ca });
    posters.push(poster);
    return {
      name: endpoint.name,
      secretValue: endpoint.secretValue,
      policy: {
        maxAttempts: endpoint.maxAttempts,
        initialDelayMs: config.delivery.initialBackoffMs,
        maxDelayMs: config.delivery.maxBackoffMs,
      },
      post: (body, headers, signal) => poster.post(body, headers, signal),
    };
  });

  let state: "starting" | "running" | "stopped" | "failed" = "starting";
  const currentState = () => state;
  let waitingFor = "schema registry";
  const held = new Map<string, string>();
  let joined = false;
  let server: ProbeServer | undefined;
  let consumer: RunningConsumer | undefined;
  let reportFailure: (error: Error) => void = () => undefined;
  const failed = new Promise<Error>((resolve) => {
    reportFailure = (error) => {
      if (state === "stopped") return;
      state = "failed";
      logger.error({ err: error.message }, "webhook relay failed");
      resolve(error);
    };
  });

  const ready = (async () => {
    if (config.metricsPort > 0) {
      // GET /metrics, /healthz (live while it runs), /readyz (ready once the consumer joined its
      // group; the body says on what it waits): @ic/service-probes.
      server = await startProbeServer(metrics.registry, config.metricsPort, config.metricsHost, probesOf(() => ({
        live: state === "starting" || state === "running",
        ready: state === "running" && joined && held.size === 0,
        state,
        ...(joined ? {} : { waitingFor }),
        ...(held.size === 0
          ? {}
          : { heldByNewerSchemaVersion: [...held].map(([partition, offset]) => `${partition}@${offset}`) }),
      })));
    }
    logger.info(
      {
        deployment: config.deployment,
        groupId: config.groupId,
        endpoints: loaded.endpoints.map((e) => e.name),
        kafkaAuth: describeKafkaAuth(auth),
      },
      "webhook relay starting",
    );
    // The ids of the invoice events' registry subject, once: records are in the Confluent wire
    // format. An unreachable registry or an incompatible schema ends the start, naming the URL or
    // the subject and the reason.
    await connectSchemaRegistry({ url: config.schemaRegistryUrl, clientId: config.kafka.clientId, topics: [{ topic: topics.invoiceEvents, schema: "invoice-event" }] });
    waitingFor = "topics";
    const admin = kafka.admin();
    await admin.connect();
    try {
      await waitForTopics(admin, [topics.invoiceEvents, topics.webhookDeadLetters], {
        logger,
        signal: stopping.signal,
        onWaiting: (missing) => (waitingFor = `topics ${missing}`),
      });
      if (config.startFrom === "latest")
        await pinStartOffsets(admin, config.groupId, topics.invoiceEvents, logger);
    } finally {
      await admin.disconnect();
    }
    waitingFor = "consumer group";
    await deadLetters.connect();
    const handler = createInvoiceEventHandler({
      deployment: config.deployment,
      endpoints,
      deadLetters,
      clock,
      signal: stopping.signal,
      metrics,
      logger,
      heartbeatEveryMs: Math.floor(config.sessionTimeoutMs / 3),
      held,
    });
    // kafkajs's run() resolves once the member joined the group and got its partitions.
    consumer = await runCommittingConsumer(kafka, {
      groupId: config.groupId,
      topics: [topics.invoiceEvents],
      fromBeginning: config.startFrom === "earliest",
      keyConcurrency: config.delivery.invoiceConcurrency,
      partitionsConsumedConcurrently: config.delivery.partitionConcurrency,
      maxWaitTimeMs: 500,
      sessionTimeoutMs: config.sessionTimeoutMs,
      heartbeatIntervalMs: Math.floor(config.sessionTimeoutMs / 3),
      logger,
      handler,
      onFatalError: reportFailure,
    });
    // (state is read through a function: TypeScript does not see stop() change it during the awaits.)
    if (currentState() === "stopped") {
      // stop() ran while the consumer was joining: it found no consumer to stop.
      await consumer.stop();
      return;
    }
    joined = true;
    if (currentState() === "starting") state = "running";
    logger.info({ groupId: config.groupId, topic: topics.invoiceEvents }, "webhook relay consuming");
  })();
  ready.catch((error: unknown) => {
    if (state !== "stopped") reportFailure(error instanceof Error ? error : new Error(String(error)));
  });

  return {
    ready,
    failed,
    metrics,
    metricsPort: () => server?.port ?? 0,
    async stop() {
      if (state === "stopped") return;
      state = "stopped";
      joined = false;
      // First abandon the deliveries in progress (their records stay uncommitted), else the
      // consumer's stop would wait for every retry schedule to run out.
      stopping.abort();
      await consumer
        ?.stop()
        .catch((error: unknown) => logger.warn({ err: (error as Error).message }, "consumer stop failed"));
      await deadLetters.disconnect().catch(() => undefined);
      for (const poster of posters) poster.close();
      await server?.close();
      logger.info("webhook relay stopped");
    },
  };
}
