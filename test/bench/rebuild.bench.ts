// Rebuild speed (issue 12): a matcher (in this process) on its own deployment and schema takes
// --invoices invoices, a third of them paid by a synthetic single-part HTLC and reported settled
// by "lnd" (five events each), the others left OPEN (one event); once its outbox is drained and it
// is stopped, the projection is rebuilt from the log into a new schema. Prints JSON lines
// {"name","value","unit"}: events, records read, read and write time, events per second, and the
// comparison with the live projection (must be equal). Removes its topics and schemas.
// Needs the stack (infra/stack up). Usage: tsx test/bench/rebuild.bench.ts [--invoices 3000]
import pg from "pg";
import pino from "pino";
import { createSerialProducer, readKafkaCredentialsFile } from "@ic/event-log";
import { testCredentialsFiles, testKafka } from "@ic/event-log/testing";
import { decodeInvoice, loadSecp256k1Backend } from "@ic/lightning-protocol";
import { startMatcher } from "../../services/invoice-matcher/src/start-matcher.ts";
import { syntheticHtlcSender } from "../../services/invoice-matcher/src/testing/synthetic-htlcs.ts";
import { testMatcherSetup } from "../../services/invoice-matcher/src/testing/test-matcher-setup.ts";
import { compareProjections, projectionsEqual, rebuildProjection } from "../../services/invoice-matcher/src/rebuild/rebuild-projection.ts";
import { runWhenMain, wholeNumbers } from "./bench-cli.ts";
import { waitUntil } from "../support/wait-until.ts";

const USAGE = "usage: tsx test/bench/rebuild.bench.ts [--invoices 3000]";
const print = (name: string, value: number, unit: string) => process.stdout.write(`${JSON.stringify({ name, value, unit })}\n`);
const say = (message: string) => process.stderr.write(`[rebuild-bench] ${message}\n`);

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.length > 0 && argv[0] !== "--invoices") throw new Error(`unknown argument ${argv[0]}\n${USAGE}`);
  const invoices = argv.length === 0 ? 3000 : wholeNumbers("--invoices", argv[1], 1_000_000, USAGE)[0]!;
  const { run, databaseUrl, brokers, nodeKey, nodeA, config, provision } = testMatcherSetup("bench_rebuild");
  const backend = loadSecp256k1Backend().backend;
  const deployment = await provision();
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  const producer = createSerialProducer(testKafka(`bench-${run}`));
  await producer.connect();
  const matcher = await startMatcher(config, { logger: pino({ level: "silent" }) });
  let stopped = false;
  try {
    const htlcs = syntheticHtlcSender({ backend, nodeKey, producer, topics: config.topics });
    say(`creating ${invoices} invoices, paying a third of them`);
    let next = 0;
    const paid: { paymentHash: string; htlcId: bigint }[] = [];
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < invoices) {
          const n = next++;
          const { invoice } = await matcher.service.createInvoice({ externalRef: `rb-${run}-${n}`, amountMsat: 10_000n, mode: "auto" });
          if (n % 3 !== 0) continue;
          const decoded = decodeInvoice(backend, invoice.bolt11);
          if (!decoded.ok) throw new Error(decoded.error.message);
          const { htlcId } = await htlcs.sendHtlc({ nodeId: nodeA, paymentHash: decoded.value.paymentHash, paymentSecret: decoded.value.paymentSecret, amountMsat: 10_000n, totalMsat: 10_000n });
          paid.push({ paymentHash: invoice.paymentHash, htlcId });
        }
      }),
    );
    const status = async (paymentHash: string) => (await matcher.service.lookupInvoice({ paymentHash })).status;
    await waitUntil("every paid invoice SETTLE_REQUESTED", async () => (await Promise.all(paid.map((p) => status(p.paymentHash)))).every((s) => s === "SETTLE_REQUESTED"), { timeoutMs: 300_000, intervalMs: 1000 });
    for (const p of paid) await htlcs.sendFinalSettled({ nodeId: nodeA, paymentHash: p.paymentHash, htlcId: p.htlcId });
    await waitUntil("every paid invoice SETTLED", async () => (await Promise.all(paid.map((p) => status(p.paymentHash)))).every((s) => s === "SETTLED"), { timeoutMs: 300_000, intervalMs: 1000 });
    await waitUntil("the outbox drained", async () => (await admin.query<{ n: string }>(`select count(*) as n from ${config.dbSchema}.outbox where published_at is null`)).rows[0]?.n === "0", { timeoutMs: 300_000 });
    await matcher.stop();
    stopped = true;

    say("rebuilding");
    const report = await rebuildProjection({
      kafka: { brokers, sasl: readKafkaCredentialsFile(testCredentialsFiles().matcher) },
      deployment: config.deployment,
      topic: config.topics.matcherEvents,
      postgresUrl: databaseUrl,
      targetSchema: `${config.dbSchema}_rebuilt`,
      liveSchema: config.dbSchema,
      timeoutMs: 600_000,
      progress: say,
    });
    const comparison = await compareProjections(databaseUrl, config.dbSchema, `${config.dbSchema}_rebuilt`);
    print("rebuild.invoices", report.invoices, "invoices");
    print("rebuild.events", report.events, "events");
    print("rebuild.records_read", report.records, "records");
    print("rebuild.read_ms", report.readMs, "ms");
    print("rebuild.write_ms", report.writeMs, "ms");
    print("rebuild.events_per_s", report.eventsPerSecond, "1/s");
    print("rebuild.equal_to_live", projectionsEqual(comparison) ? 1 : 0, "bool");
    if (!projectionsEqual(comparison)) throw new Error(`the rebuilt projection differs from the live one: ${JSON.stringify(comparison).slice(0, 500)}`);
  } finally {
    if (!stopped) await matcher.stop().catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
    await deployment.remove([config.groupId]).catch(() => undefined);
    for (const schema of [config.dbSchema, `${config.dbSchema}_rebuilt`]) await admin.query(`drop schema if exists ${schema} cascade`);
    await admin.end();
  }
}

runWhenMain(import.meta.url, main);
