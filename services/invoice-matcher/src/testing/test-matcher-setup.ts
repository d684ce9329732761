// One matcher set-up for the int tests: a fresh run id, its own topics and Postgres schema, a
// random coordinator key and seed, and two made-up cluster nodes. Tests own their data.
import { randomBytes } from "node:crypto";
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
}

export function testMatcherSetup(schemaPrefix: string): TestMatcherSetup {
  const databaseUrl = process.env.IC_TEST_DATABASE_URL ?? "postgres://ic@127.0.0.1:15432/invoice_coordinator";
  const brokers = (process.env.IC_TEST_KAFKA_BROKERS ?? "127.0.0.1:9092").split(",");
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
    kafka: { brokers, clientId: `test-${run}` },
    topics: {
      htlcIntercepted: `t-${run}-intercepted`,
      htlcCommands: `t-${run}-commands`,
      htlcOutcomes: `t-${run}-outcomes`,
      invoiceEvents: `t-${run}-invoice-events`,
      matcherEvents: `t-${run}-matcher-events`,
    },
    groupId: `test-matcher-${run}`,
    cluster: [
      { name: "a", pubkey: nodeA },
      { name: "b", pubkey: nodeB },
    ],
    virtualHopPolicy: { feeBaseMsat: 0, feeProportionalMillionths: 0, cltvExpiryDelta: 40 },
    api: { authToken: "test-token-0123456789-0123456789-0123" },
    tickIntervalMs: 100,
  });
  return { run, databaseUrl, brokers, nodeKey, nodeA, nodeB, config };
}
