// Back-to-back transactions (one send + sendOffsets each) against the stack's broker (as its
// admin principal; IC_STACK_CONFIG, IC_KAFKA_BROKERS overrides the brokers), for two first-retry delays: the latency floor of
// a consume-transform-produce loop that commits one transaction per record.
// Run: node_modules/.bin/tsx packages/event-log/bench/transactions.bench.ts [count]
import { randomBytes } from "node:crypto";
import { createTransactionalProducer, ensureTopics } from "../src/index.ts";
import { testKafka } from "../src/kafka-test-support.ts";

const count = Number(process.argv[2] ?? 50);
const topic = `ic.bench.tx-${randomBytes(6).toString("hex")}`;
const kafka = testKafka("event-log-bench");
const admin = kafka.admin();
await admin.connect();
try {
  await ensureTopics(admin, [{ topic, partitions: 1 }]);
  for (const initialRetryTimeMs of [300, 20]) {
    const producer = createTransactionalProducer(kafka, { transactionalId: `${topic}-${initialRetryTimeMs}`, initialRetryTimeMs });
    await producer.connect();
    const once = (i: number) =>
      producer.transaction(async (tx) => {
        await tx.send({ topic, messages: [{ value: String(i) }] });
        await tx.sendOffsets({ consumerGroupId: `${topic}-group`, topics: [{ topic, partitions: [{ partition: 0, offset: String(i) }] }] });
      });
    await once(0);
    const start = performance.now();
    for (let i = 1; i <= count; i++) await once(i);
    const ms = performance.now() - start;
    console.log(
      `initialRetryTime ${initialRetryTimeMs} ms: ${count} transactions in ${ms.toFixed(0)} ms, ${(ms / count).toFixed(1)} ms each, ${((count * 1000) / ms).toFixed(0)}/s`,
    );
    await producer.disconnect();
  }
} finally {
  await admin.deleteTopics({ topics: [topic] }).catch(() => {});
  await admin.disconnect();
}
