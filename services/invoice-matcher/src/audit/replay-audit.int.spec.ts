// The replay audit against the real matcher on PostgreSQL and Kafka: after a two-node MPP set is
// settled, an HTLC is rejected for a wrong payment_secret and another for an onion that does not
// peel, every invoice rebuilt from ic.matcher.events.v1 equals its projection row. Then rows are
// tampered with, and the audit (and its CLI) reports exactly those invoices. Each run owns its
// schema and topics.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { promisify } from "node:util";
import pg from "pg";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readKafkaCredentialsFile } from "@ic/event-log";
import { testCredentialsFiles } from "@ic/event-log/testing";
import { decodeInvoice, loadSecp256k1Backend } from "@ic/lightning-protocol";
import { waitUntil } from "../../../../test/support/wait-until.ts";
import { createMatcherPool } from "../postgres/matcher-pool.ts";
import { type RunningMatcher } from "../start-matcher.ts";
import { type SyntheticHtlcSender } from "../testing/synthetic-htlcs.ts";
import { testMatcherSetup } from "../testing/test-matcher-setup.ts";
import { auditFoundProblems, auditProjection, type AuditReport } from "./replay-audit.ts";

const setup = testMatcherSetup("test_audit");
const { run, databaseUrl, brokers, nodeA, nodeB, config } = setup;
const topics = config.topics;
const backend = loadSecp256k1Backend().backend;

const silent = pino({ level: "silent" });
// The test's producer plays the bridges: the admin super user. The audit reads as the matcher.
let matcher: RunningMatcher | undefined;
let htlcs: SyntheticHtlcSender;
let pool: pg.Pool;

beforeAll(async () => {
  ({ matcher, htlcs } = await setup.start());
  pool = createMatcherPool(config, silent);
});

afterAll(async () => {
  await pool?.end();
  await setup.stop({ matcher });
});

const audit = (): Promise<AuditReport> => auditProjection({
    kafka: { brokers, sasl: readKafkaCredentialsFile(testCredentialsFiles().matcher) },
    deployment: config.deployment,
    topic: topics.matcherEvents,
    pool,
    timeoutMs: 60_000,
  });

async function createInvoice(ref: string, amountMsat: bigint, mode: "auto" | "hold") {
  const { invoice } = await matcher!.service.createInvoice({ externalRef: `${ref}-${run}`, amountMsat, mode });
  const decoded = decodeInvoice(backend, invoice.bolt11);
  if (!decoded.ok) throw new Error(decoded.error.message);
  return { paymentHash: invoice.paymentHash, hash: decoded.value.paymentHash, secret: decoded.value.paymentSecret };
}

const htlcCount = async (paymentHash: string) => (await matcher!.service.lookupInvoice({ paymentHash })).htlcs.length;
// Rejected HTLCs are not in the invoice view: the journal shows them.
const rejections = async (paymentHash: string) =>
  (await pool.query("select 1 from invoice_event_journal where payment_hash = $1 and event_type = 'HtlcRejected'", [paymentHash])).rowCount;

