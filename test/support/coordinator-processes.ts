// The coordinator as deployed: the matcher (+ invoice API) and one bridge per cluster node, each
// its own process (tsx services/.../main.ts --config <file>), on a deployment of its own
// (topics, groups and ACLs provisioned as the admin principal) and its own Postgres schema.
// For benchmarks that must not measure the services inside their own process. Secrets reach
// the matcher through its environment, Kafka credentials through the files the stack wrote.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, openSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { deploymentGroups } from "@ic/event-log";
import { provisionTestDeployment } from "@ic/event-log/testing";
import { connectInvoiceApi, type InvoiceApiClient } from "@ic/invoice-api-client";
import { runAllSteps } from "./run-all-steps.ts";
import type { StackConfig } from "./stack-config.ts";
import { waitUntil } from "./wait-until.ts";

export interface CoordinatorProcesses {
  readonly run: string;
  readonly deployment: string;
  readonly api: InvoiceApiClient;
  /** host:port of the invoice API and its bearer token (for another client of it, such as the operator console). */
  readonly apiAddress: string;
  readonly apiToken: string;
  /** Where each process logs (pino JSON lines). */
  readonly logFiles: Record<"matcher" | "alpha" | "bravo", string>;
  /** SIGTERM to one process, waiting for its exit (the others keep running). */
  stopService(name: "matcher" | "alpha" | "bravo"): Promise<void>;
  stop(): Promise<void>;
}

export interface CoordinatorProcessOptions {
  apiPort?: number;
  logLevel?: string;
  /** Serve /metrics on these loopback ports (default: no metrics endpoint). */
  metricsPorts?: Record<"matcher" | "alpha" | "bravo", number>;
}

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export async function startCoordinatorProcesses(stack: StackConfig, options: CoordinatorProcessOptions = {}): Promise<CoordinatorProcesses> {
  const run = randomBytes(4).toString("hex");
  const deployment = `bench-${run}`;
  const dir = path.join(stack.runDir, "bench", deployment);
  mkdirSync(dir, { recursive: true });
  const { alpha, bravo } = stack.cluster.nodes;
  const nodes = [
    { name: "alpha", pubkey: alpha.pubkey },
    { name: "bravo", pubkey: bravo.pubkey },
  ];
  const provisioned = await provisionTestDeployment({ deployment, nodes });
  const dbSchema = `bench_${run}`;
  const token = randomBytes(24).toString("hex");
  const apiAddress = `127.0.0.1:${options.apiPort ?? 10_250}`;
  const children: ChildProcess[] = [];
  const byName = new Map<string, ChildProcess>();
  const metrics = (name: "matcher" | "alpha" | "bravo") =>
    options.metricsPorts === undefined ? {} : { metricsPort: options.metricsPorts[name], metricsHost: "127.0.0.1" };
  const logFiles = { matcher: path.join(dir, "matcher.log"), alpha: path.join(dir, "bridge-alpha.log"), bravo: path.join(dir, "bridge-bravo.log") };
  const start = (name: keyof typeof logFiles, entry: string, config: unknown, env: Record<string, string> = {}): void => {
    const file = path.join(dir, `${name}.json`);
    writeFileSync(file, JSON.stringify(config, null, 2));
    const out = openSync(logFiles[name], "a");
    const child = spawn(path.join(repo, "node_modules/.bin/tsx"), [entry, "--config", file], {
      cwd: repo,
      env: { ...process.env, LOG_LEVEL: options.logLevel ?? "info", ...env },
      stdio: ["ignore", out, out],
    });
    children.push(child);
    byName.set(name, child);
  };
  const stop = (): Promise<void> =>
    runAllSteps(`stopping the coordinator processes of ${deployment}`, [
      [
        "processes",
        async () => {
          for (const c of children) c.kill("SIGTERM");
          await Promise.all(children.map((c) => (c.exitCode !== null || c.signalCode !== null ? Promise.resolve() : new Promise((resolve) => c.once("exit", resolve)))));
        },
      ],
      ["topics, ACLs and groups", () => provisioned.remove([deploymentGroups(deployment).matcher, ...nodes.map((n) => deploymentGroups(deployment).bridge(n.pubkey))])],
      [
        "schema",
        async () => {
          const client = new pg.Client({ connectionString: stack.postgresUrl });
          await client.connect();
          try {
            await client.query(`drop schema if exists ${dbSchema} cascade`);
          } finally {
            await client.end();
          }
        },
      ],
    ]);
  try {
    start(
      "matcher",
      "services/invoice-matcher/src/main.ts",
      {
        network: "regtest",
        postgresUrl: stack.postgresUrl,
        dbSchema,
        deployment,
        kafka: { brokers: stack.kafkaBrokers, credentialsFile: stack.kafkaCredentials.matcher },
        cluster: nodes,
        virtualHopPolicy: { feeBaseMsat: 1000, feeProportionalMillionths: 100, cltvExpiryDelta: 40 },
        api: { listen: apiAddress },
        ...metrics("matcher"),
      },
      { IC_MATCHER_NODE_KEY: randomBytes(32).toString("hex"), IC_MATCHER_PREIMAGE_SEED: randomBytes(32).toString("hex"), IC_MATCHER_API_TOKEN: token },
    );
    for (const node of [alpha, bravo]) {
      start(node.name as "alpha" | "bravo", "services/interceptor-bridge/src/main.ts", {
        nodeName: node.name,
        lnd: { grpcAddress: node.grpcAddress, tlsCertPath: node.tlsCertPath, macaroonPath: node.macaroonPath },
        expectedPubkey: node.pubkey,
        network: "regtest",
        deployment,
        kafka: { brokers: stack.kafkaBrokers, credentialsFile: stack.kafkaCredentials.bridges[node.name as "alpha" | "bravo"] },
        ...metrics(node.name as "alpha" | "bravo"),
      });
    }
    const api = connectInvoiceApi(apiAddress, token);
    await waitUntil(
      "the invoice API with both bridges connected",
      async () => {
        const info = await api.getInfo().catch(() => undefined);
        return info !== undefined && info.nodes.every((n) => n.bridgeConnected) ? true : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 250 },
    );
    const stopService = async (name: "matcher" | "alpha" | "bravo"): Promise<void> => {
      const child = byName.get(name);
      if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      await new Promise((resolve) => child.once("exit", resolve));
    };
    return { run, deployment, api, apiAddress, apiToken: token, logFiles, stopService, stop };
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}
