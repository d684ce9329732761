// The embedded-default demo (README "run" command; infra/run-demo.sh brings the stack up first):
// starts the invoice matcher (+ API) and one interceptor bridge per cluster node as separate
// processes, creates a coordinator invoice too large for one channel, shows its route hints,
// pays it from the payer node, shows which cluster nodes carried the parts, and prints the
// settlement events a plain Kafka consumer sees on the public topic. Each service authenticates to
// Kafka as its own principal: its config names the credentials file infra/stack up wrote.
// --containers (infra/run-demo.sh --containers): the same services (the operator console too) as
// Podman containers from the images of infra/containers (host networking: the stack listens on
// loopback), stopped and removed at the end unless --keep.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createKafka, decodeAs, deploymentGroups, deploymentTopics, readKafkaCredentialsFile, runCommittingConsumer, type RunningConsumer } from "@ic/event-log";
import { decodeInvoice, formatShortChannelId, loadSecp256k1Backend } from "@ic/lightning-protocol";
import { connectInvoiceApi } from "@ic/invoice-api-client";
import { loadStackConfig, operatorConsoleCredentials } from "../support/stack-config.ts";
import { connectAll, type StackClients } from "../support/lnd-nodes.ts";
import { restorePayerLiquidity } from "../support/liquidity.ts";
import { partsByNode } from "../support/payments.ts";
import { runAllSteps } from "../support/run-all-steps.ts";
import { waitUntil } from "../support/wait-until.ts";
import { podman, podmanWithEnv, startCoordinatorContainers, type CoordinatorContainers } from "../support/coordinator-containers.ts";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const stack = loadStackConfig();
const demoDir = path.join(stack.runDir, "demo");
mkdirSync(demoDir, { recursive: true });
const say = (line: string): void => console.log(`[demo] ${line}`);

// The coordinator's secrets, made once per run directory and readable by root only.
const secretsFile = path.join(demoDir, "secrets.json");
if (!existsSync(secretsFile)) {
  writeFileSync(
    secretsFile,
    JSON.stringify({ nodeKey: randomBytes(32).toString("hex"), preimageSeed: randomBytes(32).toString("hex"), apiToken: randomBytes(24).toString("hex") }),
    { mode: 0o600 },
  );
}
const secrets = JSON.parse(readFileSync(secretsFile, "utf8")) as { nodeKey: string; preimageSeed: string; apiToken: string };
const apiAddress = process.env.IC_DEMO_API ?? "127.0.0.1:10200";
const { alpha, bravo } = stack.cluster.nodes;
const deployment = stack.kafkaDeployment;

const matcherConfigFile = path.join(demoDir, "matcher.json");
writeFileSync(
  matcherConfigFile,
  JSON.stringify(
    {
      network: "regtest",
      postgresUrl: stack.postgresUrl,
      dbSchema: "demo",
      deployment,
      kafka: { brokers: stack.kafkaBrokers, credentialsFile: stack.kafkaCredentials.matcher },
      cluster: [alpha, bravo].map((n) => ({ name: n.name, pubkey: n.pubkey })),
      virtualHopPolicy: { feeBaseMsat: 1000, feeProportionalMillionths: 100, cltvExpiryDelta: 40 },
      api: { listen: apiAddress },
      metricsPort: 9464,
    },
    null,
    2,
  ),
);
const bridgeMetricsPort = { alpha: 9465, bravo: 9466 };
// The operator console (services/operator-console) over the same API, metrics and Kafka groups;
// its Kafka principal may only describe the groups and topics whose lag it shows.
const consoleAddress = process.env.IC_DEMO_CONSOLE ?? "127.0.0.1:9480";
const consoleConfigFile = path.join(demoDir, "console.json");
writeFileSync(
  consoleConfigFile,
  JSON.stringify(
    {
      listen: consoleAddress,
      api: { address: apiAddress },
      deployment,
      bridges: (["alpha", "bravo"] as const).map((node) => ({ node, metricsUrl: `http://127.0.0.1:${bridgeMetricsPort[node]}/metrics` })),
      matchers: [{ name: "matcher", metricsUrl: "http://127.0.0.1:9464/metrics" }],
      kafka: { brokers: stack.kafkaBrokers, credentialsFile: operatorConsoleCredentials(stack) },
    },
    null,
    2,
  ),
);
const bridgeConfigFile = (node: typeof alpha): string => {
  const file = path.join(demoDir, `bridge-${node.name}.json`);
  writeFileSync(
    file,
    JSON.stringify(
      {
        nodeName: node.name,
        lnd: { grpcAddress: node.grpcAddress, tlsCertPath: node.tlsCertPath, macaroonPath: node.macaroonPath },
        expectedPubkey: node.pubkey,
        network: "regtest",
        deployment,
        kafka: { brokers: stack.kafkaBrokers, credentialsFile: stack.kafkaCredentials.bridges[node.name as "alpha" | "bravo"] },
        metricsPort: bridgeMetricsPort[node.name as "alpha" | "bravo"],
        metricsHost: "127.0.0.1",
      },
      null,
      2,
    ),
  );
  return file;
};

