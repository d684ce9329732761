// Where the payment's time goes inside lnd, native against coordinator (issue 9): pays alpha's
// own invoices and coordinator invoices through alpha, then lines up each payment's steps in the
// payer's and alpha's lnd logs and the bridge's log (test/support/lnd-handoff-timeline.ts).
// Needs the stack with lnd logging at debug (restart the nodes so the level applies):
//   for n in payer alpha bravo; do bash infra/scripts/cluster.sh stop-node $n; done
//   export IC_LND_DEBUGLEVEL="info,HSWC=trace,PEER=debug,INVC=debug,CRTR=debug"
//   for n in payer alpha bravo; do bash infra/scripts/cluster.sh start-node $n; done
// Trace logging costs lnd time: compare native with coordinator within one run, and take whole
// payment figures from concurrent-payments.bench.ts at the default level.
// Usage: tsx test/bench/handoff-timeline.bench.ts [--payments 15] [--concurrency 1]
//   --concurrency 1: kinds alternate one payment at a time, every step of the commitment dance;
//   more: batches of each kind at that concurrency, segments keyed by the payment only.
import { readFileSync } from "node:fs";
import path from "node:path";
import { runWhenMain, wholeNumbers } from "./bench-cli.ts";
import { loadStackConfig } from "../support/stack-config.ts";
import { connectAll } from "../support/lnd-nodes.ts";
import { startCoordinatorProcesses, type CoordinatorProcesses } from "../support/coordinator-processes.ts";
import { restorePayerLiquidity } from "../support/liquidity.ts";
import { payerChannelTo } from "../support/payments.ts";
import { runAllSteps } from "../support/run-all-steps.ts";
import {
  bridgeMarksByHash,
  parseLndLog,
  paymentSegments,
  paymentSteps,
  SEGMENTS,
  STEPS,
  type PaymentKind,
  type ProbedPayment,
} from "../support/lnd-handoff-timeline.ts";

const USAGE = "usage: tsx test/bench/handoff-timeline.bench.ts [--payments 15] [--concurrency 1]";

export function parseTimelineOptions(argv: readonly string[]): { payments: number; concurrency: number } {
  const options = { payments: 15, concurrency: 1 };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (flag === "--payments") options.payments = wholeNumbers(flag, value, 1_000, USAGE)[0]!;
    else if (flag === "--concurrency") options.concurrency = wholeNumbers(flag, value, 64, USAGE)[0]!;
    else throw new Error(`unknown argument ${flag}\n${USAGE}`);
  }
  return options;
}

