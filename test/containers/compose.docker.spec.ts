// compose.yaml on Docker's own engine (the docker tier, opt-in: IC_SUITES=docker; the engine and
// the images come from docker-engine.global-setup.ts): `docker compose up` through
// infra/containers/compose-local.sh (IC_CONTAINER_ENGINE=docker) with a deployment folder, Kafka
// deployment and schema of this test's own, Docker's own health checks (Docker schedules them),
// a multi-part payment across alpha and bravo, a crash of the matcher's and alpha's bridge's
// processes brought back by `restart: unless-stopped`, a second payment, then SIGTERM stops
// every container cleanly; `down` removes them. The webhook relay runs beside them (compose's
// profile webhooks, `up --webhooks`): healthy by Docker's check, the first payment's SETTLED event
// POSTed to a receiver in this test, signed with the secret compose-local.sh mounted.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createKafka,
  decodeAs,
  deploymentGroups,
  deploymentTopics,
  readKafkaCredentialsFile,
  runCommittingConsumer,
  type RunningConsumer,
} from "@ic/event-log";
import { provisionTestDeployment } from "@ic/event-log/testing";
import { connectInvoiceApi, type InvoiceApiClient } from "@ic/invoice-api-client";
import { loadStackConfig } from "../support/stack-config.ts";
import { connectAll, type StackClients } from "../support/lnd-nodes.ts";
import { restorePayerLiquidity } from "../support/liquidity.ts";
import { runAllSteps } from "../support/run-all-steps.ts";
import { waitUntil } from "../support/wait-until.ts";
import { containerLogs, containerState, crashContainer, engineCommand } from "../support/coordinator-containers.ts";
import { payAcrossBothNodes } from "./pay-across-cluster.ts";
import { startWebhookReceiver, type WebhookReceiver } from "./webhook-receiver.ts";

const execFileAsync = promisify(execFile);
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const stack = loadStackConfig();
const run = randomBytes(4).toString("hex");
// One project name: a later run's `down` removes what an interrupted one left running.
const project = "ic-docker-e2e";
const deployment = `dkr-${run}`;
const dbSchema = `dkr_${run}`;
const apiPort = 10_262;
const metricsPorts = { matcher: 19_474, "bridge-alpha": 19_475, "bridge-bravo": 19_476, "webhook-relay": 19_477 };
type Service = keyof typeof metricsPorts;
const services = Object.keys(metricsPorts) as Service[];
const imageOf: Record<Service, string> = {
  matcher: "invoice-matcher",
  "bridge-alpha": "interceptor-bridge",
  "bridge-bravo": "interceptor-bridge",
  "webhook-relay": "webhook-relay",
};
/** The endpoint's HMAC secret compose-local.sh makes once and mounts into the relay's container. */
const webhookSecretFile = path.join(stack.runDir, "containers/webhook-local.secret");
const secrets = {
  IC_MATCHER_NODE_KEY: randomBytes(32).toString("hex"),
  IC_MATCHER_PREIMAGE_SEED: randomBytes(32).toString("hex"),
  IC_MATCHER_API_TOKEN: randomBytes(24).toString("hex"),
};
const { alpha, bravo } = stack.cluster.nodes;
const clusterNodes = [
  { name: "alpha", pubkey: alpha.pubkey },
  { name: "bravo", pubkey: bravo.pubkey },
];

/** compose-local.sh with Docker and this test's deployment; resolves with its log lines (stderr). */
async function composeLocal(command: "up" | "down"): Promise<string> {
  try {
    const args = command === "up" ? ["up", "--webhooks"] : ["down"];
    const { stderr } = await execFileAsync("bash", [path.join(repo, "infra/containers/compose-local.sh"), ...args], {
      maxBuffer: 16 * 1024 * 1024,
      env: {
        ...process.env,
        ...secrets,
        IC_CONTAINER_ENGINE: "docker",
        IC_COMPOSE_PROJECT: project,
        IC_COMPOSE_DEPLOYMENT: deployment,
        IC_COMPOSE_DB_SCHEMA: dbSchema,
        IC_COMPOSE_API_PORT: String(apiPort),
        IC_MATCHER_METRICS_PORT: String(metricsPorts.matcher),
        IC_BRIDGE_ALPHA_METRICS_PORT: String(metricsPorts["bridge-alpha"]),
        IC_BRIDGE_BRAVO_METRICS_PORT: String(metricsPorts["bridge-bravo"]),
        IC_WEBHOOK_METRICS_PORT: String(metricsPorts["webhook-relay"]),
        ...(receiver === undefined ? {} : { IC_COMPOSE_WEBHOOK_URL: receiver.url }),
      },
    });
    return stderr.trim();
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim().split("\n").slice(-20).join("\n");
    throw new Error(`compose-local.sh ${command} (docker) failed:\n${stderr || (error as Error).message}`);
  }
}

