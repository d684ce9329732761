// Invoice creation throughput (issue 9): invoices per second through the coordinator's gRPC API
// (CreateInvoice: signed BOLT 11 with a route hint per cluster node, stored in Postgres,
// journalled, CREATED published) against lnd's own AddInvoice on cluster node alpha, with the
// same number of concurrent callers, taking turns in one run. The matcher runs as its own
// process. Prints JSON lines {"name","value","unit"}. Needs the stack (infra/stack up).
// Usage: tsx test/bench/invoice-creation.bench.ts [--callers 1,8,32] [--invoices 400]
import { runWhenMain, wholeNumbers } from "./bench-cli.ts";
import { loadStackConfig } from "../support/stack-config.ts";
import { connectAll } from "../support/lnd-nodes.ts";
import { startCoordinatorProcesses, type CoordinatorProcesses } from "../support/coordinator-processes.ts";
import { runAllSteps } from "../support/run-all-steps.ts";

const USAGE = "usage: tsx test/bench/invoice-creation.bench.ts [--callers 1,8,32] [--invoices 400]";

export function parseCreationOptions(argv: readonly string[]): { callers: number[]; invoices: number } {
  const options = { callers: [1, 8, 32], invoices: 400 };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (flag === "--callers") options.callers = wholeNumbers(flag, value, 256, USAGE);
    else if (flag === "--invoices") options.invoices = wholeNumbers(flag, value, 100_000, USAGE)[0]!;
    else throw new Error(`unknown argument ${flag}\n${USAGE}`);
  }
  return options;
}

const print = (name: string, value: number, unit: string): void => console.log(JSON.stringify({ name, value: Math.round(value * 100) / 100, unit }));

/** Invoices per second for `count` calls made by `callers` concurrent callers. */
async function perSecond(count: number, callers: number, call: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(callers, count) }, async () => {
      for (let i = next++; i < count; i = next++) await call(i);
    }),
  );
  return (count / (performance.now() - started)) * 1000;
}

async function main(): Promise<void> {
  const options = parseCreationOptions(process.argv.slice(2));
  const stack = loadStackConfig();
  const nodes = await connectAll(stack);
  let coordinator: CoordinatorProcesses | undefined;
  try {
    coordinator = await startCoordinatorProcesses(stack, { logLevel: "warn" });
    const api = coordinator.api;
    let serial = 0;
    for (const callers of options.callers) {
      // Two turns each, alternating, so both see the same machine.
      const half = Math.ceil(options.invoices / 2);
      let lnd = 0;
      let ours = 0;
      for (let turn = 0; turn < 2; turn++) {
        lnd += await perSecond(half, callers, (i) => nodes.alpha.addInvoice({ valueMsat: 1_000_000n, memo: `bench ${callers}/${turn}/${i}` }));
        ours += await perSecond(half, callers, () => api.createInvoice({ externalRef: `bench-${coordinator!.run}-${serial++}`, amountMsat: 1_000_000n, mode: "auto", description: "bench" }));
      }
      print(`invoice_creation.callers_${callers}.lnd_add_invoice_per_s`, lnd / 2, "1/s");
      print(`invoice_creation.callers_${callers}.coordinator_create_invoice_per_s`, ours / 2, "1/s");
      print(`invoice_creation.callers_${callers}.ratio`, ours / lnd, "x");
    }
  } finally {
    await runAllSteps("stopping the benchmark", [
      ["coordinator processes", () => coordinator?.stop()],
      ["lnd clients", () => nodes.closeAll()],
    ]);
  }
}

runWhenMain(import.meta.url, main);
