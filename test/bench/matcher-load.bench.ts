// Matcher load generator (issue 9): synthetic HTLC records with real onions built for the
// coordinator key, for real invoices created through the invoice API, sent through the real
// Kafka into real matcher processes and Postgres (no lnd). Single-part payments through node A
// and two-part payments across nodes A and B, at fixed offered rates stepping up until the
// matcher saturates; once with one matcher process, once with two in one consumer group.
// For each step: decisions per second (commands that arrived on the commands topics), the
// latency from a record's publish to its command's arrival (p50, p99), as a bridge would see it,
// and ms of CPU per decision of the matcher processes and of their Postgres backends (/proc).
// Prints JSON lines {"name","value","unit"}, ends with matcher.max_decisions_per_s.matchers_<n>
// (the highest offered rate held with p99 <= 100 ms), writes every step to
// .run/bench/matcher-load.json (docs/performance.md draws it), and removes its topics, ACLs,
// consumer groups, Postgres schemas and processes.
// Needs the stack (infra/stack up). Usage:
//   tsx test/bench/matcher-load.bench.ts [--rates 50,100,200,400] [--seconds 6] [--matchers 1,2] [--mpp-share 0.5] [--profile]
//   --profile: the matchers run as one node process each (node --import tsx, not the tsx launcher)
//     with service-counters.cjs preloaded, and each step is a CPU profile of its own (sampling,
//     1 ms; from the step's first send until its commands arrived, invoice creation left out),
//     written with the step's Kafka request and Postgres statement counts to
//     .run/bench/matcher-load-<run>/profiles/ as matcher-<i>-offered-<rate>.{cpuprofile,counts.json}
//     (summarize: tsx test/bench/cpu-profile-summary.ts <files>). The profiler costs CPU itself:
//     take CPU per decision from runs without it.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { createSerialProducer, decodeAs, runCommittingConsumer, type RunningConsumer, type SerialProducer } from "@ic/event-log";
import { provisionTestDeployment, testCredentialsFiles, testKafka, type TestDeployment } from "@ic/event-log/testing";
import { bytesToHex, decodeInvoice, hexToBytes, loadSecp256k1Backend } from "@ic/lightning-protocol";
import { connectInvoiceApi, type InvoiceApiClient } from "@ic/invoice-api-client";
import { parseMatcherConfig } from "../../services/invoice-matcher/src/config.ts";
import { syntheticHtlcSender, type SyntheticHtlcSender } from "../../services/invoice-matcher/src/testing/synthetic-htlcs.ts";
import { runWhenMain, wholeNumbers } from "./bench-cli.ts";
import { coldBrokerWarning } from "./payment-cost.ts";
import { backendsForPorts, clockTicks, localPortsTo, pidFromFile, processTree, readCpu, ticksBetween, type ProcessGroup } from "./process-cpu.ts";
import { loadStackConfig } from "../support/stack-config.ts";
import { waitUntil } from "../support/wait-until.ts";

const USAGE = "usage: tsx test/bench/matcher-load.bench.ts [--rates 50,100,200,400] [--seconds 6] [--matchers 1,2] [--mpp-share 0.5] [--profile]";

interface Options {
  rates: number[];
  seconds: number;
  matchers: number[];
  mppShare: number;
  profile: boolean;
}

export function parseOptions(argv: readonly string[]): Options {
  const options: Options = { rates: [50, 100, 200, 400, 800], seconds: 6, matchers: [1, 2], mppShare: 0.5, profile: false };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    switch (flag) {
      case "--profile":
        options.profile = true;
        i -= 1;
        break;
      case "--rates":
        options.rates = wholeNumbers(flag, value, 20_000, USAGE).sort((a, b) => a - b);
        break;
      case "--seconds":
        options.seconds = wholeNumbers(flag, value, 600, USAGE)[0]!;
        break;
      case "--matchers":
        options.matchers = wholeNumbers(flag, value, 4, USAGE);
        break;
      case "--mpp-share": {
        const share = Number(value);
        if (value === undefined || !Number.isFinite(share) || share < 0 || share > 1) throw new Error(`--mpp-share takes a number from 0 to 1, got ${value ?? "nothing"}\n${USAGE}`);
        options.mppShare = share;
        break;
      }
      case undefined:
      default:
        throw new Error(`unknown argument ${String(flag)}\n${USAGE}`);
    }
  }
  return options;
}

