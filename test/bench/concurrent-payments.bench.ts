// Concurrent payments on the regtest stack, side by side (issue 9): the payer pays alpha's own
// lnd invoices (native, the baseline) and coordinator invoices through alpha, at each
// concurrency level, interleaved in rounds (native, coordinator, native, coordinator, ...) so
// both see the same machine. The coordinator runs as deployed: the matcher and both bridges as
// separate processes (test/support/coordinator-processes.ts), not inside this one.
// Per level and kind: payments/s and p50/p99 SendPaymentV2 -> SUCCEEDED; then the ratios
// coordinator/native; and ms of CPU per payment of every process (lnd payer, alpha, bravo, btcd,
// Kafka, PostgreSQL with all its backends and the coordinator's apart, the matcher, each bridge,
// this bench, and the whole machine), read from /proc before and after every batch
// (payment-cost.ts; a batch's reading ends a second after its last payment, so the
// coordinator's trailing work, lnd's final resolutions, counts). Prints JSON lines
// {"name","value","unit"} and writes every figure to .run/bench/concurrent-payments.json. Needs
// the stack (infra/stack up).
// Usage: tsx test/bench/concurrent-payments.bench.ts [--levels 1,8,32] [--payments 64] [--rounds 2]
//          [--warmup 16] [--count] [--profile matcher,alpha,bravo]
//   --payments: per kind and level (split over the rounds); each pays 1,000 sat.
//   --warmup: payments of each kind first, 4 at a time, neither timed nor measured (0: none).
//   --count: also count the Kafka requests (by API) and Postgres statements each service sends per
//     payment (service-counters.cjs, loaded into the services with NODE_OPTIONS; off by default:
//     the services then run exactly as deployed).
//   --gap-ms: a pause after each payment before the same worker's next (default 0: back to back), left
//     out of the latencies; it lets a payment's trailing work (lnd's last commitment round, the
//     coordinator's final resolution) end before the next payment starts. Payments/s then
//     counts the pauses too: compare latencies.
//   --profile: CPU profiles of those services over every batch (with the counters), written as
//     <service>-<kind>-<level>-<round>-<n>.cpuprofile to the counters' directory (summarize:
//     tsx test/bench/cpu-profile-summary.ts <files>). The profiler costs CPU itself: take the CPU
//     figures from a run without it.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { runWhenMain, wholeNumbers } from "./bench-cli.ts";
import { loadStackConfig } from "../support/stack-config.ts";
import { connectAll } from "../support/lnd-nodes.ts";
import { startCoordinatorProcesses, type CoordinatorProcesses } from "../support/coordinator-processes.ts";
import { restorePayerLiquidity } from "../support/liquidity.ts";
import { payerChannelTo } from "../support/payments.ts";
import { traceHtlcs, TRACE_SEGMENTS } from "../support/htlc-trace.ts";
import { runAllSteps } from "../support/run-all-steps.ts";
import { addCosts, coldBrokerWarning, costProbe, GROUPS, SERVICES, statementKind, type BatchCost, type CostProbe, type ServiceName } from "./payment-cost.ts";

const USAGE = "usage: tsx test/bench/concurrent-payments.bench.ts [--levels 1,8,32] [--payments 64] [--rounds 2] [--warmup 16] [--gap-ms 0] [--count] [--profile matcher,alpha,bravo]";

export interface ConcurrencyOptions {
  levels: number[];
  payments: number;
  rounds: number;
  count: boolean;
  profile: ServiceName[];
  warmup: number;
  gapMs: number;
}

export function parseConcurrencyOptions(argv: readonly string[]): ConcurrencyOptions {
  const options: ConcurrencyOptions = { levels: [1, 8, 32], payments: 64, rounds: 2, count: false, profile: [], warmup: 16, gapMs: 0 };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (flag === "--levels") options.levels = wholeNumbers(flag, value, 400, USAGE);
    else if (flag === "--payments") options.payments = wholeNumbers(flag, value, 5_000, USAGE)[0]!;
    else if (flag === "--rounds") options.rounds = wholeNumbers(flag, value, 20, USAGE)[0]!;
    else if (flag === "--warmup") options.warmup = value === "0" ? 0 : wholeNumbers(flag, value, 1_000, USAGE)[0]!;
    else if (flag === "--gap-ms") options.gapMs = value === "0" ? 0 : wholeNumbers(flag, value, 10_000, USAGE)[0]!;
    else if (flag === "--count") {
      options.count = true;
      i -= 1;
    } else if (flag === "--profile") {
      const names = (value ?? "").split(",");
      if (value === undefined || names.some((n) => !(SERVICES as readonly string[]).includes(n))) {
        throw new Error(`--profile takes a comma list of ${SERVICES.join(", ")}, got ${value ?? "nothing"}\n${USAGE}`);
      }
      options.profile = names as ServiceName[];
    } else throw new Error(`unknown argument ${flag}\n${USAGE}`);
  }
  if (options.payments < options.rounds) throw new Error(`--payments (${options.payments}) must be at least --rounds (${options.rounds})\n${USAGE}`);
  return options;
}

