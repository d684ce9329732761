// One matcher set-up for the int tests: a fresh run id, its own deployment name (so its own
// topics, groups and ACLs) and Postgres schema, a random coordinator key and seed, and two
// made-up cluster nodes. The matcher authenticates as the stack's matcher principal; call
// provision() (as admin) before starting it. Tests own their data.
import { randomBytes } from "node:crypto";
import { provisionTestDeployment, testBrokers, testCredentialsFiles, type TestDeployment } from "@ic/event-log/testing";
import { bytesToHex, loadSecp256k1Backend } from "@ic/lightning-protocol";
import { parseMatcherConfig, type MatcherServiceConfig } from "../config.ts";

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
}

export function testMatcherSetup(schemaPrefix: string): TestMatcherSetup {
  const databaseUrl = process.env.IC_TEST_DATABASE_URL ?? "postgres://ic@127.0.0.1:15432/invoice_coordinator";
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
  return { run, databaseUrl, brokers, nodeKey, nodeA, nodeB, config, provision };
}
