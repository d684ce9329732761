// The projection rebuilt from the log, on the real matcher, PostgreSQL and Kafka: after a set of
// payments (a two-node MPP set settled, a hold invoice cancelled, an invoice expired, parts
// rejected for a wrong secret and a bad onion, a hold set left ACCEPTED with its HTLCs held), the
// projection rebuilt into a new schema equals the live one row by row and journal entry by entry.
// Then the live projection is corrupted (a state tampered with, an invoice deleted): a second
// rebuild shows exactly those differences, the switch is refused while a matcher runs, and once it
// is stopped the switch repairs the live schema (it equals the first rebuild again, and the matcher
// started again on it settles the held set). Each run owns its schemas and topics.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { promisify } from "node:util";
import pg from "pg";
import pino from "pino";
import { afterAll, beforeAll, expect, it } from "vitest";
import { readKafkaCredentialsFile } from "@ic/event-log";
import { testCredentialsFiles } from "@ic/event-log/testing";
import { decodeInvoice, loadSecp256k1Backend } from "@ic/lightning-protocol";
import { waitUntil } from "../../../../test/support/wait-until.ts";
import { createMatcherPool } from "../postgres/matcher-pool.ts";
import { startMatcher, type RunningMatcher } from "../start-matcher.ts";
import { type SyntheticHtlcSender } from "../testing/synthetic-htlcs.ts";
import { testMatcherSetup } from "../testing/test-matcher-setup.ts";
import { auditFoundProblems, auditProjection } from "../audit/replay-audit.ts";
import { compareProjections, projectionsEqual, rebuildProjection, RebuildError, switchToRebuilt } from "./rebuild-projection.ts";

const setup = testMatcherSetup("test_rebuild");
const { run, databaseUrl, brokers, nodeA, nodeB, config } = setup;
const live = config.dbSchema;
const topics = config.topics;
const backend = loadSecp256k1Backend().backend;
const silent = pino({ level: "silent" });
const sasl = readKafkaCredentialsFile(testCredentialsFiles().matcher);
const schemas = [live, `${live}_rb1`, `${live}_rb2`];
let matcher: RunningMatcher | undefined;
let htlcs: SyntheticHtlcSender;
let admin: pg.Client;

beforeAll(async () => {
  ({ matcher, htlcs } = await setup.start());
  admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
});

afterAll(async () => {
  await setup.stop({ matcher });
  const leftovers = await admin.query<{ nspname: string }>("select nspname from pg_namespace where nspname like $1", [`${live}%`]);
  for (const { nspname } of leftovers.rows) await admin.query(`drop schema if exists ${nspname} cascade`);
  await admin.end();
});

async function createInvoice(ref: string, amountMsat: bigint, mode: "auto" | "hold", expirySeconds?: number) {
  const { invoice } = await matcher!.service.createInvoice({ externalRef: `${ref}-${run}`, amountMsat, mode, ...(expirySeconds === undefined ? {} : { expirySeconds }) });
  const decoded = decodeInvoice(backend, invoice.bolt11);
  if (!decoded.ok) throw new Error(decoded.error.message);
  return { paymentHash: invoice.paymentHash, hash: decoded.value.paymentHash, secret: decoded.value.paymentSecret };
}
const status = async (paymentHash: string) => (await matcher!.service.lookupInvoice({ paymentHash })).status;
const journalCount = async (paymentHash: string, type: string) =>
  (await admin.query(`select 1 from ${live}.invoice_event_journal where payment_hash = $1 and event_type = $2`, [paymentHash, type])).rowCount;
const rebuild = (targetSchema: string) =>
  rebuildProjection({ kafka: { brokers, sasl }, deployment: config.deployment, topic: topics.matcherEvents, postgresUrl: databaseUrl, targetSchema, liveSchema: live, timeoutMs: 60_000 });