const percentile = (values: readonly number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
};
const print = (name: string, value: number, unit: string): void => console.log(JSON.stringify({ name, value: Math.round(value * 100) / 100, unit }));
const say = (line: string): void => {
  process.stderr.write(`[concurrent-payments] ${line}\n`);
};

/** Runs `count` jobs with `concurrency` at once; returns each job's latency and the wall time. */
async function runConcurrently(count: number, concurrency: number, job: (i: number) => Promise<void>, gapMs = 0): Promise<{ latencies: number[]; wallMs: number }> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      for (let i = next++; i < count; i = next++) {
        const t0 = performance.now();
        await job(i);
        latencies.push(performance.now() - t0);
        if (gapMs > 0) await new Promise((resolve) => setTimeout(resolve, gapMs));
      }
    }),
  );
  return { latencies, wallMs: performance.now() - started };
}

async function main(): Promise<void> {
  const options = parseConcurrencyOptions(process.argv.slice(2));
  const stack = loadStackConfig();
  const cold = coldBrokerWarning(stack.runDir);
  if (cold !== undefined) say(cold);
  const nodes = await connectAll(stack);
  let coordinator: CoordinatorProcesses | undefined;
  const results: Record<string, unknown>[] = [];
  try {
    await restorePayerLiquidity(stack, nodes);
    const toAlpha = await payerChannelTo(nodes.payer, stack.cluster.nodes.alpha.pubkey);
    // The counters and the profiler ride in the services through NODE_OPTIONS (their environment
    // is this process's); without --count or --profile the services run exactly as deployed.
    let countersDir: string | undefined;
    if (options.count || options.profile.length > 0) {
      countersDir = path.join(stack.runDir, "bench", `counters-${process.pid}-${Date.now()}`);
      mkdirSync(countersDir, { recursive: true });
      process.env.IC_BENCH_COUNTERS_DIR = countersDir;
      process.env.IC_BENCH_PROFILE = options.profile.join(",");
      process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ""} --require ${path.join(path.dirname(fileURLToPath(import.meta.url)), "service-counters.cjs")}`.trim();
    }
    say("starting the matcher and both bridges as processes");
    // info: the HTLC trace below reads the "htlc decided", "command published" and "SETTLE sent" lines.
    coordinator = await startCoordinatorProcesses(stack, { logLevel: "info" });
    const probe: CostProbe = costProbe(stack, coordinator.deployment, countersDir);
    // A batch's reading ends this long after its last payment, for both kinds alike.
    const trailingMs = 1000;
    // The profiles of a batch are named after its kind, level and round.
    const measured = async <T>(kind: "native" | "coordinator", label: string, costs: Partial<Record<"native" | "coordinator", BatchCost>>, batch: () => Promise<T>): Promise<T> => {
      const before = await probe.read(true);
      const result = await batch();
      await new Promise((resolve) => setTimeout(resolve, trailingMs));
      const after = await probe.read(false);
      costs[kind] = addCosts(costs[kind], probe.between(before, after));
      if (options.profile.length > 0) {
        // Written by the services a moment after the signal.
        await new Promise((resolve) => setTimeout(resolve, 500));
        await probe.collectProfiles(`${kind}-${label}`);
      }
      return result;
    };
    const api = coordinator.api;
    const amountMsat = 1_000_000n;
    let serial = 0;
    // Wall-clock start and end of each coordinator payment, by payment hash (payer-side segments).
    const payerTimes = new Map<string, { startMs: number; endMs: number }>();
    const pay = async (bolt11: string, kind: string, paymentHash?: string): Promise<void> => {
      const startMs = Date.now();
      const payment = await nodes.payer.sendPaymentV2({ paymentRequest: bolt11, outgoingChanIds: [toAlpha], timeoutSeconds: 60, feeLimitMsat: 10_000n, maxParts: 1 }).final();
      if (payment.status !== "SUCCEEDED") throw new Error(`${kind} payment ${payment.status}: ${payment.failureReason}`);
      if (paymentHash !== undefined) payerTimes.set(paymentHash, { startMs, endMs: Date.now() });
    };
    // Warm-up, neither timed nor measured: the services have just started (tsx compiles, V8 has
    // optimized nothing yet), and the first level would pay for that.
    if (options.warmup > 0) {
      say(`warming up: ${options.warmup} payments of each kind`);
      const own = await Promise.all(Array.from({ length: options.warmup }, (_, i) => nodes.alpha.addInvoice({ valueMsat: amountMsat, memo: `bench warm-up ${i}` })));
      const ours = await Promise.all(Array.from({ length: options.warmup }, async () => (await api.createInvoice({ externalRef: `bench-${coordinator!.run}-${serial++}`, amountMsat, mode: "auto" })).invoice));
      await runConcurrently(options.warmup, 4, (i) => pay(own[i]!.paymentRequest, "native"));
      await runConcurrently(options.warmup, 4, (i) => pay(ours[i]!.bolt11, "coordinator"));
      await restorePayerLiquidity(stack, nodes);
    }
    for (const level of options.levels) {
      const perRound = Math.ceil(options.payments / options.rounds);
      const samples = { native: [] as number[], coordinator: [] as number[] };
      const paidHashes = new Set<string>();
      const wall = { native: 0, coordinator: 0 };
      const costs: Partial<Record<"native" | "coordinator", BatchCost>> = {};
      for (let round = 0; round < options.rounds; round++) {
        // Invoices first, untimed: the figure is the payment, not invoice creation.
        const own = await Promise.all(Array.from({ length: perRound }, (_, i) => nodes.alpha.addInvoice({ valueMsat: amountMsat, memo: `bench native ${level}/${round}/${i}` })));
        const ours = await Promise.all(
          Array.from({ length: perRound }, async () => (await api.createInvoice({ externalRef: `bench-${coordinator!.run}-${serial++}`, amountMsat, mode: "auto" })).invoice),
        );
        const n = await measured("native", `${level}-${round}`, costs, () => runConcurrently(perRound, level, (i) => pay(own[i]!.paymentRequest, "native"), options.gapMs));
        const c = await measured("coordinator", `${level}-${round}`, costs, () => runConcurrently(perRound, level, (i) => pay(ours[i]!.bolt11, "coordinator", ours[i]!.paymentHash), options.gapMs));
        for (const invoice of ours) paidHashes.add(invoice.paymentHash);
        samples.native.push(...n.latencies);
        samples.coordinator.push(...c.latencies);
        wall.native += n.wallMs;
        wall.coordinator += c.wallMs;
      }
      const figures = {
        level,
        nativePerS: (samples.native.length / wall.native) * 1000,
        coordinatorPerS: (samples.coordinator.length / wall.coordinator) * 1000,
        nativeP50: percentile(samples.native, 50),
        nativeP99: percentile(samples.native, 99),
        coordinatorP50: percentile(samples.coordinator, 50),
        coordinatorP99: percentile(samples.coordinator, 99),
      };
      results.push(figures);
      const p = `concurrency_${level}`;
      print(`${p}.native.payments_per_s`, figures.nativePerS, "1/s");
      print(`${p}.coordinator.payments_per_s`, figures.coordinatorPerS, "1/s");
      print(`${p}.native.send_to_succeeded.p50`, figures.nativeP50, "ms");
      print(`${p}.native.send_to_succeeded.p99`, figures.nativeP99, "ms");
      print(`${p}.coordinator.send_to_succeeded.p50`, figures.coordinatorP50, "ms");
      print(`${p}.coordinator.send_to_succeeded.p99`, figures.coordinatorP99, "ms");
      print(`${p}.ratio.payments_per_s`, figures.coordinatorPerS / figures.nativePerS, "x");
      print(`${p}.ratio.send_to_succeeded.p50`, figures.coordinatorP50 / figures.nativeP50, "x");
      // Where the coordinator's time went, per HTLC (from the services' logs).
      const traces = traceHtlcs(
        readFileSync(coordinator.logFiles.matcher, "utf8"),
        [readFileSync(coordinator.logFiles.alpha, "utf8"), readFileSync(coordinator.logFiles.bravo, "utf8")],
        paidHashes,
      );
      const breakdown: Record<string, number> = {};
      for (const segment of TRACE_SEGMENTS) {
        breakdown[`${segment}.p50`] = percentile(traces.map((t) => t[segment]), 50);
        breakdown[`${segment}.p99`] = percentile(traces.map((t) => t[segment]), 99);
        print(`${p}.htlc_trace.${segment.replace(/Ms$/, "")}.p50`, breakdown[`${segment}.p50`]!, "ms");
        print(`${p}.htlc_trace.${segment.replace(/Ms$/, "")}.p99`, breakdown[`${segment}.p99`]!, "ms");
      }
      print(`${p}.htlc_trace.samples`, traces.length, "htlcs");
      // Outside the coordinator: the payer's send until lnd offered the HTLC to the bridge, and the
      // SETTLE written to lnd until the payer's lnd reported SUCCEEDED (single-part payments).
      const toOffer: number[] = [];
      const afterSettle: number[] = [];
      for (const t of traces) {
        const times = payerTimes.get(t.paymentHash);
        if (times === undefined) continue;
        toOffer.push(t.interceptedAtMs - times.startMs);
        afterSettle.push(times.endMs - t.settleSentAtMs);
      }
      for (const [name, values] of [
        ["payer_send_to_lnd_offer", toOffer],
        ["settle_sent_to_payer_succeeded", afterSettle],
      ] as const) {
        breakdown[`${name}.p50`] = percentile(values, 50);
        print(`${p}.htlc_trace.${name}.p50`, percentile(values, 50), "ms");
        print(`${p}.htlc_trace.${name}.p99`, percentile(values, 99), "ms");
      }
      print(`${p}.load_average_1m`, loadavg()[0]!, "runnable");
      const cpu = printCosts(p, costs, { native: samples.native.length, coordinator: samples.coordinator.length }, options.count);
      results[results.length - 1] = { ...figures, breakdown, traced: traces.length, loadAverage1m: loadavg()[0], cpu };
      say(`concurrency ${level}: native ${figures.nativePerS.toFixed(1)}/s p50 ${figures.nativeP50.toFixed(0)} ms; coordinator ${figures.coordinatorPerS.toFixed(1)}/s p50 ${figures.coordinatorP50.toFixed(0)} ms`);
      // Payments drain the payer's side; give it back before the next level.
      await restorePayerLiquidity(stack, nodes);
    }
    const out = path.join(stack.runDir, "bench", "concurrent-payments.json");
    mkdirSync(path.dirname(out), { recursive: true });
    writeFileSync(out, JSON.stringify({ at: new Date().toISOString(), options, levels: results }, null, 2));
    say(`results written to ${out}`);
    if (countersDir !== undefined) say(`counters${options.profile.length > 0 ? " and CPU profiles" : ""} in ${countersDir}`);
  } finally {
    await runAllSteps("stopping the benchmark", [
      ["coordinator processes", () => coordinator?.stop()],
      ["lnd clients", () => nodes.closeAll()],
    ]);
  }
}

/**
 * Prints ms of CPU per payment of every process group, for each kind, and (with --count) the
 * Kafka requests and Postgres statements per payment of each service; returns them all.
 */
function printCosts(prefix: string, costs: Partial<Record<"native" | "coordinator", BatchCost>>, payments: Record<"native" | "coordinator", number>, counted: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const kind of ["native", "coordinator"] as const) {
    const cost = costs[kind];
    const n = payments[kind];
    if (cost === undefined || n === 0) continue;
    const perPayment: Record<string, number> = {};
    let total = 0;
    for (const group of GROUPS) {
      const ms = (cost.cpuMs[group] ?? 0) / n;
      perPayment[group] = ms;
      if (group !== "postgres.coordinator") total += ms;
      print(`${prefix}.cpu.${kind}.${group}`, ms, "ms/payment");
    }
    perPayment.total = total;
    perPayment.machine = cost.machineBusyMs / n;
    // Everything else the machine did meanwhile (other work on it): how noisy the reading was.
    perPayment.other = perPayment.machine - total;
    for (const name of ["total", "machine", "other"]) print(`${prefix}.cpu.${kind}.${name}`, perPayment[name]!, "ms/payment");
    const counts: Record<string, Record<string, Record<string, number>>> = {};
    if (counted) {
      for (const service of SERVICES) {
        const kafka: Record<string, number> = {};
        for (const [api, count] of Object.entries(cost.counts[service].kafka)) {
          kafka[api] = count / n;
          const bytes = api.endsWith(" bytes");
          print(`${prefix}.requests.${kind}.${service}.kafka.${bytes ? `${api.slice(0, -6)}.bytes` : api}`, count / n, bytes ? "B/payment" : "1/payment");
        }
        const pg: Record<string, number> = {};
        const kinds: Record<string, number> = {};
        for (const [text, count] of Object.entries(cost.counts[service].pg)) {
          pg[text] = count / n;
          kinds[statementKind(text)] = (kinds[statementKind(text)] ?? 0) + count / n;
        }
        for (const [k, v] of Object.entries(kinds)) print(`${prefix}.requests.${kind}.${service}.pg.${k}`, v, "1/payment");
        counts[service] = { kafka, pg };
      }
    }
    out[kind] = { cpuMsPerPayment: perPayment, ...(counted ? { perPayment: counts } : {}) };
  }
  return out;
}

runWhenMain(import.meta.url, main);
