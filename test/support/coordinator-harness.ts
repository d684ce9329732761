// Starts the coordinator against the real stack for one e2e test file: the matcher (with its
// invoice API) and one interceptor bridge per cluster node, on this file's own Postgres schema
// and Kafka topics. Bridges run in-process so a test can stop and restart them.
import { randomBytes } from "node:crypto";
import pg from "pg";
import pino from "pino";
import { startBridge, type RunningBridge } from "@ic/interceptor-bridge";
import { createKafka, decodeAs, runCommittingConsumer, type InvoiceEvent, type RunningConsumer } from "@ic/event-log";
import { parseMatcherConfig, type MatcherServiceConfig } from "@ic/invoice-matcher/config";
import { startMatcher, type RunningMatcher } from "@ic/invoice-matcher/start";
import { runAllSteps } from "./run-all-steps.ts";
import type { StackConfig } from "./stack-config.ts";

export type ClusterNodeName = "alpha" | "bravo";

export interface CoordinatorHarness {
  readonly run: string;
  readonly config: MatcherServiceConfig;
  readonly matcher: RunningMatcher;
  readonly bridges: Record<ClusterNodeName, RunningBridge | undefined>;
  /** Every public invoice event seen so far (a plain kafkajs consumer of the public topic). */
  readonly invoiceEvents: InvoiceEvent[];
  startBridge(node: ClusterNodeName): Promise<RunningBridge>;
  stopBridge(node: ClusterNodeName): Promise<void>;
  stop(): Promise<void>;
}

const silent = pino({ level: process.env.IC_E2E_LOG ?? "silent" });

export async function startCoordinator(stack: StackConfig, options: { mppTimeoutMs?: number } = {}): Promise<CoordinatorHarness> {
  const run = randomBytes(4).toString("hex");
  const topics = {
    htlcIntercepted: `e2e-${run}-htlc-intercepted`,
    htlcCommands: `e2e-${run}-htlc-commands`,
    htlcOutcomes: `e2e-${run}-htlc-outcomes`,
    invoiceEvents: `e2e-${run}-invoice-events`,
    matcherEvents: `e2e-${run}-matcher-events`,
  };
  const { alpha, bravo } = stack.cluster.nodes;
  const config = parseMatcherConfig({
    network: "regtest",
    nodeKey: randomBytes(32).toString("hex"),
    preimageSeed: randomBytes(32).toString("hex"),
    postgresUrl: stack.postgresUrl,
    dbSchema: `e2e_${run}`,
    kafka: { brokers: stack.kafkaBrokers, clientId: `e2e-matcher-${run}` },
    topics,
    groupId: `e2e-matcher-${run}`,
    cluster: [
      { name: "alpha", pubkey: alpha.pubkey },
      { name: "bravo", pubkey: bravo.pubkey },
    ],
    virtualHopPolicy: { feeBaseMsat: 1000, feeProportionalMillionths: 100, cltvExpiryDelta: 40 },
    mppTimeoutMs: options.mppTimeoutMs ?? 60_000,
    api: { authToken: randomBytes(24).toString("hex") },
    tickIntervalMs: 200,
  });
  const kafka = createKafka({ brokers: stack.kafkaBrokers, clientId: `e2e-observer-${run}` });
  const observerGroupId = `e2e-observer-${run}`;
  /** This run's topics and consumer groups (the bridges' group is per node, shared by every run). */
  async function deleteKafkaData(): Promise<void> {
    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.deleteTopics({ topics: Object.values(topics) }).catch(() => undefined);
      await admin.deleteGroups([config.groupId, observerGroupId]).catch(() => undefined);
    } finally {
      await admin.disconnect();
    }
  }
  async function dropSchema(): Promise<void> {
    const client = new pg.Client({ connectionString: stack.postgresUrl });
    await client.connect();
    try {
      await client.query(`drop schema if exists ${config.dbSchema} cascade`);
    } finally {
      await client.end();
    }
  }

  let matcher: RunningMatcher;
  try {
    matcher = await startMatcher(config, { logger: silent.child({ service: "matcher" }) });
  } catch (error) {
    await runAllSteps("cleaning up after a failed matcher start", [
      ["topics and groups", deleteKafkaData],
      ["schema", dropSchema],
    ]).catch(() => undefined);
    throw error;
  }

  const invoiceEvents: InvoiceEvent[] = [];
  let observer: RunningConsumer | undefined;
  const bridges: Record<ClusterNodeName, RunningBridge | undefined> = { alpha: undefined, bravo: undefined };
  const harness: CoordinatorHarness = {
    run,
    config,
    matcher,
    bridges,
    invoiceEvents,
    async startBridge(name) {
      const node = stack.cluster.nodes[name];
      const bridge = startBridge({
        nodeName: name,
        lnd: { grpcAddress: node.grpcAddress, tlsCertPath: node.tlsCertPath, macaroonPath: node.macaroonPath },
        expectedPubkey: node.pubkey,
        network: "regtest",
        kafka: { brokers: stack.kafkaBrokers, clientId: `e2e-bridge-${name}-${run}` },
        topics: { htlcIntercepted: topics.htlcIntercepted, htlcCommands: topics.htlcCommands, htlcOutcomes: topics.htlcOutcomes },
        reconnect: { initialDelayMs: 100, maxDelayMs: 1000 },
        blockHeightPollMs: 1000,
        logLevel: (process.env.IC_E2E_LOG as "info" | undefined) ?? "silent",
      });
      // A bridge that cannot start shuts itself down.
      await bridge.ready;
      bridges[name] = bridge;
      return bridge;
    },
    async stopBridge(name) {
      await bridges[name]?.stop();
      bridges[name] = undefined;
    },
    // Every step runs even when one fails, so a failure does not leave consumers, topics or the
    // schema behind for the next test file.
    stop: () =>
      runAllSteps("stopping the e2e coordinator", [
        ["bridge alpha", () => harness.stopBridge("alpha")],
        ["bridge bravo", () => harness.stopBridge("bravo")],
        ["public event observer", () => observer?.stop()],
        ["matcher", () => matcher.stop()],
        ["topics and groups", deleteKafkaData],
        ["schema", dropSchema],
      ]),
  };
  try {
    observer = await runCommittingConsumer(kafka, {
      groupId: observerGroupId,
      topics: [topics.invoiceEvents],
      fromBeginning: true,
      maxWaitTimeMs: 200,
      handler: async (record) => {
        invoiceEvents.push(decodeAs("invoice-event", record));
      },
    });
    await harness.startBridge("alpha");
    await harness.startBridge("bravo");
  } catch (error) {
    await harness.stop().catch(() => undefined);
    throw error;
  }
  return harness;
}