describe("replay audit of the invoice projection against the matcher-events log", () => {
  it("matches every invoice rebuilt from the log, then reports the rows tampered with", async () => {
    // 1. A two-node MPP set, settled and reported final by lnd.
    const mpp = await createInvoice("mpp", 100_000n, "auto");
    const a = await htlcs.sendHtlc({ nodeId: nodeA, paymentHash: mpp.hash, paymentSecret: mpp.secret, amountMsat: 60_000n, totalMsat: 100_000n });
    await waitUntil("the first part held", async () => (await htlcCount(mpp.paymentHash)) === 1);
    const b = await htlcs.sendHtlc({ nodeId: nodeB, paymentHash: mpp.hash, paymentSecret: mpp.secret, amountMsat: 40_000n, totalMsat: 100_000n });
    await waitUntil("settle requested", async () => (await matcher!.service.lookupInvoice({ paymentHash: mpp.paymentHash })).status === "SETTLE_REQUESTED");
    await htlcs.sendFinalSettled({ nodeId: nodeA, paymentHash: mpp.paymentHash, htlcId: a.htlcId });
    await htlcs.sendFinalSettled({ nodeId: nodeB, paymentHash: mpp.paymentHash, htlcId: b.htlcId });
    await waitUntil("invoice SETTLED", async () => (await matcher!.service.lookupInvoice({ paymentHash: mpp.paymentHash })).status === "SETTLED");

    // 2. A wrong payment_secret: HtlcRejected with incorrect_or_unknown_payment_details.
    const wrongSecret = await createInvoice("wrong-secret", 50_000n, "auto");
    await htlcs.sendHtlc({ nodeId: nodeA, paymentHash: wrongSecret.hash, paymentSecret: randomBytes(32), amountMsat: 50_000n, totalMsat: 50_000n });
    await waitUntil("the wrong-secret HTLC rejected", async () => (await rejections(wrongSecret.paymentHash)) === 1);

    // 3. An onion built for another key: HtlcRejected carrying the peel's opaque failure.
    const badOnion = await createInvoice("bad-onion", 70_000n, "hold");
    await htlcs.sendHtlc({
      nodeId: nodeB,
      paymentHash: badOnion.hash,
      paymentSecret: badOnion.secret,
      amountMsat: 70_000n,
      totalMsat: 70_000n,
      onionNodeKey: randomBytes(32),
    });
    await waitUntil("the bad-onion HTLC rejected", async () => (await rejections(badOnion.paymentHash)) === 1);

    // 4. Created and nothing else.
    const untouched = await createInvoice("untouched", 1_000n, "hold");

    // Every decision's events must be in the log before the snapshot; then nothing may change.
    await waitUntil("the outbox drained", async () => {
      const result = await pool.query<{ count: string }>("select count(*) as count from outbox where published_at is null");
      return result.rows[0]?.count === "0";
    });
    await matcher!.stop();
    matcher = undefined;

    const versions = await pool.query<{ payment_hash: string; version: string }>("select payment_hash, version from invoices");
    const totalEvents = versions.rows.reduce((sum, row) => sum + Number(row.version), 0);
    const hashes = [mpp, wrongSecret, badOnion, untouched].map((i) => i.paymentHash).sort();
    expect(versions.rows.map((row) => row.payment_hash).sort()).toEqual(hashes);
    const onionEvent = await pool.query<{ payload: { failure: { kind: string } } }>(
      "select payload from invoice_event_journal where payment_hash = $1 and event_type = 'HtlcRejected'",
      [badOnion.paymentHash],
    );
    expect(onionEvent.rows[0]?.payload.failure.kind).toBe("onion");

    const clean = await audit();
    expect(clean).toEqual({
      invoices: 4,
      events: totalEvents,
      matched: 4,
      mismatched: [],
      missingInProjection: [],
      missingInLog: [],
      sequenceGaps: [],
      unreadable: [],
      unpublishedOutbox: 0,
    });
    expect(auditFoundProblems(clean)).toBe(false);

    // Tamper: one row's state says something its events never did; another row is gone.
    await pool.query("update invoices set state = jsonb_set(state, '{invoice,status}', '\"CANCELLED\"') where payment_hash = $1", [untouched.paymentHash]);
    // The journal references the row, so its entries go first.
    await pool.query("delete from invoice_event_journal where payment_hash = $1", [wrongSecret.paymentHash]);
    await pool.query("delete from invoices where payment_hash = $1", [wrongSecret.paymentHash]);
    const tampered = await audit();
    expect(tampered).toMatchObject({
      invoices: 4,
      events: totalEvents,
      matched: 2,
      mismatched: [untouched.paymentHash],
      missingInProjection: [wrongSecret.paymentHash],
      missingInLog: [],
      sequenceGaps: [],
    });
    expect(auditFoundProblems(tampered)).toBe(true);

    // The CLI, with flags instead of a config file (no secrets needed): same report, exit code 1.
    const cli = await promisify(execFile)(
      "node_modules/.bin/tsx",
      [
        "services/invoice-matcher/src/audit/main.ts",
        "--postgres-url",
        databaseUrl,
        "--schema",
        config.dbSchema,
        "--brokers",
        brokers.join(","),
        "--topic",
        topics.matcherEvents,
        "--deployment",
        config.deployment,
        "--kafka-credentials-file",
        testCredentialsFiles().matcher,
      ],
      { cwd: new URL("../../../../", import.meta.url).pathname },
    ).then(
      () => ({ code: 0, stdout: "" }),
      (error: { code: number; stdout: string }) => ({ code: error.code, stdout: error.stdout }),
    );
    expect(cli.code).toBe(1);
    expect(JSON.parse(cli.stdout)).toEqual(tampered);
  });
});