const percentile = (values: readonly number[], p: number): number => {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};
const print = (name: string, value: number, unit: string): void => console.log(JSON.stringify({ name, value: Math.round(value * 100) / 100, unit }));
const say = (line: string): void => {
  process.stderr.write(`[matcher-load] ${line}\n`);
};

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const backend = loadSecp256k1Backend().backend;

interface StepResult {
  matchers: number;
  offeredPerS: number;
  sent: number;
  decided: number;
  decisionsPerS: number;
  p50Ms: number;
  p99Ms: number;
  matcherCpuMsPerDecision: number;
  postgresCpuMsPerDecision: number;
}

interface PreparedPart {
  nodeId: string;
  htlc: ReturnType<SyntheticHtlcSender["prepareHtlc"]>;
}

interface Payment {
  paymentHash: Uint8Array;
  paymentSecret: Uint8Array;
  amountMsat: bigint;
  parts: 1 | 2;
}

async function runWithMatchers(count: number, options: Options, stack: ReturnType<typeof loadStackConfig>): Promise<StepResult[]> {
  const run = randomBytes(4).toString("hex");
  const nodeKey = randomBytes(32);
  const nodeA = bytesToHex(backend.publicKeyCreate(randomBytes(32)));
  const nodeB = bytesToHex(backend.publicKeyCreate(randomBytes(32)));
  const token = randomBytes(24).toString("hex");
  const dbSchema = `bench_load_${run}`;
  const raw = {
    network: "regtest",
    postgresUrl: stack.postgresUrl,
    dbSchema,
    deployment: `bench-${run}`,
    kafka: { brokers: stack.kafkaBrokers, clientId: `bench-${run}`, credentialsFile: testCredentialsFiles().matcher },
    cluster: [
      { name: "a", pubkey: nodeA },
      { name: "b", pubkey: nodeB },
    ],
    virtualHopPolicy: { feeBaseMsat: 0, feeProportionalMillionths: 0, cltvExpiryDelta: 40 },
    api: { listen: "127.0.0.1:0" },
  };
  const config = parseMatcherConfig({ ...raw, nodeKey: nodeKey.toString("hex"), preimageSeed: randomBytes(32).toString("hex"), api: { authToken: token } });
  const topics = config.topics;
  const dir = path.join(stack.runDir, "bench", `matcher-load-${run}`);
  mkdirSync(dir, { recursive: true });
  const profileDir = path.join(dir, "profiles");
  if (options.profile) mkdirSync(profileDir, { recursive: true });
  const children: ChildProcess[] = [];
  const logFiles: string[] = [];
  const consumers: RunningConsumer[] = [];
  let deployment: TestDeployment | undefined;
  let producer: SerialProducer | undefined;
  const arrived = new Map<string, number>();
  const failedKeys = new Set<string>();
  const results: StepResult[] = [];
  try {
    deployment = await provisionTestDeployment({ deployment: config.deployment, nodes: raw.cluster });
    const seed = randomBytes(32).toString("hex");
    const apis: InvoiceApiClient[] = [];
    for (let i = 0; i < count; i++) {
      const apiPort = 10_300 + Math.floor(Math.random() * 2000);
      const file = path.join(dir, `matcher-${i}.json`);
      writeFileSync(file, JSON.stringify({ ...raw, api: { listen: `127.0.0.1:${apiPort}` } }, null, 2));
      // Info level: the breakdown below reads its "htlc decided" and "htlc command published" lines.
      const log = openSync(path.join(dir, `matcher-${i}.log`), "a");
      logFiles.push(path.join(dir, `matcher-${i}.log`));
      const env = { ...process.env, LOG_LEVEL: "info", IC_MATCHER_NODE_KEY: nodeKey.toString("hex"), IC_MATCHER_PREIMAGE_SEED: seed, IC_MATCHER_API_TOKEN: token };
      const entry = "services/invoice-matcher/src/main.ts";
      const child = options.profile
        ? spawn(process.execPath, ["--import", "tsx", "--require", path.join(repo, "test/bench/service-counters.cjs"), entry, "--config", file], {
            cwd: repo,
            env: { ...env, IC_BENCH_COUNTERS_DIR: profileDir, IC_BENCH_PROFILE: `matcher-${i}` },
            stdio: ["ignore", log, log],
          })
        : spawn(path.join(repo, "node_modules/.bin/tsx"), [entry, "--config", file], { cwd: repo, env, stdio: ["ignore", log, log] });
      children.push(child);
      apis.push(connectInvoiceApi(`127.0.0.1:${apiPort}`, token));
    }
    for (const [i, api] of apis.entries()) {
      await waitUntil(`matcher ${i} answering its API`, () => api.getInfo().then(() => true, () => undefined), { timeoutMs: 90_000, intervalMs: 250 });
    }
    say(`${count} matcher process(es) up (deployment ${config.deployment})`);
    const postmaster = pidFromFile(path.join(stack.runDir, "postgres", "data", "postmaster.pid"));
    const pgPort = Number(new URL(stack.postgresUrl).port || 5432);
    const matcherPids = children.map((c) => c.pid).filter((pid): pid is number => pid !== undefined);
    const cpuGroups: ProcessGroup[] = [
      { name: "matcher", kind: "tree", members: () => matcherPids },
      { name: "postgres.matchers", kind: "set", members: (table) => backendsForPorts(table, postmaster, localPortsTo(processTree(table, matcherPids), pgPort)) },
    ];

    const kafka = testKafka(`bench-${run}`);
    producer = createSerialProducer(kafka);
    await producer.connect();
    const sender = syntheticHtlcSender({ backend, nodeKey, producer, topics });
    consumers.push(
      await runCommittingConsumer(kafka, {
        groupId: `bench-${run}-observer`,
        topics: [topics.htlcCommands(nodeA), topics.htlcCommands(nodeB)],
        fromBeginning: true,
        maxWaitTimeMs: 50,
        handler: async (record) => {
          const command = decodeAs("htlc-command", record);
          const key = `${command.nodeId}:${command.circuitKey.htlcId}`;
          if (!arrived.has(key)) arrived.set(key, Date.now());
          // Every part of every payment here should be settled: a FAIL means the bench itself is wrong.
          if (command.action !== "SETTLE") failedKeys.add(key);
        },
      }),
    );

    const amountMsat = 10_000_000n;
    // A warm-up step first (the lowest rate for 3 s, not reported): a fresh process's first
    // seconds (compiling, connections, prepared statements) are not its steady state.
    const steps = [{ rate: options.rates[0]!, seconds: 3, warmUp: true }, ...options.rates.map((rate) => ({ rate, seconds: options.seconds, warmUp: false }))];
    for (const { rate, seconds, warmUp } of steps) {
      // Invoices first (not timed): enough payments for `seconds` at `rate` records per second.
      const paymentsNeeded = Math.ceil((rate * seconds) / (1 + options.mppShare));
      const payments: Payment[] = [];
      const api = apis[0]!;
      let made = 0;
      await Promise.all(
        Array.from({ length: 16 }, async () => {
          while (made < paymentsNeeded) {
            const n = made++;
            const { invoice } = await api.createInvoice({ externalRef: `bench-${run}-${warmUp ? "warm-up" : rate}-${n}`, amountMsat, mode: "auto" });
            const decoded = decodeInvoice(backend, invoice.bolt11);
            if (!decoded.ok) throw new Error(`the API made an invoice that does not decode: ${decoded.error.message}`);
            payments.push({ paymentHash: hexToBytes(invoice.paymentHash), paymentSecret: decoded.value.paymentSecret, amountMsat, parts: n / paymentsNeeded < options.mppShare ? 2 : 1 });
          }
        }),
      );
      payments.sort(() => Math.random() - 0.5);
      // The onions are built before the timed part (a key exchange and the layers each: on one
      // core the generator would otherwise take CPU the matcher needs; real bridges run elsewhere).
      const prepared = payments.map((payment): PreparedPart[] => {
        const part = (nodeId: string, amountMsat: bigint): PreparedPart => ({
          nodeId,
          htlc: sender.prepareHtlc({ nodeId, paymentHash: payment.paymentHash, paymentSecret: payment.paymentSecret, amountMsat, totalMsat: payment.amountMsat }),
        });
        return payment.parts === 2
          ? [part(nodeA, payment.amountMsat / 2n), part(nodeB, payment.amountMsat - payment.amountMsat / 2n)]
          : [part(nodeA, payment.amountMsat)];
      });

      // Offered load: records due at elapsed * rate, sent without waiting on each other.
      const countsBefore = options.profile && !warmUp ? await profileStep(children, profileDir, "start") : [];
      const cpuBefore = readCpu(cpuGroups);
      const sentAt = new Map<string, number>();
      const sends: Promise<unknown>[] = [];
      const start = Date.now();
      let records = 0;
      const sendPart = (part: PreparedPart): void => {
        const t = Date.now();
        sends.push(part.htlc.send().then(() => sentAt.set(`${part.nodeId}:${part.htlc.htlcId}`, t)));
        records++;
      };
      for (const parts of prepared) {
        const due = start + (records / rate) * 1000;
        const wait = due - Date.now();
        if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
        for (const part of parts) sendPart(part);
      }
      await Promise.all(sends);
      const sendEnd = Date.now();
      // Wait for the answers (bounded: a saturated matcher may not catch up).
      await waitUntil(
        "the commands of this step",
        () => ([...sentAt.keys()].every((k) => arrived.has(k)) ? true : undefined),
        { timeoutMs: 30_000, intervalMs: 50 },
      ).catch(() => say(`rate ${rate}/s: not every command arrived within 30 s of the last send`));
      if (warmUp) {
        say(`warm-up at ${rate}/s for ${seconds} s done (not reported)`);
        continue;
      }
      const cpuUsed = ticksBetween(cpuGroups, cpuBefore, readCpu(cpuGroups));
      if (options.profile) {
        const countsAfter = await profileStep(children, profileDir, "stop");
        for (const [i, child] of children.entries()) {
          const name = path.join(profileDir, `matcher-${i}-offered-${rate}`);
          renameSync(path.join(profileDir, `${child.pid}-${options.rates.indexOf(rate) + 1}.cpuprofile`), `${name}.cpuprofile`);
          writeFileSync(`${name}.counts.json`, JSON.stringify(countsBetween(countsBefore[i]!, countsAfter[i]!), null, 2));
        }
        say(`rate ${rate}/s: profiles and counts in ${path.relative(repo, profileDir)}`);
      }
      const failed = [...sentAt.keys()].filter((k) => failedKeys.has(k)).length;
      if (failed > 0) say(`rate ${rate}/s: ${failed} HTLCs were failed, not settled (the step's figures include them)`);
      const latencies: number[] = [];
      let lastArrival = start;
      for (const [key, t] of sentAt) {
        const a = arrived.get(key);
        if (a === undefined) continue;
        latencies.push(a - t);
        lastArrival = Math.max(lastArrival, a);
      }
      const result: StepResult = {
        matchers: count,
        offeredPerS: rate,
        sent: sentAt.size,
        decided: latencies.length,
        decisionsPerS: latencies.length / (Math.max(lastArrival, sendEnd) - start) * 1000,
        p50Ms: percentile(latencies, 50),
        p99Ms: percentile(latencies, 99),
        matcherCpuMsPerDecision: ((cpuUsed.get("matcher") ?? 0) * 1000) / clockTicks() / Math.max(1, latencies.length),
        postgresCpuMsPerDecision: ((cpuUsed.get("postgres.matchers") ?? 0) * 1000) / clockTicks() / Math.max(1, latencies.length),
      };
      results.push(result);
      const prefix = `matcher.matchers_${count}.offered_${rate}`;
      // Where the time went inside the matcher, from its own log lines (this step's HTLCs).
      const stepHashes = new Set(payments.map((p) => bytesToHex(p.paymentHash)));
      const segments = matcherSegments(logFiles.map((f) => readFileSync(f, "utf8")).join("\n"), stepHashes);
      for (const [name, values] of Object.entries(segments)) {
        print(`${prefix}.${name}.p50`, percentile(values, 50), "ms");
        print(`${prefix}.${name}.p99`, percentile(values, 99), "ms");
      }
      print(`${prefix}.decisions_per_s`, result.decisionsPerS, "1/s");
      print(`${prefix}.publish_to_command_p50`, result.p50Ms, "ms");
      print(`${prefix}.publish_to_command_p99`, result.p99Ms, "ms");
      // CPU of the matcher processes and of their Postgres backends (from the send of the step's
      // first record until its commands arrived), per decision: load on the rest of the machine
      // moves it less than it moves latencies.
      print(`${prefix}.cpu.matcher`, result.matcherCpuMsPerDecision, "ms/decision");
      print(`${prefix}.cpu.postgres_backends`, result.postgresCpuMsPerDecision, "ms/decision");
      say(`${count} matcher(s), offered ${rate}/s: ${result.decided}/${result.sent} decided, ${result.decisionsPerS.toFixed(0)}/s, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms`);
      // Saturated: it no longer keeps up with what is offered, or answers too late to matter.
      if (result.decided < result.sent || result.decisionsPerS < 0.8 * rate || result.p99Ms > 2_000) {
        say(`saturated at ${rate}/s offered; no higher step`);
        break;
      }
    }
  } finally {
    for (const c of consumers) await c.stop().catch(() => undefined);
    await producer?.disconnect().catch(() => undefined);
    for (const child of children) child.kill("SIGTERM");
    await Promise.all(children.map((c) => (c.exitCode !== null ? Promise.resolve() : new Promise((resolve) => c.once("exit", resolve)))));
    await deployment?.remove([config.groupId, `bench-${run}-observer`]).catch((error: unknown) => say(`could not remove deployment ${config.deployment}: ${String(error)}`));
    const client = new pg.Client({ connectionString: stack.postgresUrl });
    await client.connect();
    await client.query(`drop schema if exists ${dbSchema} cascade`);
    await client.end();
  }
  return results;
}