const percentile = (values: readonly number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
};
const print = (name: string, value: number, unit: string): void =>
  console.log(JSON.stringify({ name, value: Math.round(value * 100) / 100, unit }));
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function main(): Promise<void> {
  const { payments, concurrency } = parseTimelineOptions(process.argv.slice(2));
  const stack = loadStackConfig();
  const nodes = await connectAll(stack);
  let coordinator: CoordinatorProcesses | undefined;
  try {
    await restorePayerLiquidity(stack, nodes);
    const toAlpha = await payerChannelTo(nodes.payer, stack.cluster.nodes.alpha.pubkey);
    coordinator = await startCoordinatorProcesses(stack, { logLevel: "info" });
    const api = coordinator.api;
    const probed: ProbedPayment[] = [];
    let serial = 0;
    const invoice = async (
      kind: PaymentKind,
    ): Promise<{ kind: PaymentKind; bolt11: string; paymentHash: string }> => {
      if (kind === "native") {
        const own = await nodes.alpha.addInvoice({ valueMsat: 1_000_000n, memo: `timeline ${serial++}` });
        return {
          kind,
          bolt11: own.paymentRequest,
          paymentHash: Buffer.from(own.paymentHash).toString("hex"),
        };
      }
      const { invoice: ours } = await api.createInvoice({
        externalRef: `timeline-${coordinator!.run}-${serial++}`,
        amountMsat: 1_000_000n,
        mode: "auto",
      });
      return { kind, bolt11: ours.bolt11, paymentHash: ours.paymentHash };
    };
    const pay = async (i: { kind: PaymentKind; bolt11: string; paymentHash: string }): Promise<void> => {
      const startMs = Date.now();
      const result = await nodes.payer
        .sendPaymentV2({
          paymentRequest: i.bolt11,
          outgoingChanIds: [toAlpha],
          timeoutSeconds: 60,
          feeLimitMsat: 10_000n,
          maxParts: 1,
        })
        .final();
      if (result.status !== "SUCCEEDED")
        throw new Error(`${i.kind} payment ${result.status}: ${result.failureReason}`);
      probed.push({ kind: i.kind, paymentHash: i.paymentHash, startMs, endMs: Date.now() });
    };
    if (concurrency === 1) {
      // One at a time with a pause either side, so each payment's commitment dance is its own.
      for (let n = 0; n < payments; n++) {
        for (const kind of ["native", "coordinator"] as const) {
          const i = await invoice(kind);
          await pause(300);
          await pay(i);
          await pause(300);
        }
      }
    } else {
      for (const kind of ["native", "coordinator", "native", "coordinator"] as const) {
        const batch = await Promise.all(Array.from({ length: Math.ceil(payments / 2) }, () => invoice(kind)));
        let next = 0;
        await Promise.all(
          Array.from({ length: concurrency }, async () => {
            for (let k = next++; k < batch.length; k = next++) await pay(batch[k]!);
          }),
        );
        await pause(300);
      }
    }
    await pause(500); // the last lines reach the log files
    const from = Math.min(...probed.map((p) => p.startMs)) - 1_000;
    const to = Math.max(...probed.map((p) => p.endMs)) + 1_000;
    const payer = parseLndLog(
      readFileSync(path.join(stack.runDir, "logs", "lnd-payer.log"), "utf8"),
      from,
      to,
    );
    const alpha = parseLndLog(
      readFileSync(path.join(stack.runDir, "logs", "lnd-alpha.log"), "utf8"),
      from,
      to,
    );
    const bridge = bridgeMarksByHash(readFileSync(coordinator.logFiles.alpha, "utf8"));
    if (!payer.some((l) => l.text.includes("Sending UpdateAddHTLC")))
      throw new Error(
        "the payer's log has no PEER debug lines: start lnd with IC_LND_DEBUGLEVEL (see the header)",
      );
    const report = <K extends string>(
      prefix: string,
      keys: readonly K[],
      rows: { kind: PaymentKind; figures: Partial<Record<K, number>> }[],
    ): void => {
      for (const key of keys) {
        for (const kind of ["native", "coordinator"] as const) {
          const values = rows
            .filter((r) => r.kind === kind)
            .flatMap((r) => (r.figures[key] === undefined ? [] : [r.figures[key]!]));
          if (values.length === 0) continue;
          print(`${prefix}.${key}.${kind}.p50`, percentile(values, 50), "ms");
          print(`${prefix}.${key}.${kind}.p99`, percentile(values, 99), "ms");
        }
      }
    };
    const c = `concurrency_${concurrency}`;
    if (concurrency === 1)
      report(
        `${c}.step`,
        STEPS,
        probed.map((p) => ({
          kind: p.kind,
          figures: paymentSteps(p, payer, alpha, bridge.get(p.paymentHash)),
        })),
      );
    report(
      `${c}.segment`,
      SEGMENTS,
      probed.map((p) => ({
        kind: p.kind,
        figures: paymentSegments(p, payer, alpha, bridge.get(p.paymentHash)),
      })),
    );
    print(`${c}.samples`, probed.length / 2, "payments per kind");
  } finally {
    await runAllSteps("stopping the benchmark", [
      ["coordinator processes", () => coordinator?.stop()],
      ["lnd clients", () => nodes.closeAll()],
    ]);
  }
}

runWhenMain(import.meta.url, main);
