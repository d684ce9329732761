// Starts the coordinator against the real stack for one e2e test file: the matcher (with its
// invoice API) and one interceptor bridge per cluster node, on this file's own Postgres schema
// and Kafka deployment (its own topics, groups and ACLs, provisioned as the admin principal).
// Each process authenticates as its own principal (matcher, bridge-alpha, bridge-bravo, the
// observer as public), so the e2e tests run under the ACLs a deployment gets. Bridges run
// in-process so a test can stop and restart them.
import { randomBytes } from "node:crypto";
import pg from "pg";
import pino from "pino";
import { startBridge, type RunningBridge } from "@ic/interceptor-bridge";
import { createKafka, decodeAs, deploymentGroups, readKafkaCredentialsFile, runCommittingConsumer, type InvoiceEvent, type RunningConsumer } from "@ic/event-log";
import { provisionTestDeployment, type TestDeployment } from "@ic/event-log/testing";
import { parseMatcherConfig, type MatcherServiceConfig } from "@ic/invoice-matcher/config";
import { startMatcher, type RunningMatcher } from "@ic/invoice-matcher/start";
import { runAllSteps } from "./run-all-steps.ts";
import type { StackConfig } from "./stack-config.ts";

export type ClusterNodeName = "alpha" | "bravo";

export interface CoordinatorHarness {
  readonly run: string;
  /** This file's deployment name (e2e-<run>). */
  readonly deployment: string;
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

export interface CoordinatorOptions {
  mppTimeoutMs?: number;
  /**
   * "sasl" (default): every process authenticates as its own principal under the ACLs. "open":
   * they connect without authentication to the broker's benchmark-only listener
   * (stack.kafkaOpenBrokers, IC_KAFKA_OPEN_PORT), to measure what the security costs.
   */
  kafkaAccess?: "sasl" | "open";
}

export async function startCoordinator(stack: StackConfig, options: CoordinatorOptions = {}): Promise<CoordinatorHarness> {
  const run = randomBytes(4).toString("hex");
  const deployment = `e2e-${run}`;
  const { alpha, bravo } = stack.cluster.nodes;
  const provisioned: TestDeployment = await provisionTestDeployment({
    deployment,
    nodes: [
      { name: "alpha", pubkey: alpha.pubkey },
      { name: "bravo", pubkey: bravo.pubkey },
    ],
  });
  const groups = deploymentGroups(deployment);
  const open = options.kafkaAccess === "open";
  if (open && stack.kafkaOpenBrokers === undefined)
    throw new Error("kafkaAccess open needs the broker's open listener: restart Kafka with IC_KAFKA_OPEN_PORT set (bash infra/scripts/kafka.sh stop; IC_KAFKA_OPEN_PORT=9094 bash infra/stack up)");
  /** The kafka section of a service config for principal's credentials file. */
  const kafkaAccess = (clientId: string, credentialsFile: string) =>
    open ? { brokers: stack.kafkaOpenBrokers!, clientId, allowUnauthenticated: true } : { brokers: stack.kafkaBrokers, clientId, credentialsFile };
  const config = parseMatcherConfig({
    network: "regtest",
    nodeKey: randomBytes(32).toString("hex"),
    preimageSeed: randomBytes(32).toString("hex"),
    postgresUrl: stack.postgresUrl,
    dbSchema: `e2e_${run}`,
    deployment,
    kafka: kafkaAccess(`e2e-matcher-${run}`, stack.kafkaCredentials.matcher),
    cluster: [
      { name: "alpha", pubkey: alpha.pubkey },
      { name: "bravo", pubkey: bravo.pubkey },
    ],
    virtualHopPolicy: { feeBaseMsat: 1000, feeProportionalMillionths: 100, cltvExpiryDelta: 40 },
    mppTimeoutMs: options.mppTimeoutMs ?? 60_000,
    api: { authToken: randomBytes(24).toString("hex") },
    tickIntervalMs: 200,
  });
  const topics = config.topics;
  // A downstream consumer of public invoice events: the public principal, under its group prefix.
  const kafka = createKafka({
    ...(open ? { brokers: stack.kafkaOpenBrokers! } : { brokers: stack.kafkaBrokers, sasl: readKafkaCredentialsFile(stack.kafkaCredentials.public) }),
    clientId: `e2e-observer-${run}`,
  });
  const observerGroupId = `${groups.publicPrefix}observer`;
  /** This run's topics, ACLs and consumer groups. */
  async function deleteKafkaData(): Promise<void> {
    await provisioned.remove([config.groupId, observerGroupId, groups.bridge(alpha.pubkey), groups.bridge(bravo.pubkey)]);
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
    deployment,
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
        deployment,
        kafka: kafkaAccess(`e2e-bridge-${name}-${run}`, stack.kafkaCredentials.bridges[name]),
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