type Counts = { kafka: Record<string, number>; pg: Record<string, number> };

/**
 * Signals each matcher (service-counters.cjs: SIGUSR2 writes its counts, then starts a profile or
 * stops and writes it) and waits for what it writes: the counts so far, and on "stop" the profile.
 */
async function profileStep(children: readonly ChildProcess[], dir: string, phase: "start" | "stop"): Promise<Counts[]> {
  const counts: Counts[] = [];
  for (const child of children) {
    const file = path.join(dir, `${child.pid}.counts.json`);
    const flushed = existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as { flushes: number }).flushes : 0;
    const profilesBefore = readdirSync(dir).filter((f) => f.startsWith(`${child.pid}-`)).length;
    child.kill("SIGUSR2");
    const written = await waitUntil(`matcher ${child.pid} writing its counts`, () => {
      const now = existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as Counts & { flushes: number }) : undefined;
      return now !== undefined && now.flushes > flushed ? now : undefined;
    }, { timeoutMs: 10_000, intervalMs: 20 });
    if (phase === "stop") {
      await waitUntil(`matcher ${child.pid} writing its profile`, () => (readdirSync(dir).filter((f) => f.startsWith(`${child.pid}-`)).length > profilesBefore ? true : undefined), { timeoutMs: 30_000, intervalMs: 50 });
    }
    counts.push({ kafka: written.kafka, pg: written.pg });
  }
  return counts;
}

