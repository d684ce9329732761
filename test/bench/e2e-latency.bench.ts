// End-to-end latency on the real regtest stack (issue 4 figures), measured in one run:
//  - native: the payer pays alpha's own invoices (SendPaymentV2 -> SUCCEEDED), the baseline;
//  - coordinator: the payer pays coordinator invoices through alpha, SendPaymentV2 -> SUCCEEDED
//    and SendPaymentV2 -> invoice SETTLED (lnd reported the HTLC final);
//  - bridge: HTLC intercepted by the bridge -> settle sent to lnd (from the bridge's own records).
// Prints JSON lines {"name","value","unit"}. Needs the stack: infra/stack up.
// Usage: tsx test/bench/e2e-latency.bench.ts [payments per kind, default 20]
import { createKafka, decodeAs, readKafkaCredentialsFile, runCommittingConsumer, type RunningConsumer } from "@ic/event-log";
import { loadStackConfig } from "../support/stack-config.ts";
import { connectAll } from "../support/lnd-nodes.ts";
import { startCoordinator, type CoordinatorHarness } from "../support/coordinator-harness.ts";
import { restorePayerLiquidity } from "../support/liquidity.ts";
import { payerChannelTo } from "../support/payments.ts";
import { runAllSteps } from "../support/run-all-steps.ts";
import { waitUntil } from "../support/wait-until.ts";

const count = Number(process.argv[2] ?? 20);
if (!Number.isInteger(count) || count < 1) throw new Error(`payments per kind must be a whole number of at least 1, got ${process.argv[2]}`);
const stack = loadStackConfig();
const print = (name: string, value: number, unit: string): void => console.log(JSON.stringify({ name, value: Math.round(value * 100) / 100, unit }));
const percentile = (values: number[], p: number): number => {
  if (values.length === 0) throw new Error("no samples: nothing to take a percentile of");
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};

const amountMsat = 1_000_000n;
const intercepted = new Map<string, number>();
const settleSent = new Map<string, number>();
const native: number[] = [];
const coordinatorPaid: number[] = [];
const coordinatorSettled: number[] = [];

const nodes = await connectAll(stack);
let coordinator: CoordinatorHarness | undefined;
let observer: RunningConsumer | undefined;
try {
  // Earlier runs moved the payer's funds to the cluster nodes; give them back first.
  await restorePayerLiquidity(stack, nodes);
  coordinator = await startCoordinator(stack);
  const { run, config, matcher } = coordinator;
  const toAlpha = await payerChannelTo(nodes.payer, stack.cluster.nodes.alpha.pubkey);
  // Reads the bridges' own topics: only the matcher and the admin super user may.
  const kafka = createKafka({ brokers: stack.kafkaBrokers, clientId: "bench-observer", sasl: readKafkaCredentialsFile(stack.kafkaCredentials.admin) });
  const clusterNodes = [stack.cluster.nodes.alpha.pubkey, stack.cluster.nodes.bravo.pubkey];
  observer = await runCommittingConsumer(kafka, {
    groupId: `bench-${run}`,
    topics: clusterNodes.flatMap((node) => [config.topics.htlcIntercepted(node), config.topics.htlcOutcomes(node)]),
    fromBeginning: true,
    maxWaitTimeMs: 100,
    handler: async (record) => {
      if (config.topics.nodeTopic(record.topic)?.role === "htlcIntercepted") {
        const r = decodeAs("htlc-intercepted", record);
        const id = `${r.nodeId}:${r.circuitKey.chanId}:${r.circuitKey.htlcId}`;
        if (!intercepted.has(id)) intercepted.set(id, r.interceptedAtMs);
      } else {
        const r = decodeAs("htlc-outcome", record);
        if (r.kind === "SETTLE_SENT") settleSent.set(`${r.nodeId}:${r.circuitKey.chanId}:${r.circuitKey.htlcId}`, r.atMs);
      }
    },
  });

  // Alternate the two kinds so both see the same machine load.
  for (let i = 0; i < count; i++) {
    const own = await nodes.alpha.addInvoice({ valueMsat: amountMsat, memo: `bench native ${i}` });
    let t0 = performance.now();
    const a = await nodes.payer.sendPaymentV2({ paymentRequest: own.paymentRequest, outgoingChanIds: [toAlpha], timeoutSeconds: 60, feeLimitMsat: 10_000n }).final();
    if (a.status !== "SUCCEEDED") throw new Error(`native payment ${i} ${a.status}`);
    native.push(performance.now() - t0);

    const { invoice } = await matcher.service.createInvoice({ externalRef: `bench-${run}-${i}`, amountMsat, mode: "auto" });
    t0 = performance.now();
    const b = await nodes.payer.sendPaymentV2({ paymentRequest: invoice.bolt11, outgoingChanIds: [toAlpha], timeoutSeconds: 60, feeLimitMsat: 10_000n }).final();
    if (b.status !== "SUCCEEDED") throw new Error(`coordinator payment ${i} ${b.status}`);
    coordinatorPaid.push(performance.now() - t0);
    await waitUntil("invoice SETTLED", async () => (await matcher.service.lookupInvoice({ paymentHash: invoice.paymentHash })).status === "SETTLED", {
      intervalMs: 5,
    });
    coordinatorSettled.push(performance.now() - t0);
  }
  await waitUntil("the bridge's settle records", () => settleSent.size >= count, { timeoutMs: 30_000 });
  const bridge = [...settleSent].flatMap(([id, at]) => (intercepted.has(id) ? [at - intercepted.get(id)!] : []));
  for (const [name, values] of [
    ["native.send_to_succeeded", native],
    ["coordinator.send_to_succeeded", coordinatorPaid],
    ["coordinator.send_to_settled", coordinatorSettled],
    ["bridge.intercepted_to_settle_sent", bridge],
  ] as const) {
    print(`${name}.p50`, percentile(values, 50), "ms");
    print(`${name}.p99`, percentile(values, 99), "ms");
  }
  print("ratio.coordinator_vs_native.send_to_succeeded.p50", percentile(coordinatorPaid, 50) / percentile(native, 50), "x");
  print("samples", count, "payments per kind");
} finally {
  await runAllSteps("stopping the benchmark", [
    ["observer", () => observer?.stop()],
    ["coordinator", () => coordinator?.stop()],
    ["lnd clients", () => nodes.closeAll()],
  ]);
}
