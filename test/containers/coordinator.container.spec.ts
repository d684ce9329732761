// The coordinator deployed as separate containers (the images of infra/containers, run by Podman
// with host networking against the real stack): a multi-part payment across alpha and bravo,
// then a crash of the matcher's and alpha's bridge's containers (their processes killed from
// the host; the restart policy brings them back), then a second payment; each invoice settles
// once. Then SIGTERM stops every container cleanly (exit code 0) within seconds. The operator
// console runs beside them from its own image: healthy by its check (/login), 401 to its API
// without the token, the stack's nodes with it. The webhook relay too: healthy by its check
// (/readyz: its consumer joined), and the first payment's SETTLED event reaches a receiver in this
// test, signed with the endpoint's secret.
// The images are built once per run by build-images.global-setup.ts.
import { randomBytes } from "node:crypto";
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
import { loadStackConfig } from "../support/stack-config.ts";
import { connectAll, type StackClients } from "../support/lnd-nodes.ts";
import { restorePayerLiquidity } from "../support/liquidity.ts";
import { runAllSteps } from "../support/run-all-steps.ts";
import { waitUntil } from "../support/wait-until.ts";
import {
  removeContainersLabelled,
  startCoordinatorContainers,
  type CoordinatorContainers,
} from "../support/coordinator-containers.ts";
import { payAcrossBothNodes as payAcross } from "./pay-across-cluster.ts";
import { startWebhookReceiver, type WebhookReceiver } from "./webhook-receiver.ts";

const stack = loadStackConfig();
const run = randomBytes(4).toString("hex");
const deployment = `ctr-${run}`;
const dbSchema = `ctr_${run}`;
const LABEL = "io.invoice-coordinator.test=container-e2e";
const { alpha, bravo } = stack.cluster.nodes;
const clusterNodes = [
  { name: "alpha", pubkey: alpha.pubkey },
  { name: "bravo", pubkey: bravo.pubkey },
];

let nodes: StackClients | undefined;
let containers: CoordinatorContainers | undefined;
const apiToken = randomBytes(24).toString("hex");
let provisioned: Awaited<ReturnType<typeof provisionTestDeployment>> | undefined;
let watcher: RunningConsumer | undefined;
/** Public invoice events of this deployment: payment hash -> kinds in order. */
const events = new Map<string, string[]>();
const webhookSecret = randomBytes(24).toString("hex");
let receiver: WebhookReceiver | undefined;