const children: ChildProcess[] = [];
function startService(name: string, entry: string, configFile: string, env: Record<string, string> = {}): void {
  const log = path.join(stack.runDir, "logs", `demo-${name}.log`);
  const out = openSync(log, "a");
  const child = spawn(path.join(repo, "node_modules/.bin/tsx"), [entry, "--config", configFile], {
    cwd: repo,
    env: { ...process.env, ...env },
    stdio: ["ignore", out, out],
  });
  child.on("exit", (code, signal) => {
    if (!stopping) say(`${name} exited (${code ?? signal}); see ${log}`);
  });
  children.push(child);
  say(`started ${name} (pid ${child.pid}), log ${path.relative(repo, log)}`);
}
const inContainers = process.argv.includes("--containers");
const keepContainers = process.argv.includes("--keep");
let containers: CoordinatorContainers | undefined;
let stopping = false;
async function stopAll(): Promise<void> {
  stopping = true;
  for (const c of children) c.kill("SIGTERM");
  if (containers === undefined) return;
  if (keepContainers) {
    say(`--keep: the containers go on running (${Object.values(containers.names).join(", ")}); stop them with infra/containers/podman.sh rm -f -t 10 ${Object.values(containers.names).join(" ")}`);
    await containers.api.close();
    return;
  }
  const stopped = await containers.stop();
  for (const s of Object.values(stopped)) say(`stopped container ${s.name} in ${s.stopMs} ms (SIGTERM; exit code ${s.exitCode}); its log: .run/logs/${s.name}.log`);
}
process.on("SIGINT", () => {
  void stopAll().finally(() => process.exit(130));
});

async function startServices(): Promise<void> {
  if (!inContainers) {
    startService("invoice-matcher", "services/invoice-matcher/src/main.ts", matcherConfigFile, {
      IC_MATCHER_NODE_KEY: secrets.nodeKey,
      IC_MATCHER_PREIMAGE_SEED: secrets.preimageSeed,
      IC_MATCHER_API_TOKEN: secrets.apiToken,
    });
    for (const node of [alpha, bravo]) startService(`bridge-${node.name}`, "services/interceptor-bridge/src/main.ts", bridgeConfigFile(node));
    startService("operator-console", "services/operator-console/src/main.ts", consoleConfigFile, { IC_CONSOLE_API_AUTH_TOKEN: secrets.apiToken });
    say(`operator console: http://${consoleAddress}/ (sign in with apiToken of ${path.relative(repo, secretsFile)}; it runs while the demo does)`);
    return;
  }
  say("starting the matcher, one bridge per cluster node and the operator console as Podman containers (host networking: the stack listens on 127.0.0.1)");
  containers = await startCoordinatorContainers(stack, {
    namePrefix: "ic-demo",
    deployment,
    dbSchema: "demo",
    secrets,
    apiPort: Number(apiAddress.split(":")[1]),
    metricsPorts: { matcher: 9464, alpha: 9465, bravo: 9466 },
    // The console's container listens on the host's loopback (cleartext only there).
    console: { port: Number(consoleAddress.split(":")[1]) },
  });
  for (const role of ["matcher", "alpha", "bravo", "console"] as const) {
    const s = await containers.state(role);
    const imageId = await podman("image", "inspect", "--format", "{{.Id}}", s.image);
    say(`  container ${s.name} (${s.status}), image ${s.image} ${imageId.slice(0, 12)}, healthy ${containers.readyAfterMs[role]} ms after start`);
  }
  say(`both bridges ready ${Math.max(containers.readyAfterMs.alpha, containers.readyAfterMs.bravo)} ms after the containers were started`);
  say(`operator console: ${containers.consoleUrl}/ (sign in with apiToken of ${path.relative(repo, secretsFile)}; it runs while the demo does${keepContainers ? ", and after it with --keep" : ""})`);
}