function countsBetween(before: Counts, after: Counts): Counts {
  const diff = (a: Record<string, number>, b: Record<string, number>): Record<string, number> =>
    Object.fromEntries(Object.entries(b).map(([k, v]) => [k, v - (a[k] ?? 0)] as const).filter(([, v]) => v !== 0).sort((x, y) => y[1] - x[1]));
  return { kafka: diff(before.kafka, after.kafka), pg: diff(before.pg, after.pg) };
}

/** Per decided HTLC: record in the broker -> taken by the matcher, taken -> committed, committed -> its command acknowledged. */
function matcherSegments(log: string, hashes: ReadonlySet<string>): { to_matcher_ms: number[]; decide_ms: number[]; outbox_ms: number[] } {
  const out = { to_matcher_ms: [] as number[], decide_ms: [] as number[], outbox_ms: [] as number[] };
  const committed = new Map<string, number>();
  for (const line of log.split("\n")) {
    if (!line.startsWith("{")) continue;
    const l = JSON.parse(line) as Record<string, unknown>;
    if (!hashes.has(String(l.paymentHash))) continue;
    const id = `${String(l.paymentHash)}/${String(l.circuitKey)}`;
    if (l.msg === "htlc decided") {
      out.to_matcher_ms.push(Number(l.receivedAtMs) - Number(l.producedAtMs));
      out.decide_ms.push(Number(l.committedAtMs) - Number(l.receivedAtMs));
      committed.set(id, Number(l.committedAtMs));
    } else if (l.msg === "htlc command published" && committed.has(id)) {
      out.outbox_ms.push(Number(l.time) - committed.get(id)!);
      committed.delete(id);
    }
  }
  return out;
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const stack = loadStackConfig();
  const cold = coldBrokerWarning(stack.runDir);
  if (cold !== undefined) say(cold);
  const all: StepResult[] = [];
  for (const count of options.matchers) {
    const results = await runWithMatchers(count, options, stack);
    all.push(...results);
    const held = results.filter((r) => r.decided === r.sent && r.p99Ms <= 100);
    const best = held.length === 0 ? 0 : Math.max(...held.map((r) => r.decisionsPerS));
    print(`matcher.max_decisions_per_s.matchers_${count}`, best, "1/s");
  }
  const out = path.join(stack.runDir, "bench", "matcher-load.json");
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify({ at: new Date().toISOString(), options, steps: all }, null, 2));
  say(`results written to ${path.relative(repo, out)}`);
}

runWhenMain(import.meta.url, main);
