// The matcher's block height from bridge status records, against real PostgreSQL and Kafka: a hold
// invoice ACCEPTED with a part whose auto-fail height is 527 waits while the cluster's height is
// 300 (from the HTLC record); status records raise the height with no further HTLC (only ever
// up; one on the wrong node's topic is refused), and the one that brings 527 within the hold
// safety margin (3 blocks) gets the set CANCELLED by the ticker, its part failed at that height.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeAs, type HtlcCommand } from "@ic/event-log";
import { decodeFailurePacket, decodeInvoice, loadSecp256k1Backend } from "@ic/lightning-protocol";
import { waitUntil } from "../../../test/support/wait-until.ts";
import { type RunningMatcher } from "./start-matcher.ts";
import { type SyntheticHtlcSender } from "./testing/synthetic-htlcs.ts";
import { testMatcherSetup } from "./testing/test-matcher-setup.ts";

const setup = testMatcherSetup("test_bridge_status");
const { run, databaseUrl, nodeA, nodeB, config } = setup;
const topics = config.topics;
const backend = loadSecp256k1Backend().backend;
// synthetic-htlcs.ts: every HTLC it sends has autoFailHeight 527 and blockHeight 300.
const AUTO_FAIL_HEIGHT = 527;

let matcher: RunningMatcher;
let sender: SyntheticHtlcSender;
let db: pg.Client;
const commands: HtlcCommand[] = [];

beforeAll(async () => {
  ({ matcher, htlcs: sender } = await setup.start());
  await setup.observe([topics.htlcCommands(nodeA), topics.htlcCommands(nodeB)], (record) => void commands.push(decodeAs("htlc-command", record)));
  db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
});

afterAll(async () => {
  await db?.end();
  await setup.stop();
});

const heightOf = async (nodeId: string): Promise<number | undefined> =>
  (await db.query<{ block_height: number }>(`select block_height from ${config.dbSchema}.bridge_heartbeats where node_id = $1`, [nodeId])).rows[0]?.block_height;
const counter = async (name: "bridgeStatusRecords" | "rejectedRecords", reason?: string): Promise<number> =>
  (await matcher.metrics[name].get()).values.find((v) => reason === undefined || v.labels.reason === reason)?.value ?? 0;
const statusOf = async (paymentHash: string) => (await matcher.service.lookupInvoice({ paymentHash })).status;

describe("bridge status records on Postgres + Kafka", () => {
  it("raise the height the ticker uses: a waiting hold set is cancelled before its part's auto-fail height, with no further HTLC", async () => {
    const { invoice } = await matcher.service.createInvoice({ externalRef: `hold-${run}`, amountMsat: 20_000n, mode: "hold" });
    const decoded = decodeInvoice(backend, invoice.bolt11);
    if (!decoded.ok) throw new Error(decoded.error.message);
    const sent = await sender.sendHtlc({
      nodeId: nodeA,
      paymentHash: decoded.value.paymentHash,
      paymentSecret: decoded.value.paymentSecret,
      amountMsat: 20_000n,
      totalMsat: 20_000n,
    });
    await waitUntil("the hold set ACCEPTED", async () => (await statusOf(invoice.paymentHash)) === "ACCEPTED");
    expect(await heightOf(nodeA)).toBe(300);

    // A status far below the auto-fail height: recorded, nothing cancelled.
    await sender.sendStatus({ nodeId: nodeA, blockHeight: 400 });
    await waitUntil("height 400 recorded", async () => (await heightOf(nodeA)) === 400);

    // On a's topic, claiming b, with a height past the auto-fail height: refused, no height moves.
    const refusedBefore = await counter("rejectedRecords", "topic-node-mismatch");
    await sender.sendStatus({ nodeId: nodeB, topicNodeId: nodeA, blockHeight: 600 });
    await waitUntil("the forged status refused", async () => (await counter("rejectedRecords", "topic-node-mismatch")) === refusedBefore + 1);
    expect(await heightOf(nodeB)).toBeUndefined();
    expect(await heightOf(nodeA)).toBe(400);

    // A late status (an older block) does not lower the height.
    const recordedBefore = await counter("bridgeStatusRecords");
    await sender.sendStatus({ nodeId: nodeA, blockHeight: 350 });
    await waitUntil("the late status recorded", async () => (await counter("bridgeStatusRecords")) === recordedBefore + 1);
    expect(await heightOf(nodeA)).toBe(400);
    // Ticks (every 100 ms) ran meanwhile at 400 and cancelled nothing (the failure height below
    // also shows the cancel was decided at the later status's height, not at 400).
    expect(await statusOf(invoice.paymentHash)).toBe("ACCEPTED");
    expect(commands.filter((c) => c.paymentHash === invoice.paymentHash)).toEqual([]);

    // From b's bridge, on its own topic: the cluster height is the highest node's. 524 + 3 >= 527.
    const margin = config.matcher.holdSafetyMarginBlocks;
    await sender.sendStatus({ nodeId: nodeB, blockHeight: AUTO_FAIL_HEIGHT - margin });
    await waitUntil("the hold set CANCELLED", async () => (await statusOf(invoice.paymentHash)) === "CANCELLED", { timeoutMs: 20_000 });
    const fail = await waitUntil("a FAIL command for the held part", () => commands.find((c) => c.paymentHash === invoice.paymentHash));
    expect(fail).toMatchObject({ action: "FAIL", nodeId: nodeA });
    const opened = decodeFailurePacket(sent.sharedSecret, fail.failureMessage!);
    if (!opened.ok) throw new Error(String(opened.error));
    // The failure names the height the ticker decided at: the status record's.
    expect(opened.value.failure).toEqual({ type: "incorrect_or_unknown_payment_details", htlcMsat: 20_000n, height: AUTO_FAIL_HEIGHT - margin });
  });
});