async function main(): Promise<void> {
  await startServices();

  const api = connectInvoiceApi(apiAddress, secrets.apiToken);
  let watcher: RunningConsumer | undefined;
  let nodes: StackClients | undefined;
  try {
    const info = await waitUntil(
      "the invoice API with both bridges connected",
      async () => {
        const i = await api.getInfo();
        return i.nodes.every((n) => n.bridgeConnected) ? i : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 500 },
    );
    say(`coordinator (virtual node) ${info.coordinatorPubkey} on ${info.network}`);
    for (const n of info.nodes) say(`  cluster node ${n.name} ${n.pubkey.slice(0, 16)}… virtual scid ${formatShortChannelId(n.virtualScid)} bridge connected`);

    // A downstream service: the read-only public principal, under its group prefix.
    const kafka = createKafka({ brokers: stack.kafkaBrokers, clientId: "demo-watcher", sasl: readKafkaCredentialsFile(stack.kafkaCredentials.public) });
    const seen: string[] = [];
    const { invoice } = await api.createInvoice({
      externalRef: `demo-${Date.now()}`,
      amountMsat: 1_500_000_000n,
      description: "demo: 1.5M sat, more than any one channel holds",
      mode: "auto",
    });
    watcher = await runCommittingConsumer(kafka, {
      groupId: `${deploymentGroups(deployment).publicPrefix}demo-watcher-${invoice.paymentHash.slice(0, 8)}`,
      topics: [deploymentTopics(deployment).invoiceEvents],
      fromBeginning: true,
      maxWaitTimeMs: 200,
      handler: async (record) => {
        const event = decodeAs("invoice-event", record);
        if (event.paymentHash !== invoice.paymentHash) return;
        seen.push(event.kind);
        say(`public event ${event.kind} (sequence ${event.sequence})${event.amountPaidMsat !== null ? ` paid ${event.amountPaidMsat} msat` : ""}`);
      },
    });
    say(`invoice ${invoice.paymentHash} for ${invoice.amountMsat} msat:`);
    say(`  ${invoice.bolt11}`);
    const decoded = decodeInvoice(loadSecp256k1Backend().backend, invoice.bolt11);
    if (decoded.ok) {
      for (const hint of decoded.value.routeHints) {
        for (const hop of hint) {
          say(`  route hint: ${Buffer.from(hop.nodePubkey).toString("hex").slice(0, 16)}… -> virtual node over ${formatShortChannelId(hop.shortChannelId)} (fee ${hop.feeBaseMsat} msat + ${hop.feeProportionalMillionths} ppm, cltv delta ${hop.cltvExpiryDelta})`);
        }
      }
    }

    nodes = await connectAll(stack);
    // Earlier runs moved the payer's funds to the cluster nodes; give them back first.
    await restorePayerLiquidity(stack, nodes);
    say("payer pays it (lnd SendPaymentV2, multi-part allowed)…");
    const started = Date.now();
    const payment = await nodes.payer.sendPaymentV2({ paymentRequest: invoice.bolt11, timeoutSeconds: 90, feeLimitMsat: 2_000_000n, maxParts: 16 }).final();
    say(`payment ${payment.status} in ${Date.now() - started} ms, fee ${payment.feeMsat} msat`);
    for (const part of partsByNode(payment, stack)) say(`  part of ${part.amountMsat} msat carried by cluster node ${part.node}`);
    if (payment.status !== "SUCCEEDED") throw new Error(`payment failed: ${payment.failureReason}`);
    await waitUntil("the SETTLED event", () => seen.includes("SETTLED"), { timeoutMs: 60_000 });
    const final = await api.lookupInvoice({ paymentHash: invoice.paymentHash });
    say(`invoice ${final.status}: ${final.amountPaidMsat} msat via ${final.htlcs.length} HTLCs on ${new Set(final.htlcs.map((h) => h.nodeId)).size} nodes`);
    if (containers !== undefined) {
      // The operator CLI's image too, against the same API (token from the environment).
      const lookup = await podmanWithEnv({ IC_API_TOKEN: secrets.apiToken }, "run", "--rm", "--network", "host", "--read-only", "--env", "IC_API_TOKEN", "localhost/invoice-coordinator/coordinator-cli:latest", "--api", apiAddress, "lookup", "--hash", invoice.paymentHash);
      say(`coordinator-cli container: lookup -> ${lookup.replace(/\s+/g, " ").slice(0, 200)}`);
    }
  } finally {
    // Open clients and the consumer would keep this process alive after a failure.
    await runAllSteps("closing the demo's clients", [
      ["public event watcher", () => watcher?.stop()],
      ["lnd clients", () => nodes?.closeAll()],
      ["invoice API client", () => api.close()],
    ]).catch((error: unknown) => say(error instanceof Error ? error.message : String(error)));
  }
}

main()
  .then(async () => {
    say("done; stopping the services (the stack stays up: infra/stack down stops it)");
    await stopAll();
  })
  .catch(async (error: unknown) => {
    console.error(`[demo] failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
    await stopAll().catch((e: unknown) => console.error(`[demo] ${e instanceof Error ? e.message : String(e)}`));
  });
