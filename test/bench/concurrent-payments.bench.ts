// Concurrent payments on the regtest stack, side by side (issue 9): the payer pays alpha's own
// lnd invoices (native, the baseline) and coordinator invoices through alpha, at each
// concurrency level, interleaved in rounds (native, coordinator, native, coordinator, ...) so
// both see the same machine. The coordinator runs as deployed: the matcher and both bridges as
// separate processes (test/support/coordinator-processes.ts), not inside this one.
// Per level and kind: payments/s and p50/p99 SendPaymentV2 -> SUCCEEDED; then the ratios
// coordinator/native. Prints JSON lines {"name","value","unit"} and writes every figure to
// .run/bench/concurrent-payments.json. Needs the stack (infra/stack up).
// Usage: tsx test/bench/concurrent-payments.bench.ts [--levels 1,8,32] [--payments 64] [--rounds 2]
//   --payments: per kind and level (split over the rounds); each pays 1,000 sat.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { runWhenMain, wholeNumbers } from "./bench-cli.ts";
import { loadStackConfig } from "../support/stack-config.ts";
import { connectAll } from "../support/lnd-nodes.ts";
import { startCoordinatorProcesses, type CoordinatorProcesses } from "../support/coordinator-processes.ts";
import { restorePayerLiquidity } from "../support/liquidity.ts";
import { payerChannelTo } from "../support/payments.ts";
import { traceHtlcs, TRACE_SEGMENTS } from "../support/htlc-trace.ts";
import { runAllSteps } from "../support/run-all-steps.ts";

const USAGE = "usage: tsx test/bench/concurrent-payments.bench.ts [--levels 1,8,32] [--payments 64] [--rounds 2]";

export interface ConcurrencyOptions {
  levels: number[];
  payments: number;
  rounds: number;
}

export function parseConcurrencyOptions(argv: readonly string[]): ConcurrencyOptions {
  const options: ConcurrencyOptions = { levels: [1, 8, 32], payments: 64, rounds: 2 };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (flag === "--levels") options.levels = wholeNumbers(flag, value, 400, USAGE);
    else if (flag === "--payments") options.payments = wholeNumbers(flag, value, 5_000, USAGE)[0]!;
    else if (flag === "--rounds") options.rounds = wholeNumbers(flag, value, 20, USAGE)[0]!;
    else throw new Error(`unknown argument ${flag}\n${USAGE}`);
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
async function runConcurrently(count: number, concurrency: number, job: (i: number) => Promise<void>): Promise<{ latencies: number[]; wallMs: number }> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      for (let i = next++; i < count; i = next++) {
        const t0 = performance.now();
        await job(i);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  return { latencies, wallMs: performance.now() - started };
}

async function main(): Promise<void> {
  const options = parseConcurrencyOptions(process.argv.slice(2));
  const stack = loadStackConfig();
  const nodes = await connectAll(stack);
  let coordinator: CoordinatorProcesses | undefined;
  const results: Record<string, unknown>[] = [];
  try {
    await restorePayerLiquidity(stack, nodes);
    const toAlpha = await payerChannelTo(nodes.payer, stack.cluster.nodes.alpha.pubkey);
    say("starting the matcher and both bridges as processes");
    // info: the HTLC trace below reads the "htlc decided", "command published" and "SETTLE sent" lines.
    coordinator = await startCoordinatorProcesses(stack, { logLevel: "info" });
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
    for (const level of options.levels) {
      const perRound = Math.ceil(options.payments / options.rounds);
      const samples = { native: [] as number[], coordinator: [] as number[] };
      const paidHashes = new Set<string>();
      const wall = { native: 0, coordinator: 0 };
      for (let round = 0; round < options.rounds; round++) {
        // Invoices first, untimed: the figure is the payment, not invoice creation.
        const own = await Promise.all(Array.from({ length: perRound }, (_, i) => nodes.alpha.addInvoice({ valueMsat: amountMsat, memo: `bench native ${level}/${round}/${i}` })));
        const ours = await Promise.all(
          Array.from({ length: perRound }, async () => (await api.createInvoice({ externalRef: `bench-${coordinator!.run}-${serial++}`, amountMsat, mode: "auto" })).invoice),
        );
        const n = await runConcurrently(perRound, level, (i) => pay(own[i]!.paymentRequest, "native"));
        const c = await runConcurrently(perRound, level, (i) => pay(ours[i]!.bolt11, "coordinator", ours[i]!.paymentHash));
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
      results[results.length - 1] = { ...figures, breakdown, traced: traces.length };
      say(`concurrency ${level}: native ${figures.nativePerS.toFixed(1)}/s p50 ${figures.nativeP50.toFixed(0)} ms; coordinator ${figures.coordinatorPerS.toFixed(1)}/s p50 ${figures.coordinatorP50.toFixed(0)} ms`);
      // Payments drain the payer's side; give it back before the next level.
      await restorePayerLiquidity(stack, nodes);
    }
    const out = path.join(stack.runDir, "bench", "concurrent-payments.json");
    mkdirSync(path.dirname(out), { recursive: true });
    writeFileSync(out, JSON.stringify({ at: new Date().toISOString(), options, levels: results }, null, 2));
    say(`results written to ${out}`);
  } finally {
    await runAllSteps("stopping the benchmark", [
      ["coordinator processes", () => coordinator?.stop()],
      ["lnd clients", () => nodes.closeAll()],
    ]);
  }
}

runWhenMain(import.meta.url, main);
