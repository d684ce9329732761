// The chaos run (issue 10, item 9): the coordinator as deployed (two matchers in one group, one
// bridge per cluster node, each its own process) on the stack (three Kafka brokers when the stack
// has them), payments from the payer of every kind, and faults injected at random times, one at a
// time, each undone before the next: kill -9 of a bridge or a matcher (restarted as a supervisor
// would), kill -9 of one Kafka broker, a Postgres restart, an lnd cluster node restart, a Kafka
// outage of several seconds. At the end it checks, from lnd's records (the payer's payments, the
// cluster nodes' final HTLC resolutions) and the coordinator's (API, journal, public topic, replay
// audit), the money-safety rules, and prints one JSON line. Exit 1 if any of underpaidSettles,
// doubleSettles, lostSettlements, heldPastTimeout, auditMismatches, secretLeaks is not 0.
//
// Usage (infra/run-chaos.sh brings the stack up first): tsx test/chaos/chaos-run.ts [payments] [faults]
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, openSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import pg from "pg";
import pino from "pino";
import { createKafka, deploymentGroups, readKafkaCredentialsFile } from "@ic/event-log";
import { decodeInvoice, loadSecp256k1Backend } from "@ic/lightning-protocol";
import { connectInvoiceApi, type InvoiceApiClient, type InvoiceView } from "@ic/invoice-api-client";
import type { Payment } from "@ic/lnd-client";
import { planDeployment } from "../../packages/event-log/src/provisioning/access-plan.ts";
import { deprovisionDeployment, provisionDeployment } from "../../packages/event-log/src/provisioning/provision.ts";
import { createCoordinatorIdentity } from "../../services/invoice-matcher/src/application/coordinator-identity.ts";
import { auditProjection } from "../../services/invoice-matcher/src/audit/replay-audit.ts";
import { createMatcherPool } from "../../services/invoice-matcher/src/postgres/matcher-pool.ts";
import { connectAll, type StackClients } from "../support/lnd-nodes.ts";
import { restorePayerLiquidity } from "../support/liquidity.ts";
import { lndRouteHints, payerChannelTo } from "../support/payments.ts";
import { loadStackConfig, type StackConfig } from "../support/stack-config.ts";
import { waitUntil } from "../support/wait-until.ts";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const execFileAsync = promisify(execFile);
const say = (message: string) => process.stderr.write(`[chaos ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
const backend = loadSecp256k1Backend().backend;

const MPP_TIMEOUT_MS = 60_000;
const ACCEPT_TIMEOUT_MS = 60_000;
/** How long past its timeout a part may still be held (faults stop deciding for a while). */
const HELD_SLACK_MS = 90_000;
/** Payments in flight at once (IC_CHAOS_CONCURRENCY, default 4). */
const CONCURRENCY = Math.max(1, Math.min(32, Number(process.env.IC_CHAOS_CONCURRENCY ?? "4") || 4));
/** A payment not final by then is stuck: an HTLC nobody answers (counted as a lost settlement). */
const PAYMENT_FINAL_MS = 180_000;

/** The promise's value, or `fallback` once `ms` passed (the promise is left to settle on its own). */
function within<T>(promise: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<T>((resolve) => (timer = setTimeout(() => resolve(fallback), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
const STUCK = { status: "STUCK", htlcs: [] } as unknown as Payment;

type Kind = "single" | "mpp" | "hold-settle" | "hold-cancel" | "underpaid" | "wrong-secret" | "expired";
const KINDS: readonly [Kind, number][] = [
  ["single", 40],
  ["mpp", 15],
  ["hold-settle", 15],
  ["hold-cancel", 6],
  ["underpaid", 8],
  ["wrong-secret", 8],
  ["expired", 8],
];
const AMOUNT_MSAT: Record<Kind, bigint> = {
  single: 1_000_000n,
  mpp: 4_000_000n,
  "hold-settle": 1_000_000n,
  "hold-cancel": 1_000_000n,
  underpaid: 1_000_000n,
  "wrong-secret": 1_000_000n,
  expired: 1_000_000n,
};
type FaultKind = "kill-bridge" | "kill-matcher" | "kill-kafka-broker" | "postgres-restart" | "lnd-restart" | "kafka-outage";
const FAULTS: readonly FaultKind[] = ["kill-bridge", "kill-matcher", "kill-kafka-broker", "postgres-restart", "lnd-restart", "kafka-outage"];

interface PaymentRecord {
  n: number;
  kind: Kind;
  paymentHash: string;
  paymentSecret: Uint8Array;
  amountMsat: bigint;
  payerStatus?: string;
  error?: string;
}

/** The coordinator's processes, restartable as a supervisor would. */
class Services {
  private readonly children = new Map<string, ChildProcess>();
  private readonly specs = new Map<string, { entry: string; config: string; env: Record<string, string> }>();
  readonly logFiles: string[] = [];
  constructor(private readonly dir: string) {}
  add(name: string, entry: string, config: unknown, env: Record<string, string> = {}): void {
    const file = path.join(this.dir, `${name}.json`);
    writeFileSync(file, JSON.stringify(config, null, 2));
    this.specs.set(name, { entry, config: file, env });
    this.logFiles.push(path.join(this.dir, `${name}.log`));
    this.start(name);
  }
  start(name: string): void {
    const spec = this.specs.get(name)!;
    const out = openSync(path.join(this.dir, `${name}.log`), "a");
    // node --import tsx: one process per service, so SIGKILL kills the service itself.
    const child = spawn(process.execPath, ["--import", "tsx", spec.entry, "--config", spec.config], {
      cwd: repo,
      env: { ...process.env, LOG_LEVEL: "info", ...spec.env },
      stdio: ["ignore", out, out],
    });
    this.children.set(name, child);
  }
  async kill9(name: string): Promise<void> {
    const child = this.children.get(name);
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGKILL");
    await new Promise((resolve) => child.once("exit", resolve));
  }
  /** Restarts every service that exited on its own (a crash the supervisor brings back). */
  reviveExited(): string[] {
    const revived: string[] = [];
    for (const [name, child] of this.children) {
      if (child.exitCode === null && child.signalCode === null) continue;
      this.start(name);
      revived.push(name);
    }
    return revived;
  }
  async stopAll(): Promise<void> {
    for (const child of this.children.values()) if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await Promise.all([...this.children.values()].map((c) => (c.exitCode !== null || c.signalCode !== null ? undefined : new Promise((resolve) => c.once("exit", resolve)))));
  }
}

function parseArgs(argv: readonly string[]): { payments: number; faults: number } {
  const [payments = "60", faults = "6"] = argv;
  for (const [name, text] of [["payments", payments], ["faults", faults]] as const) {
    if (!/^\d+$/.test(text) || Number(text) > 100_000) throw new Error(`${name} must be a whole number, got ${text}\nusage: chaos-run.ts [payments] [faults]`);
  }
  return { payments: Number(payments), faults: Number(faults) };
}

function plan(count: number): Kind[] {
  const total = KINDS.reduce((s, [, w]) => s + w, 0);
  const kinds: Kind[] = [];
  for (const [kind, weight] of KINDS) for (let i = 0; i < Math.max(1, Math.round((count * weight) / total)); i++) kinds.push(kind);
  while (kinds.length > count) kinds.splice(kinds.findIndex((k) => k === "single"), 1);
  while (kinds.length < count) kinds.push("single");
  return kinds.sort(() => Math.random() - 0.5);
}

async function main(): Promise<number> {
  const { payments: paymentCount, faults: faultCount } = parseArgs(process.argv.slice(2));
  const stack = loadStackConfig();
  const brokers = stack.kafkaBrokers;
  kafkaNodes = brokers.length;
  const replicationFactor = Math.min(3, brokers.length);
  const run = randomBytes(4).toString("hex");
  const deployment = `chaos-${run}`;
  const dbSchema = `chaos_${run}`;
  const dir = path.join(stack.runDir, "chaos", run);
  mkdirSync(dir, { recursive: true });
  say(`run ${run}: ${paymentCount} payments, ${faultCount} faults, ${brokers.length} Kafka broker(s) (replication ${replicationFactor}); logs in ${path.relative(repo, dir)}`);
  const { alpha, bravo } = stack.cluster.nodes;
  const nodes = [
    { name: "alpha", pubkey: alpha.pubkey },
    { name: "bravo", pubkey: bravo.pubkey },
  ];
  const adminCreds = readKafkaCredentialsFile(stack.kafkaCredentials.admin);
  const kafka = createKafka({ brokers, clientId: `chaos-${run}`, sasl: adminCreds, retry: { retries: 20, initialRetryTime: 300, maxRetryTime: 5_000 } });
  const admin = kafka.admin();
  await admin.connect();
  const accessPlan = planDeployment({ deployment, nodes, partitions: 3, replicationFactor });
  await provisionDeployment(admin, accessPlan);
  await admin.disconnect();

  const nodeKey = randomBytes(32).toString("hex");
  const seed = randomBytes(32).toString("hex");
  const token = randomBytes(24).toString("hex");
  const identity = createCoordinatorIdentity(nodeKey, seed);
  const services = new Services(dir);
  // Interrupted: the services go with the run (a later run must not meet them on lnd's interceptor).
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => void services.stopAll().finally(() => process.exit(130)));
  const apiPorts = [10_400 + Math.floor(Math.random() * 500), 10_950 + Math.floor(Math.random() * 500)];
  const matcherConfig = (port: number) => ({
    network: "regtest",
    postgresUrl: stack.postgresUrl,
    dbSchema,
    deployment,
    kafka: { brokers, credentialsFile: stack.kafkaCredentials.matcher },
    cluster: nodes,
    virtualHopPolicy: { feeBaseMsat: 1000, feeProportionalMillionths: 100, cltvExpiryDelta: 40 },
    api: { listen: `127.0.0.1:${port}` },
    mppTimeoutMs: MPP_TIMEOUT_MS,
    acceptTimeoutMs: ACCEPT_TIMEOUT_MS,
    consumer: { sessionTimeoutMs: 6_000, heartbeatIntervalMs: 500 },
  });
  const secretsEnv = { IC_MATCHER_NODE_KEY: nodeKey, IC_MATCHER_PREIMAGE_SEED: seed, IC_MATCHER_API_TOKEN: token };
  const apis = apiPorts.map((port) => connectInvoiceApi(`127.0.0.1:${port}`, token));
  let lnd: StackClients | undefined;
  const started = Date.now();
  const result = {
    payments: paymentCount,
    succeeded: 0,
    failed: 0,
    faults: 0,
    faultKinds: {} as Record<string, number>,
    underpaidSettles: 0,
    doubleSettles: 0,
    lostSettlements: 0,
    heldPastTimeout: 0,
    auditMismatches: 0,
    secretLeaks: 0,
    problems: [] as string[],
    seconds: 0,
  };
  const problem = (counter: keyof typeof result, message: string) => {
    (result[counter] as number) += 1;
    if (result.problems.length < 50) result.problems.push(`${counter}: ${message}`);
  };
  try {
    services.add("matcher-1", "services/invoice-matcher/src/main.ts", matcherConfig(apiPorts[0]!), secretsEnv);
    await waitUntil("matcher 1 answering", () => apis[0]!.getInfo().then(() => true, () => undefined), { timeoutMs: 120_000, intervalMs: 250 });
    services.add("matcher-2", "services/invoice-matcher/src/main.ts", matcherConfig(apiPorts[1]!), secretsEnv);
    for (const node of [alpha, bravo]) {
      services.add(`bridge-${node.name}`, "services/interceptor-bridge/src/main.ts", {
        nodeName: node.name,
        lnd: { grpcAddress: node.grpcAddress, tlsCertPath: node.tlsCertPath, macaroonPath: node.macaroonPath },
        expectedPubkey: node.pubkey,
        network: "regtest",
        deployment,
        kafka: { brokers, credentialsFile: stack.kafkaCredentials.bridges[node.name as "alpha" | "bravo"] },
      });
    }
    // Any answering matcher's API (one may be down during a fault).
    const api = async <T>(what: string, call: (client: InvoiceApiClient) => Promise<T>): Promise<T> =>
      waitUntil(what, async () => {
        for (const client of apis) {
          try {
            return await call(client);
          } catch (error) {
            if (!/cannot reach|UNAVAILABLE|DEADLINE/i.test(String(error))) throw error;
          }
        }
        return undefined;
      }, { timeoutMs: 120_000, intervalMs: 250 });
    await waitUntil("both bridges connected", async () => (await api("info", (c) => c.getInfo())).nodes.every((n) => n.bridgeConnected), { timeoutMs: 120_000, intervalMs: 500 });
    await waitUntil("matcher 2 answering", () => apis[1]!.getInfo().then(() => true, () => undefined), { timeoutMs: 120_000, intervalMs: 250 });
    lnd = await connectAll(stack);
    await restorePayerLiquidity(stack, lnd);
    const payer = lnd.payer;
    const channels = { alpha: await payerChannelTo(payer, alpha.pubkey), bravo: await payerChannelTo(payer, bravo.pubkey) };
    say("services up; paying");

    // --- payments ---
    const records: PaymentRecord[] = [];
    const kinds = plan(paymentCount);
    let next = 0;
    let done = 0;
    const payOne = async (n: number, kind: Kind): Promise<void> => {
      const amountMsat = AMOUNT_MSAT[kind];
      const { invoice } = await api("create invoice", (c) =>
        c.createInvoice({ externalRef: `chaos-${run}-${n}`, amountMsat, mode: kind.startsWith("hold") ? "hold" : "auto", ...(kind === "expired" ? { expirySeconds: 1 } : {}) }),
      );
      const decoded = decodeInvoice(backend, invoice.bolt11);
      if (!decoded.ok) throw new Error(decoded.error.message);
      const record: PaymentRecord = { n, kind, paymentHash: invoice.paymentHash, paymentSecret: decoded.value.paymentSecret, amountMsat };
      records.push(record);
      const custom = {
        dest: Buffer.from(decoded.value.payeeNodeKey),
        paymentHash: Buffer.from(decoded.value.paymentHash),
        finalCltvDelta: decoded.value.minFinalCltvExpiryDelta,
        routeHints: lndRouteHints(decoded.value.routeHints),
        destFeatures: ["TLV_ONION_REQ", "PAYMENT_ADDR_REQ", "MPP_OPT"] as ("TLV_ONION_REQ" | "PAYMENT_ADDR_REQ" | "MPP_OPT")[],
        timeoutSeconds: 60,
        feeLimitMsat: 100_000n,
        maxParts: 1,
      };
      let final: Payment;
      const finalOf = (updates: { final(): Promise<Payment> }) => within(updates.final(), PAYMENT_FINAL_MS, STUCK);
      if (kind === "expired") {
        // Past its expiry; paid around the payer's own expiry check, so the HTLC reaches the coordinator.
        await waitUntil("the invoice expired", () => Date.now() > Number(decoded.value.timestamp) * 1000 + 2_000, { intervalMs: 200 });
        final = await finalOf(payer.sendPaymentV2({ ...custom, amtMsat: amountMsat, paymentAddr: Buffer.from(decoded.value.paymentSecret) }));
      } else if (kind === "wrong-secret") {
        final = await finalOf(payer.sendPaymentV2({ ...custom, amtMsat: amountMsat, paymentAddr: randomBytes(32) }));
      } else if (kind === "underpaid") {
        final = await finalOf(payer.sendPaymentV2({ ...custom, amtMsat: amountMsat - 1_000n, paymentAddr: Buffer.from(decoded.value.paymentSecret) }));
      } else if (kind.startsWith("hold")) {
        const paying = finalOf(payer.sendPaymentV2({ paymentRequest: invoice.bolt11, timeoutSeconds: 60, feeLimitMsat: 100_000n, outgoingChanIds: [n % 2 === 0 ? channels.alpha : channels.bravo] }));
        const accepted = await waitUntil(`hold invoice ${n} ACCEPTED`, async () => {
          const view = await api("lookup", (c) => c.lookupInvoice({ paymentHash: invoice.paymentHash }));
          return view.status === "ACCEPTED" ? true : view.status === "OPEN" ? undefined : view.status;
        }, { timeoutMs: 90_000, intervalMs: 250 }).catch(() => "never ACCEPTED");
        if (accepted === true) {
          await api(kind === "hold-settle" ? "settle" : "cancel", (c) => (kind === "hold-settle" ? c.settleInvoice(invoice.paymentHash) : c.cancelInvoice(invoice.paymentHash))).catch(
            (error: unknown) => (record.error = `${kind}: ${String(error)}`),
          );
        } else record.error = `hold invoice: ${String(accepted)}`;
        final = await paying;
      } else if (kind === "mpp") {
        final = await finalOf(payer.sendPaymentV2({ paymentRequest: invoice.bolt11, timeoutSeconds: 60, feeLimitMsat: 100_000n, maxParts: 16, maxShardSizeMsat: 1_500_000n }));
      } else {
        final = await finalOf(payer.sendPaymentV2({ paymentRequest: invoice.bolt11, timeoutSeconds: 60, feeLimitMsat: 100_000n, outgoingChanIds: [n % 2 === 0 ? channels.alpha : channels.bravo] }));
      }
      record.payerStatus = final.status;
    };
    const workers = Array.from({ length: CONCURRENCY }, async () => {
      while (next < kinds.length) {
        const n = next++;
        await payOne(n, kinds[n]!).catch((error: unknown) => {
          const record = records.find((r) => r.n === n);
          if (record) record.error = String(error);
          say(`payment ${n} (${kinds[n]}): ${String(error)}`);
        });
        done++;
        if (done % 20 === 0) say(`${done}/${kinds.length} payments done`);
      }
    });

    // --- faults: spread over the expected duration, one at a time, each undone before the next ---
    const expectedMs = Math.max(30_000, (paymentCount / CONCURRENCY) * 1_500);
    const gapMs = expectedMs / (faultCount + 1);
    const injectFaults = (async () => {
      for (let f = 0; f < faultCount; f++) {
        const waitUntilMs = Date.now() + gapMs * (0.5 + Math.random());
        await waitUntil("the next fault's time", () => Date.now() >= waitUntilMs || next >= kinds.length, { timeoutMs: gapMs * 3 + 60_000, intervalMs: 200 });
        const kind = FAULTS[f % FAULTS.length]!;
        try {
          await injectFault(kind, stack, services);
          result.faults += 1;
          result.faultKinds[kind] = (result.faultKinds[kind] ?? 0) + 1;
        } catch (error) {
          say(`fault ${kind} could not be applied or undone: ${String(error)}`);
          result.problems.push(`fault ${kind}: ${String(error)}`);
        }
        const revived = services.reviveExited();
        if (revived.length > 0) say(`restarted after exiting: ${revived.join(", ")}`);
      }
    })();
    await Promise.all([...workers, injectFaults]);
    const revived = services.reviveExited();
    if (revived.length > 0) say(`restarted after exiting: ${revived.join(", ")}`);
    say("payments done; checking");

    // --- checks ---
    const views = new Map<string, InvoiceView>();
    for (const r of records) {
      const tracked = await within(payer.trackPaymentV2(Buffer.from(r.paymentHash, "hex"), { noInflightUpdates: true }).final(), 30_000, STUCK).catch(() => undefined);
      const status = tracked?.status ?? r.payerStatus ?? "NONE";
      if (status === "STUCK") problem("lostSettlements", `payment ${r.n} (${r.kind}) not final at the payer after ${PAYMENT_FINAL_MS / 1000} s: an HTLC nobody answered`);
      r.payerStatus = status;
      if (status === "SUCCEEDED") result.succeeded += 1;
      else result.failed += 1;
      const paidMsat = (tracked?.htlcs ?? []).filter((h) => h.status === "SUCCEEDED").reduce((s, h) => s + (h.route?.hops.at(-1)?.amtToForwardMsat ?? 0n), 0n);
      if (status === "SUCCEEDED") {
        const view = await waitUntil(`invoice ${r.n} SETTLED`, async () => {
          const v = await api("lookup", (c) => c.lookupInvoice({ paymentHash: r.paymentHash }));
          return v.status === "SETTLED" ? v : undefined;
        }, { timeoutMs: 120_000, intervalMs: 500 }).catch(() => undefined);
        if (view === undefined) problem("lostSettlements", `payment ${r.n} (${r.kind}) SUCCEEDED at the payer, invoice not SETTLED`);
        else if (view.amountPaidMsat !== paidMsat) problem("lostSettlements", `payment ${r.n}: the payer paid ${paidMsat} msat, the invoice says ${view.amountPaidMsat}`);
        if (paidMsat < r.amountMsat || ["underpaid", "wrong-secret", "expired", "hold-cancel"].includes(r.kind))
          problem("underpaidSettles", `payment ${r.n} (${r.kind}) SUCCEEDED paying ${paidMsat} of ${r.amountMsat} msat`);
      }
      const view = await api("lookup", (c) => c.lookupInvoice({ paymentHash: r.paymentHash }));
      views.set(r.paymentHash, view);
      // lnd's own word on every HTLC the coordinator saw for it.
      let settledOnLnd = 0n;
      for (const h of view.htlcs) {
        const node = h.nodeId === alpha.pubkey ? lnd.alpha : lnd.bravo;
        const resolution = await node.lookupHtlcResolution({ chanId: h.chanId, htlcId: h.htlcId }).catch(() => undefined);
        if (resolution?.settled) settledOnLnd += h.amountMsat;
      }
      if (status !== "SUCCEEDED") {
        if (view.status === "SETTLED" || view.status === "SETTLE_REQUESTED" || settledOnLnd > 0n)
          problem("underpaidSettles", `payment ${r.n} (${r.kind}) ${status} at the payer, but invoice ${view.status} and ${settledOnLnd} msat settled on lnd`);
        if ((tracked?.htlcs ?? []).some((h) => h.status === "IN_FLIGHT")) problem("lostSettlements", `payment ${r.n} ${status} with a part still in flight (funds not back)`);
      } else if (settledOnLnd > 0n && settledOnLnd < r.amountMsat) {
        problem("underpaidSettles", `payment ${r.n}: lnd settled ${settledOnLnd} of ${r.amountMsat} msat`);
      }
    }

    // Journal: settled once, no part held past its timeout.
    const db = new pg.Client({ connectionString: stack.postgresUrl });
    await db.connect();
    try {
      const journal = await db.query<{ payment_hash: string; event_type: string; at_ms: string }>(
        `select payment_hash, event_type, at_ms from ${dbSchema}.invoice_event_journal order by payment_hash, sequence`,
      );
      const byHash = new Map<string, { type: string; at: number }[]>();
      for (const row of journal.rows) byHash.set(row.payment_hash, [...(byHash.get(row.payment_hash) ?? []), { type: row.event_type, at: Number(row.at_ms) }]);
      for (const r of records) {
        const events = byHash.get(r.paymentHash) ?? [];
        const settles = events.filter((e) => e.type === "InvoiceSettleRequested").length;
        if (settles > 1) problem("doubleSettles", `invoice ${r.n} settle-requested ${settles} times`);
        if (events.filter((e) => e.type === "InvoiceSettled").length > 1) problem("doubleSettles", `invoice ${r.n} settled twice`);
        const firstAccept = events.find((e) => e.type === "HtlcAccepted")?.at;
        if (firstAccept === undefined) continue;
        const decided = events.find((e) => e.at >= firstAccept && ["InvoiceSettleRequested", "MppSetTimedOut", "InvoiceCancelled", "HtlcFailed"].includes(e.type))?.at;
        const bound = (r.kind.startsWith("hold") ? ACCEPT_TIMEOUT_MS : MPP_TIMEOUT_MS) + HELD_SLACK_MS;
        if ((decided ?? Date.now()) - firstAccept > bound) problem("heldPastTimeout", `invoice ${r.n} (${r.kind}) held ${((decided ?? Date.now()) - firstAccept) / 1000} s`);
      }
      await waitUntil("the outbox drained", async () => (await db.query<{ n: string }>(`select count(*) as n from ${dbSchema}.outbox where published_at is null and quarantined_reason is null`)).rows[0]?.n === "0", { timeoutMs: 120_000, intervalMs: 500 });
    } finally {
      await db.end();
    }

    // Replay audit: the projection equals the log.
    const pool = createMatcherPool({ postgresUrl: stack.postgresUrl, dbSchema }, pino({ level: "silent" }));
    try {
      const audit = await auditProjection({ kafka: { brokers, sasl: readKafkaCredentialsFile(stack.kafkaCredentials.matcher) }, deployment, topic: accessPlan.topics.find((t) => t.role === "matcherEvents")!.topic, pool, timeoutMs: 300_000 });
      const mismatches = audit.mismatched.length + audit.missingInProjection.length + audit.missingInLog.length + audit.sequenceGaps.length + audit.unreadable.length;
      for (let i = 0; i < mismatches; i++) problem("auditMismatches", `audit: ${JSON.stringify({ ...audit, matched: undefined }).slice(0, 300)}`);
    } finally {
      await pool.end();
    }

    // Secrets: never in a log or on the public topic.
    const secrets = new Map<string, Buffer>([
      ["node key", Buffer.from(nodeKey, "hex")],
      ["preimage seed", Buffer.from(seed, "hex")],
      ["API token", Buffer.from(token)],
    ]);
    for (const file of Object.values(stack.kafkaCredentials).flatMap((v) => (typeof v === "string" ? [v] : Object.values(v)))) {
      secrets.set(`Kafka password ${path.basename(file)}`, Buffer.from(readKafkaCredentialsFile(file).password));
    }
    for (const r of records) secrets.set(`preimage of invoice ${r.n}`, Buffer.from(identity.preimageFor(r.paymentSecret).preimage));
    const places: [string, Buffer][] = services.logFiles.map((f) => [path.basename(f), readFileSync(f)]);
    const publicTopic = accessPlan.topics.find((t) => t.role === "invoiceEvents")!.topic;
    places.push([publicTopic, await readWholeTopic(kafka, publicTopic)]);
    for (const [place, bytes] of places) {
      for (const [name, secret] of secrets) {
        const forms = [secret, Buffer.from(secret.toString("hex")), Buffer.from(secret.toString("base64"))];
        if (forms.some((form) => bytes.includes(form))) problem("secretLeaks", `${name} in ${place}`);
      }
    }
  } finally {
    lnd?.closeAll();
    await services.stopAll();
    const cleanup = kafka.admin();
    await cleanup.connect().then(() => deprovisionDeployment(cleanup, accessPlan, [deploymentGroups(deployment).matcher, ...nodes.map((n) => deploymentGroups(deployment).bridge(n.pubkey))])).catch((error: unknown) => say(`could not remove ${deployment}: ${String(error)}`));
    await cleanup.disconnect().catch(() => undefined);
    if (process.env.IC_CHAOS_KEEP_SCHEMA !== "1") {
      const db = new pg.Client({ connectionString: stack.postgresUrl });
      await db.connect().then(() => db.query(`drop schema if exists ${dbSchema} cascade`)).catch(() => undefined);
      await db.end().catch(() => undefined);
    }
  }
  result.seconds = Math.round((Date.now() - started) / 1000);
  process.stdout.write(`${JSON.stringify(result)}\n`);
  const bad = result.underpaidSettles + result.doubleSettles + result.lostSettlements + result.heldPastTimeout + result.auditMismatches + result.secretLeaks;
  return bad === 0 && result.faults === faultCount ? 0 : 1;
}

/** Every record value of a topic, concatenated (a throwaway group, read to the end offsets). */
async function readWholeTopic(kafka: ReturnType<typeof createKafka>, topic: string): Promise<Buffer> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, BigInt(p.high)]));
  await admin.disconnect();
  const chunks: Buffer[] = [];
  const pending = new Set([...ends].filter(([, end]) => end > 0n).map(([p]) => p));
  if (pending.size === 0) return Buffer.alloc(0);
  const consumer = kafka.consumer({ groupId: `${topic.split(".")[0]}.public.chaos-scan-${randomBytes(4).toString("hex")}`, maxWaitTimeInMs: 200 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ partition, message }) => {
      if (message.value) chunks.push(message.value);
      if (BigInt(message.offset) >= ends.get(partition)! - 1n) pending.delete(partition);
    },
  });
  await waitUntil(`${topic} read to its end`, () => pending.size === 0, { timeoutMs: 120_000 });
  await consumer.disconnect();
  return Buffer.concat(chunks);
}

/** The stack's own scripts, told how many Kafka nodes it runs (a plain `kafka.sh start` means one). */
let kafkaNodes = 1;
async function infra(script: string, ...args: string[]): Promise<void> {
  await execFileAsync("bash", [path.join(repo, "infra/scripts", script), ...args], { env: { ...process.env, IC_KAFKA_NODES: String(kafkaNodes) }, timeout: 300_000 });
}

async function injectFault(kind: FaultKind, stack: StackConfig, services: Services): Promise<void> {
  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;
  switch (kind) {
    case "kill-bridge": {
      const name = pick(["bridge-alpha", "bridge-bravo"]);
      say(`fault: kill -9 ${name}`);
      await services.kill9(name);
      await pause(1_000);
      services.start(name);
      return;
    }
    case "kill-matcher": {
      const name = pick(["matcher-1", "matcher-2"]);
      say(`fault: kill -9 ${name}`);
      await services.kill9(name);
      await pause(2_000);
      services.start(name);
      return;
    }
    case "kill-kafka-broker": {
      const brokers = stack.kafkaBrokers.length;
      if (brokers < 2) {
        say("fault: one broker only: a 3 s outage of it instead");
        await infra("kafka.sh", "stop");
        await pause(3_000);
        await infra("kafka.sh", "start");
        return;
      }
      const node = String(1 + Math.floor(Math.random() * brokers));
      say(`fault: kill -9 Kafka node ${node}`);
      process.env.IC_KAFKA_KILL = "1";
      await infra("kafka.sh", "stop-node", node);
      delete process.env.IC_KAFKA_KILL;
      await pause(3_000);
      await infra("kafka.sh", "start-node", node);
      return;
    }
    case "postgres-restart":
      say("fault: Postgres restart");
      await infra("postgres.sh", "stop");
      await pause(2_000);
      await infra("postgres.sh", "start");
      return;
    case "lnd-restart": {
      const name = pick(["alpha", "bravo"]);
      say(`fault: lnd ${name} restart`);
      await infra("cluster.sh", "stop-node", name);
      await infra("cluster.sh", "start-node", name);
      return;
    }
    case "kafka-outage":
      say("fault: Kafka outage (every broker) for 5 s");
      await infra("kafka.sh", "stop");
      await pause(5_000);
      await infra("kafka.sh", "start");
      return;
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`chaos run failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(2);
  },
);
