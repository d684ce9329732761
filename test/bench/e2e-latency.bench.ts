// End-to-end latency on the real regtest stack (issue 4 figures), measured in one run:
//  - native: the payer pays alpha's own invoices (SendPaymentV2 -> SUCCEEDED), the baseline;
//  - coordinator: the payer pays coordinator invoices through alpha, SendPaymentV2 -> SUCCEEDED
//    and SendPaymentV2 -> invoice SETTLED (lnd reported the HTLC final);
//  - bridge: HTLC intercepted by the bridge -> settle sent to lnd (from the bridge's own records).
// Prints JSON lines {"name","value","unit"}. Needs the stack: infra/stack up.
// Usage: tsx test/bench/e2e-latency.bench.ts [payments per kind, default 20]
// Security on vs off in the same run: start Kafka with its benchmark-only open listener
// (bash infra/scripts/kafka.sh stop; IC_KAFKA_OPEN_PORT=9094 bash infra/stack up); the bench then
// alternates rounds of the coordinator under SASL/SCRAM + ACLs ("sasl") and without
// authentication as super user on the open listener ("open"), and prints both (names suffixed
// .sasl / .open). Close the listener afterwards: bash infra/scripts/kafka.sh stop; bash infra/stack up.
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
type Mode = "sasl" | "open";
const modes: Mode[] = stack.kafkaOpenBrokers === undefined ? ["sasl"] : ["sasl", "open"];
const rounds = modes.length === 1 ? 1 : 2;
interface Samples {
  native: number[];
  coordinatorPaid: number[];
  coordinatorSettled: number[];
  bridge: number[];
}
const samples = new Map<Mode, Samples>(modes.map((m) => [m, { native: [], coordinatorPaid: [], coordinatorSettled: [], bridge: [] }]));

const nodes = await connectAll(stack);
let coordinator: CoordinatorHarness | undefined;
let observer: RunningConsumer | undefined;

/** After the last revocation the payer's commit batching stops ticking; a tick is 50 ms (lnd's default). */
const QUIET_MS = 150;

/**
 * Until the payer-alpha channel holds no HTLC on either side, then QUIET_MS more: the last
 * payment's commitment rounds are over (either side's list empties before the other's last
 * revocation) and the next payment starts as one on an idle channel does.
 */
async function untilQuiet(chanId: bigint): Promise<void> {
  await waitUntil(
    "the payer-alpha channel without pending HTLCs on either side",
    async () => {
      const [payerSide, alphaSide] = await Promise.all([nodes.payer.listChannels({ activeOnly: true }), nodes.alpha.listChannels({ activeOnly: true })]);
      const empty = (channels: typeof payerSide) => channels.find((c) => c.chanId === chanId)?.pendingHtlcs.length === 0;
      return empty(payerSide) && empty(alphaSide) ? true : undefined;
    },
    { intervalMs: 5, timeoutMs: 30_000 },
  );
  await new Promise((resolve) => setTimeout(resolve, QUIET_MS));
}

/** One round: a coordinator of its own (own deployment) in mode, `payments` payments of each kind. */
async function round(mode: Mode, payments: number): Promise<void> {
  const into = samples.get(mode)!;
  const intercepted = new Map<string, number>();
  const settleSent = new Map<string, number>();
  coordinator = await startCoordinator(stack, { kafkaAccess: mode });
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

  // Alternate the two kinds so both see the same machine load. Each payment starts on a quiet
  // channel, untimed (untilQuiet): a payment sent while the last one's commitment rounds are still
  // going is signed as soon as they end, one sent on a quiet channel waits for the payer's commit
  // batching (50 ms). Before this wait the coordinator payment, sent right after the native one,
  // got that head start and the native one, sent after the invoice settled, did not: 1.02-1.04x
  // then; sent right after the payer's side emptied, the coordinator payment was even 0.84-0.87x.
  for (let i = 0; i < payments; i++) {
    const own = await nodes.alpha.addInvoice({ valueMsat: amountMsat, memo: `bench native ${i}` });
    await untilQuiet(toAlpha);
    let t0 = performance.now();
    const a = await nodes.payer.sendPaymentV2({ paymentRequest: own.paymentRequest, outgoingChanIds: [toAlpha], timeoutSeconds: 60, feeLimitMsat: 10_000n }).final();
    if (a.status !== "SUCCEEDED") throw new Error(`native payment ${i} ${a.status}`);
    into.native.push(performance.now() - t0);

    const { invoice } = await matcher.service.createInvoice({ externalRef: `bench-${run}-${i}`, amountMsat, mode: "auto" });
    await untilQuiet(toAlpha);
    t0 = performance.now();
    const b = await nodes.payer.sendPaymentV2({ paymentRequest: invoice.bolt11, outgoingChanIds: [toAlpha], timeoutSeconds: 60, feeLimitMsat: 10_000n }).final();
    if (b.status !== "SUCCEEDED") throw new Error(`coordinator payment ${i} ${b.status}`);
    into.coordinatorPaid.push(performance.now() - t0);
    await waitUntil("invoice SETTLED", async () => (await matcher.service.lookupInvoice({ paymentHash: invoice.paymentHash })).status === "SETTLED", {
      intervalMs: 5,
    });
    into.coordinatorSettled.push(performance.now() - t0);
  }
  await waitUntil("the bridge's settle records", () => settleSent.size >= payments, { timeoutMs: 30_000 });
  into.bridge.push(...[...settleSent].flatMap(([id, at]) => (intercepted.has(id) ? [at - intercepted.get(id)!] : [])));
  await observer.stop();
  observer = undefined;
  await coordinator.stop();
  coordinator = undefined;
}

try {
  // Earlier runs moved the payer's funds to the cluster nodes; give them back first.
  await restorePayerLiquidity(stack, nodes);
  const perRound = Math.max(1, Math.round(count / rounds));
  for (let r = 0; r < rounds; r++) for (const mode of modes) await round(mode, perRound);
  for (const [mode, s] of samples) {
    const suffix = modes.length === 1 ? "" : `.${mode}`;
    for (const [name, values] of [
      ["native.send_to_succeeded", s.native],
      ["coordinator.send_to_succeeded", s.coordinatorPaid],
      ["coordinator.send_to_settled", s.coordinatorSettled],
      ["bridge.intercepted_to_settle_sent", s.bridge],
    ] as const) {
      print(`${name}.p50${suffix}`, percentile(values, 50), "ms");
      print(`${name}.p99${suffix}`, percentile(values, 99), "ms");
    }
    print(`ratio.coordinator_vs_native.send_to_succeeded.p50${suffix}`, percentile(s.coordinatorPaid, 50) / percentile(s.native, 50), "x");
  }
  print("samples", perRound * rounds, "payments per kind and mode");
} finally {
  await runAllSteps("stopping the benchmark", [
    ["observer", () => observer?.stop()],
    ["coordinator", () => coordinator?.stop()],
    ["lnd clients", () => nodes.closeAll()],
  ]);
}