beforeAll(async () => {
  // Leftovers of an interrupted run would go on holding alpha's and bravo's interceptors (restart=always).
  await removeContainersLabelled(LABEL);
  provisioned = await provisionTestDeployment({ deployment, nodes: clusterNodes });
  const kafka = createKafka({
    brokers: stack.kafkaBrokers,
    clientId: `container-e2e-${run}`,
    sasl: readKafkaCredentialsFile(stack.kafkaCredentials.admin),
  });
  watcher = await runCommittingConsumer(kafka, {
    groupId: `${deploymentGroups(deployment).publicPrefix}container-e2e`,
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
  containers = await startCoordinatorContainers(stack, {
    namePrefix: `ic-test-${run}`,
    deployment,
    dbSchema,
    secrets: {
      nodeKey: randomBytes(32).toString("hex"),
      preimageSeed: randomBytes(32).toString("hex"),
      apiToken,
    },
    apiPort: 10_261,
    metricsPorts: { matcher: 19_464, alpha: 19_465, bravo: 19_466 },
    console: { port: 19_480 },
    webhooks: {
      metricsPort: 19_467,
      endpoint: { name: "tier", url: receiver.url, secret: webhookSecret },
    },
    label: LABEL,
  });
  await waitUntil(
    "the invoice API with both bridges connected",
    async () => {
      const info = await containers!.api.getInfo().catch(() => undefined);
      return info !== undefined && info.nodes.every((n) => n.bridgeConnected);
    },
    { timeoutMs: 120_000, intervalMs: 250 },
  );
});

afterAll(async () => {
  await runAllSteps("cleaning up the container e2e test", [
    ["containers", async () => void (await containers?.stop())],
    ["leftover containers", async () => void (await removeContainersLabelled(LABEL))],
    ["public event watcher", () => watcher?.stop()],
    ["webhook receiver", () => receiver?.close()],
    ["lnd clients", () => nodes?.closeAll()],
    [
      "topics, ACLs and groups",
      () =>
        provisioned?.remove([
          deploymentGroups(deployment).matcher,
          `${deploymentGroups(deployment).publicPrefix}container-e2e`,
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

/** What the test reads of the console's GET /api/overview (services/operator-console/src/view/console-model.ts). */
interface ConsoleOverview {
  api: { state: string };
  kafka: { state: string; matcherGroup: string };
  matchers: { metrics: string }[];
  bridges: { node: string; pubkey?: string; metrics: string; apiSaysConnected?: boolean; lndConnected?: boolean }[];
}

/** The 1.5M sat payment split across alpha and bravo, settled once (pay-across-cluster.ts). */
function payAcrossBothNodes(label: string): Promise<void> {
  return payAcross({ stack, nodes: nodes!, api: containers!.api, events }, `${label}-${run}`);
}

describe("the coordinator as containers", () => {
  it("runs each service in its own container from the project's images, healthy by the images' own check", async () => {
    for (const role of ["matcher", "alpha", "bravo"] as const) {
      const state = await containers!.state(role);
      expect(state.status).toBe("running");
      expect(state.image).toMatch(
        role === "matcher" ? /\/invoice-matcher:latest$/ : /\/interceptor-bridge:latest$/,
      );
      expect(await containers!.healthy(role)).toBe(true);
    }
  });

  it("runs the operator console from its image: /login healthy, 401 to /api without the token, the stack's nodes with it", async () => {
    const state = await containers!.state("console");
    expect(state.status).toBe("running");
    expect(state.image).toMatch(/\/operator-console:latest$/);
    expect(await containers!.healthy("console")).toBe(true);
    const url = containers!.consoleUrl!;
    const login = await fetch(`${url}/login`);
    expect(login.status).toBe(200);
    expect(await login.text()).toContain("<form");
    for (const authorization of [undefined, `Bearer ${randomBytes(24).toString("hex")}`]) {
      const refused = await fetch(`${url}/api/overview`, { headers: authorization === undefined ? {} : { authorization } });
      expect(refused.status, authorization === undefined ? "no token" : "a wrong token").toBe(401);
      expect(Object.keys((await refused.json()) as object)).toEqual(["error"]);
    }
    // With the token: GetInfo's nodes, each bridge's metrics read, the matcher's, and Kafka (lag) up.
    const overview = await waitUntil(
      "the console's overview with both bridges connected and every part read",
      async () => {
        const response = await fetch(`${url}/api/overview`, { headers: { authorization: `Bearer ${apiToken}` } });
        expect(response.status).toBe(200);
        const o = (await response.json()) as ConsoleOverview;
        const ready =
          o.api.state === "up" &&
          o.kafka.state === "up" &&
          o.matchers.every((m) => m.metrics === "up") &&
          o.bridges.length === 2 &&
          o.bridges.every((b) => b.metrics === "up" && b.apiSaysConnected === true && b.lndConnected === true);
        return ready ? o : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 250 },
    );
    expect(overview.bridges.map((b) => [b.node, b.pubkey]).sort()).toEqual([
      ["alpha", alpha.pubkey],
      ["bravo", bravo.pubkey],
    ]);
    expect(overview.kafka.matcherGroup).toBe(deploymentGroups(deployment).matcher);
  });

  it("runs the webhook relay from its image, healthy once its consumer joined", async () => {
    const state = await containers!.state("relay");
    expect(state.status).toBe("running");
    expect(state.image).toMatch(/\/webhook-relay:latest$/);
    expect(await containers!.healthy("relay")).toBe(true);
  });

  it("pays a multi-part invoice across alpha and bravo, settled once", async () => {
    await payAcrossBothNodes("before-crash");
  });

  it("the relay container POSTs the SETTLED event to the endpoint, signed with its secret", async () => {
    const settledHashes = [...events].filter(([, kinds]) => kinds.includes("SETTLED")).map(([hash]) => hash);
    expect(settledHashes).toHaveLength(1);
    await receiver!.expectSignedEvent({ paymentHash: settledHashes[0]!, kind: "SETTLED", secret: webhookSecret, deployment });
  });

  it("after the matcher's and a bridge's containers crash, the restart policy brings them back and a second invoice settles once", async () => {
    const [matcher, bridge] = await Promise.all([containers!.crash("matcher"), containers!.crash("alpha")]);
    expect(matcher.restarts).toBeGreaterThanOrEqual(1);
    expect(bridge.restarts).toBeGreaterThanOrEqual(1);
    await Promise.all([containers!.waitHealthy("matcher"), containers!.waitHealthy("alpha")]);
    await waitUntil(
      "both bridges connected again",
      async () => {
        const info = await containers!.api.getInfo().catch(() => undefined);
        return info !== undefined && info.nodes.every((n) => n.bridgeConnected);
      },
      { timeoutMs: 120_000, intervalMs: 250 },
    );
    await payAcrossBothNodes("after-crash");
  });

  it("stops every container on SIGTERM, cleanly (exit code 0) and well before podman's 10 s SIGKILL", async () => {
    const stopped = await containers!.stop();
    containers = undefined;
    console.log(
      `[container tier] SIGTERM -> exited: ${Object.values(stopped)
        .map((s) => `${s.name} ${s.stopMs} ms (exit ${s.exitCode})`)
        .join(", ")}`,
    );
    for (const state of Object.values(stopped)) {
      expect(state.status, state.name).toBe("exited");
      expect(state.exitCode, state.name).toBe(0);
      expect(state.stopMs, state.name).toBeLessThan(9_000);
    }
    expect(Object.keys(stopped).sort()).toEqual(["alpha", "bravo", "console", "matcher", "relay"]);
  });
});