async function outboxDrained(): Promise<void> {
  await waitUntil("the outbox drained", async () => (await admin.query<{ count: string }>(`select count(*) as count from ${live}.outbox where published_at is null`)).rows[0]?.count === "0");
}

it("rebuilds the live projection exactly, shows a corruption, and the fenced switch repairs it", async () => {
  // Settled: a two-node MPP set, reported final by lnd.
  const mpp = await createInvoice("mpp", 100_000n, "auto");
  const a = await htlcs.sendHtlc({ nodeId: nodeA, paymentHash: mpp.hash, paymentSecret: mpp.secret, amountMsat: 60_000n, totalMsat: 100_000n });
  const b = await htlcs.sendHtlc({ nodeId: nodeB, paymentHash: mpp.hash, paymentSecret: mpp.secret, amountMsat: 40_000n, totalMsat: 100_000n });
  await waitUntil("settle requested", async () => (await status(mpp.paymentHash)) === "SETTLE_REQUESTED");
  await htlcs.sendFinalSettled({ nodeId: nodeA, paymentHash: mpp.paymentHash, htlcId: a.htlcId });
  await htlcs.sendFinalSettled({ nodeId: nodeB, paymentHash: mpp.paymentHash, htlcId: b.htlcId });
  await waitUntil("MPP invoice SETTLED", async () => (await status(mpp.paymentHash)) === "SETTLED");
  // Cancelled: a hold set accepted, then cancelled through the API.
  const cancelled = await createInvoice("cancelled", 50_000n, "hold");
  await htlcs.sendHtlc({ nodeId: nodeA, paymentHash: cancelled.hash, paymentSecret: cancelled.secret, amountMsat: 50_000n, totalMsat: 50_000n });
  await waitUntil("hold set ACCEPTED", async () => (await status(cancelled.paymentHash)) === "ACCEPTED");
  await matcher!.service.cancelInvoice(cancelled.paymentHash);
  await waitUntil("hold invoice CANCELLED", async () => (await status(cancelled.paymentHash)) === "CANCELLED");
  // Expired: a one-second invoice nobody pays.
  const expired = await createInvoice("expired", 10_000n, "auto", 1);
  await waitUntil("invoice EXPIRED", async () => (await status(expired.paymentHash)) === "EXPIRED", { timeoutMs: 15_000 });
  // Failed parts: a wrong secret and an onion for another key.
  const rejected = await createInvoice("rejected", 70_000n, "auto");
  await htlcs.sendHtlc({ nodeId: nodeA, paymentHash: rejected.hash, paymentSecret: randomBytes(32), amountMsat: 70_000n, totalMsat: 70_000n });
  await htlcs.sendHtlc({ nodeId: nodeB, paymentHash: rejected.hash, paymentSecret: rejected.secret, amountMsat: 70_000n, totalMsat: 70_000n, onionNodeKey: randomBytes(32) });
  await waitUntil("both parts rejected", async () => (await journalCount(rejected.paymentHash, "HtlcRejected")) === 2);
  // Held: a hold set left ACCEPTED (its onion key lives only in htlc_onions).
  const held = await createInvoice("held", 30_000n, "hold");
  const heldPart = await htlcs.sendHtlc({ nodeId: nodeB, paymentHash: held.hash, paymentSecret: held.secret, amountMsat: 30_000n, totalMsat: 30_000n });
  await waitUntil("held set ACCEPTED", async () => (await status(held.paymentHash)) === "ACCEPTED");
  await outboxDrained();
  await matcher!.stop();
  matcher = undefined;

  // 1. Rebuilt from the log: equal to the live projection.
  const first = await rebuild(schemas[1]!);
  expect(first).toMatchObject({ targetSchema: schemas[1], invoices: 5 });
  expect(first.copiedFromLive?.htlcOnions).toBeGreaterThanOrEqual(6);
  const liveEvents = await admin.query<{ count: string }>(`select count(*) as count from ${live}.invoice_event_journal`);
  expect(first.events).toBe(Number(liveEvents.rows[0]!.count));
  console.log(JSON.stringify({ name: "rebuild.events_per_s", value: first.eventsPerSecond, unit: "1/s", events: first.events, readMs: first.readMs, writeMs: first.writeMs }));
  const same = await compareProjections(databaseUrl, live, schemas[1]!);
  expect(same).toEqual({ differing: [], onlyInLive: [], onlyInRebuilt: [], journalDiffering: [] });
  const rebuiltPool = createMatcherPool({ postgresUrl: databaseUrl, dbSchema: schemas[1]! }, silent);
  const audited = await auditProjection({ kafka: { brokers, sasl }, deployment: config.deployment, topic: topics.matcherEvents, pool: rebuiltPool, timeoutMs: 60_000 }).finally(() => rebuiltPool.end());
  expect(auditFoundProblems(audited)).toBe(false);
  await expect(rebuild(schemas[1]!)).rejects.toThrow(RebuildError);

  // 2. The live projection corrupted: one state tampered with, one invoice gone.
  await admin.query(`update ${live}.invoices set state = jsonb_set(state, '{invoice,status}', '"SETTLED"') where payment_hash = $1`, [expired.paymentHash]);
  await admin.query(`delete from ${live}.invoice_event_journal where payment_hash = $1`, [cancelled.paymentHash]);
  await admin.query(`delete from ${live}.invoices where payment_hash = $1`, [cancelled.paymentHash]);
  // The CLI: rebuild, audit, compare; the comparison names exactly the corruption.
  const cli = await promisify(execFile)(
    "node_modules/.bin/tsx",
    ["services/invoice-matcher/src/rebuild/main.ts", "--postgres-url", databaseUrl, "--schema", live, "--brokers", brokers.join(","), "--topic", topics.matcherEvents,
      "--deployment", config.deployment, "--kafka-credentials-file", testCredentialsFiles().matcher, "--target-schema", schemas[2]!],
    { cwd: new URL("../../../../", import.meta.url).pathname },
  );
  const report = JSON.parse(cli.stdout) as { comparison: { differing: string[]; onlyInRebuilt: string[]; onlyInLive: string[]; equal: boolean }; audit: { matched: number } };
  expect(report.comparison).toMatchObject({ differing: [expired.paymentHash], onlyInRebuilt: [cancelled.paymentHash], onlyInLive: [], equal: false });
  expect(report.audit.matched).toBe(5);

  // 3. The switch is fenced: refused while a matcher runs on the live schema.
  matcher = await startMatcher(config, { logger: silent });
  await waitUntil("the running matcher's publisher holds its lock", async () => {
    const refused = await switchToRebuilt(databaseUrl, live, schemas[2]!).then(
      () => false,
      (error: unknown) => error instanceof RebuildError && /a matcher is running/.test(error.message),
    );
    return refused;
  }, { timeoutMs: 20_000 });
  await matcher.stop();
  matcher = undefined;
  const { replacedSchema } = await switchToRebuilt(databaseUrl, live, schemas[2]!);
  schemas.push(replacedSchema);
  const repaired = await compareProjections(databaseUrl, live, schemas[1]!);
  expect(projectionsEqual(repaired)).toBe(true);

  // The matcher on the repaired schema carries on: the held set is settled (its onion key came along).
  matcher = await startMatcher(config, { logger: silent });
  expect(await status(cancelled.paymentHash)).toBe("CANCELLED");
  expect(await status(expired.paymentHash)).toBe("EXPIRED");
  await matcher.service.settleInvoice(held.paymentHash);
  await waitUntil("held set settle requested", async () => (await status(held.paymentHash)) === "SETTLE_REQUESTED");
  await htlcs.sendFinalSettled({ nodeId: nodeB, paymentHash: held.paymentHash, htlcId: heldPart.htlcId });
  await waitUntil("held invoice SETTLED", async () => (await status(held.paymentHash)) === "SETTLED");
});
