// What a bridge start costs for the SETTLE read-back (README, "Final resolutions after a
// restart"): reading N commands back from a real broker, then one LookupHtlcResolution per
// SETTLE against the fake lnd on 127.0.0.1. Run: tsx src/bench/settle-recovery.bench.ts [N]
import { createHash, randomBytes } from "node:crypto";
import { createSerialProducer, encode, ensureTopics, type HtlcCommand } from "@ic/event-log";
import { testKafka } from "@ic/event-log/testing";
import { connectLnd } from "@ic/lnd-client";
import { startFakeLnd } from "@ic/lnd-client/testing";
import { createBridgeLogger } from "../bridge-logger.ts";
import { createKafkaSettleHistory } from "../kafka/kafka-settle-history.ts";

const N = Number(process.argv[2] ?? 20_000);
const NODES = ["02" + "11".repeat(32), "03" + "22".repeat(32), "02" + "33".repeat(32)];

// The admin super user of the stack's broker (IC_STACK_CONFIG): a scratch topic of its own.
const kafka = testKafka("settle-recovery-bench");
const admin = kafka.admin();
await admin.connect();
const topic = `bench-settle-recovery-${randomBytes(4).toString("hex")}`;
await ensureTopics(admin, [{ topic, partitions: 3 }]);
const producer = createSerialProducer(kafka);
await producer.connect();
try {
  const batch = 1000;
  for (let i = 0; i < N; i += batch) {
    const messages = [];
    for (let j = i; j < Math.min(N, i + batch); j++) {
      const preimage = randomBytes(32);
      const command: HtlcCommand = {
        commandId: `cmd-${j}`,
        nodeId: NODES[j % NODES.length]!,
        circuitKey: { chanId: 1n << 50n, htlcId: BigInt(j) },
        paymentHash: createHash("sha256").update(preimage).digest("hex"),
        action: "SETTLE",
        preimage,
        failureMessage: null,
        failureCode: null,
        expectedIncomingAmountMsat: 1_000_000n,
        expectedIncomingExpiry: 900_000,
        issuedAtMs: Date.now(),
      };
      messages.push({ key: command.nodeId, ...encode("htlc-command", command) });
    }
    await producer.send({ topic, messages });
  }
  const history = createKafkaSettleHistory(kafka, { topic, groupPrefix: "bench-settle-recovery-", logger: createBridgeLogger("bench", "silent") });
  let start = performance.now();
  const settles = await history.settleCommands(NODES[0]!, undefined);
  const readMs = performance.now() - start;
  console.log(`read back ${N} commands (${settles.length} SETTLEs of one node) in ${readMs.toFixed(0)} ms: ${((N / readMs) * 1000).toFixed(0)} records/s`);

  const lnd = await startFakeLnd();
  const client = await connectLnd(lnd.connectOptions());
  start = performance.now();
  for (const command of settles) await client.lookupHtlcResolution(command.circuitKey);
  const lookupMs = performance.now() - start;
  console.log(`${settles.length} sequential LookupHtlcResolution (fake lnd, loopback) in ${lookupMs.toFixed(0)} ms: ${((settles.length / lookupMs) * 1000).toFixed(0)}/s`);
  start = performance.now();
  const queue = [...settles];
  const worker = async () => {
    for (let c = queue.shift(); c !== undefined; c = queue.shift()) await client.lookupHtlcResolution(c.circuitKey);
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  const concurrentMs = performance.now() - start;
  console.log(`${settles.length} LookupHtlcResolution, 16 in flight (as the bridge does) in ${concurrentMs.toFixed(0)} ms: ${((settles.length / concurrentMs) * 1000).toFixed(0)}/s`);
  client.close();
  await lnd.stop();
} finally {
  await producer.disconnect();
  await admin.deleteTopics({ topics: [topic] }).catch(() => {});
  await admin.disconnect();
}