const docker = (...args: string[]): Promise<string> => engineCommand("docker", {}, ...args);
/** The container compose made for a service, found by compose's labels. */
async function containerOf(service: Service): Promise<string> {
  const name = await docker(
    "ps",
    "-a",
    "--filter",
    `label=com.docker.compose.project=${project}`,
    "--filter",
    `label=com.docker.compose.service=${service}`,
    "--format",
    "{{.Names}}",
  );
  if (name === "") throw new Error(`no container of ${service} in compose project ${project}`);
  return name.split("\n")[0]!;
}
/** Docker's own health status (its scheduler ran the image's HEALTHCHECK; the test never runs it). */
const healthStatus = (name: string): Promise<string> =>
  docker("inspect", "--format", "{{if .State.Health}}{{.State.Health.Status}}{{end}}", name);
const waitDockerHealthy = (name: string): Promise<unknown> =>
  waitUntil(`Docker to report ${name} healthy`, async () => (await healthStatus(name)) === "healthy", {
    timeoutMs: 120_000,
    intervalMs: 250,
  });

let nodes: StackClients | undefined;
let api: InvoiceApiClient | undefined;
let provisioned: Awaited<ReturnType<typeof provisionTestDeployment>> | undefined;
let watcher: RunningConsumer | undefined;
let composeUp = false;
let receiver: WebhookReceiver | undefined;
const names = {} as Record<Service, string>;
const events = new Map<string, string[]>();

beforeAll(async () => {
  // Leftovers of an interrupted run would hold alpha's and bravo's interceptors (unless-stopped).
  await composeLocal("down");
  provisioned = await provisionTestDeployment({ deployment, nodes: clusterNodes });
  const kafka = createKafka({
    brokers: stack.kafkaBrokers,
    clientId: `docker-e2e-${run}`,
    sasl: readKafkaCredentialsFile(stack.kafkaCredentials.admin),
  });
  watcher = await runCommittingConsumer(kafka, {
    groupId: `${deploymentGroups(deployment).publicPrefix}docker-e2e`,
    topics: [deploymentTopics(deployment).invoiceEvents],
    fromBeginning: true,
    maxWaitTimeMs: 200,
    handler: async (record) => {
      const event = decodeAs("invoice-event", record);
      events.set(event.paymentHash, [...(events.get(event.paymentHash) ?? []), event.kind]);
    },
  });
  receiver = await startWebhookReceiver();
  nodes = await connectAll(stack);
  await restorePayerLiquidity(stack, nodes);
  composeUp = true;
  const upLog = await composeLocal("up");
  console.log(`[docker tier] ${upLog.split("\n").slice(-4).join("\n  ")}`);
  for (const service of services) names[service] = await containerOf(service);
  api = connectInvoiceApi(`127.0.0.1:${apiPort}`, secrets.IC_MATCHER_API_TOKEN);
  await waitUntil(
    "the invoice API with both bridges connected",
    async () => {
      const info = await api!.getInfo().catch(() => undefined);
      return info !== undefined && info.nodes.every((n) => n.bridgeConnected);
    },
    { timeoutMs: 120_000, intervalMs: 250 },
  );
});

