// One matcher set-up for the int tests: a fresh run id, its own deployment name (so its own
// topics, groups and ACLs) and Postgres schema, a random coordinator key and seed, and two
// made-up cluster nodes. The matcher authenticates as the stack's matcher principal; call
// provision() (as admin) before starting it, or start() for the whole set-up and stop() after.
// Tests own their data.
import { randomBytes } from "node:crypto";
import { createSerialProducer, runCommittingConsumer, type ConsumedRecord, type RunningConsumer, type SerialProducer } from "@ic/event-log";
import { provisionTestDeployment, testBrokers, testCredentialsFiles, testKafka, type TestDeployment } from "@ic/event-log/testing";
import { bytesToHex, loadSecp256k1Backend } from "@ic/lightning-protocol";
import pino from "pino";
import { parseMatcherConfig, type MatcherServiceConfig } from "../config.ts";
import { startMatcher, type RunningMatcher } from "../start-matcher.ts";
import { syntheticHtlcSender, type SyntheticHtlcSender } from "./synthetic-htlcs.ts";
import { dropSchemas, TEST_DATABASE_URL } from "./test-schema.ts";

export interface TestMatcherSetup {
  run: string;
  databaseUrl: string;
  brokers: string[];
  nodeKey: Buffer;
  nodeA: string;
  nodeB: string;
  config: MatcherServiceConfig;
  /** Creates this run's topics and ACLs (nodes "a" and "b"); remove() deletes them again. */
  provision(): Promise<TestDeployment>;
  /**
   * provision(), then the matcher (silent log) and a serial producer as the admin super user (the
   * test plays the bridges), with the synthetic HTLC sender over it.
   */
  start(): Promise<StartedTestMatcher>;
  /** Reads `topics` from their start into `handler` (group test-<run>-observer, as admin) until stop(). */
  observe(topics: readonly string[], handler: (record: ConsumedRecord) => void): Promise<void>;
  /**
   * Stops what start() started, removes the deployment (and the test's own `groups`) and drops the
   * schema. A test that stopped or replaced the matcher itself passes the one running now (or undefined).
   */
  stop(opts?: { groups?: readonly string[]; matcher?: RunningMatcher | undefined }): Promise<void>;
}

export interface StartedTestMatcher {
  matcher: RunningMatcher;
  producer: SerialProducer;
  htlcs: SyntheticHtlcSender;
}

export function testMatcherSetup(schemaPrefix: string): TestMatcherSetup {
  const databaseUrl = TEST_DATABASE_URL;
  const brokers = testBrokers;
  const run = randomBytes(4).toString("hex");
  const backend = loadSecp256k1Backend().backend;
  const nodeKey = randomBytes(32);
  const nodeA = bytesToHex(backend.publicKeyCreate(randomBytes(32)));
  const nodeB = bytesToHex(backend.publicKeyCreate(randomBytes(32)));
  const config = parseMatcherConfig({
    network: "regtest",
    nodeKey: nodeKey.toString("hex"),
    preimageSeed: randomBytes(32).toString("hex"),
    postgresUrl: databaseUrl,
    dbSchema: `${schemaPrefix}_${run}`,
    deployment: `t-${run}`,
    kafka: { brokers, clientId: `test-${run}`, credentialsFile: testCredentialsFiles().matcher },
    cluster: [
      { name: "a", pubkey: nodeA },
      { name: "b", pubkey: nodeB },
    ],
    virtualHopPolicy: { feeBaseMsat: 0, feeProportionalMillionths: 0, cltvExpiryDelta: 40 },
    api: { authToken: "test-token-0123456789-0123456789-0123" },
    tickIntervalMs: 100,
  });
  const provision = () =>
    provisionTestDeployment({
      deployment: config.deployment,
      nodes: [
        { name: "a", pubkey: nodeA },
        { name: "b", pubkey: nodeB },
      ],
    });
  let deployment: TestDeployment | undefined;
  let started: Partial<StartedTestMatcher> = {};
  const start = async (): Promise<StartedTestMatcher> => {
    deployment = await provision();
    const matcher = await startMatcher(config, { logger: pino({ level: "silent" }) });
    started.matcher = matcher;
    const producer = createSerialProducer(testKafka(`test-${run}-client`));
    started.producer = producer;
    await producer.connect();
    const htlcs = syntheticHtlcSender({ backend, nodeKey, producer, topics: config.topics });
    return { matcher, producer, htlcs };
  };
  const observers: RunningConsumer[] = [];
  const observe = async (topics: readonly string[], handler: (record: ConsumedRecord) => void): Promise<void> => {
    observers.push(
      await runCommittingConsumer(testKafka(`test-${run}-observer`), {
        groupId: `test-${run}-observer`,
        topics,
        fromBeginning: true,
        maxWaitTimeMs: 200,
        handler: async (record) => handler(record),
      }),
    );
  };
  const stop = async (opts: { groups?: readonly string[]; matcher?: RunningMatcher | undefined } = {}): Promise<void> => {
    for (const observer of observers.splice(0)) await observer.stop();
    await started.producer?.disconnect();
    await ("matcher" in opts ? opts.matcher : started.matcher)?.stop();
    started = {};
    await deployment?.remove([config.groupId, `test-${run}-observer`, ...(opts.groups ?? [])]);
    await dropSchemas(config.dbSchema);
  };
  return { run, databaseUrl, brokers, nodeKey, nodeA, nodeB, config, provision, start, observe, stop };
}