afterAll(async () => {
  await runAllSteps("cleaning up the compose-on-Docker test", [
    ["invoice API client", () => api?.close()],
    [
      "compose down",
      async () => {
        if (!composeUp) return;
        const logs = await Promise.all(
          Object.values(names).map(async (n) => `${n}: ${await containerLogs(n, 5, "docker")}`),
        );
        await composeLocal("down").catch((error: unknown) => {
          throw new Error(`${(error as Error).message}\n${logs.join("\n")}`);
        });
      },
    ],
    ["public event watcher", () => watcher?.stop()],
    ["webhook receiver", () => receiver?.close()],
    ["lnd clients", () => nodes?.closeAll()],
    [
      "topics, ACLs and groups",
      () =>
        provisioned?.remove([
          deploymentGroups(deployment).matcher,
          `${deploymentGroups(deployment).publicPrefix}docker-e2e`,
          deploymentGroups(deployment).webhookRelay,
          ...clusterNodes.map((n) => deploymentGroups(deployment).bridge(n.pubkey)),
        ]),
    ],
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
});

describe("compose.yaml on Docker", () => {
  it("runs each service as compose.yaml says (host network, init, read-only root, uid 1000, unless-stopped), healthy by Docker's own checks", async () => {
    for (const service of services) {
      const [network, init, readOnly, user, restart, tmpfs] = (
        await docker(
          "inspect",
          "--format",
          "{{.HostConfig.NetworkMode}}|{{.HostConfig.Init}}|{{.HostConfig.ReadonlyRootfs}}|{{.Config.User}}|{{.HostConfig.RestartPolicy.Name}}|{{json .HostConfig.Tmpfs}}",
          names[service],
        )
      ).split("|");
      expect({ network, init, readOnly, user, restart }, service).toEqual({
        network: "host",
        init: "true",
        readOnly: "true",
        user: "1000:1000",
        restart: "unless-stopped",
      });
      expect(Object.keys(JSON.parse(tmpfs!) as Record<string, string>), service).toEqual(["/tmp"]);
      const state = await containerState("docker", names[service]);
      expect(state.status, service).toBe("running");
      expect(state.image, service).toMatch(new RegExp(`/${imageOf[service]}:latest$`));
      expect(await healthStatus(names[service]), service).toBe("healthy");
    }
  });

  it("pays a multi-part invoice across alpha and bravo, settled once", async () => {
    await payAcrossBothNodes({ stack, nodes: nodes!, api: api!, events }, `docker-before-crash-${run}`);
  });

  it("the relay's container POSTs the SETTLED event to the endpoint, signed with the mounted secret", async () => {
    const settledHashes = [...events].filter(([, kinds]) => kinds.includes("SETTLED")).map(([hash]) => hash);
    expect(settledHashes).toHaveLength(1);
    const secret = readFileSync(webhookSecretFile, "utf8").trim();
    await receiver!.expectSignedEvent({ paymentHash: settledHashes[0]!, kind: "SETTLED", secret, deployment });
  });

  it("after the matcher's and a bridge's processes are killed, Docker's restart policy brings them back healthy and a second invoice settles once", async () => {
    const [matcher, bridge] = await Promise.all([
      crashContainer("docker", names.matcher),
      crashContainer("docker", names["bridge-alpha"]),
    ]);
    expect(matcher.restarts).toBeGreaterThanOrEqual(1);
    expect(bridge.restarts).toBeGreaterThanOrEqual(1);
    await Promise.all([waitDockerHealthy(names.matcher), waitDockerHealthy(names["bridge-alpha"])]);
    await waitUntil(
      "both bridges connected again",
      async () => {
        const info = await api!.getInfo().catch(() => undefined);
        return info !== undefined && info.nodes.every((n) => n.bridgeConnected);
      },
      { timeoutMs: 120_000, intervalMs: 250 },
    );
    await payAcrossBothNodes({ stack, nodes: nodes!, api: api!, events }, `docker-after-crash-${run}`);
  });

  it("stops every container on SIGTERM (docker stop), cleanly (exit code 0) and well before Docker's 10 s SIGKILL", async () => {
    // The API client first, as an operator's clients would be gone: an open one keeps the matcher's API server draining.
    await api?.close();
    api = undefined;
    const stopped = await Promise.all(
      services.map(async (service) => {
        const started = Date.now();
        await docker("stop", "-t", "10", names[service]);
        return { ...(await containerState("docker", names[service])), stopMs: Date.now() - started };
      }),
    );
    console.log(`[docker tier] SIGTERM -> exited: ${stopped.map((s) => `${s.name} ${s.stopMs} ms`).join(", ")}`);
    for (const state of stopped) {
      expect(state.status, state.name).toBe("exited");
      expect(state.exitCode, state.name).toBe(0);
      expect(state.stopMs, state.name).toBeLessThan(9_000);
    }
  });
});
