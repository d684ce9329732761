// Fail-over and recovery on the real regtest cluster: a stopped cluster node (payment goes
// through the other one, and the node's bridge reconnects when it is back), a bridge restarted
// while an HTLC is held (the set still settles, once), an lnd node restarted while a hold set is
// ACCEPTED (settled once after SettleInvoice), and an incomplete MPP set failed with mpp_timeout
// after the configured timeout.
import { execFileSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeInvoice, loadSecp256k1Backend } from "@ic/lightning-protocol";
import { loadStackConfig } from "../support/stack-config.ts";
import { restorePayerLiquidity } from "../support/liquidity.ts";
import { connectAll, type StackClients } from "../support/lnd-nodes.ts";
import { startCoordinator, type CoordinatorHarness } from "../support/coordinator-harness.ts";
import { lastFailureCode, lndRouteHints, partsByNode, payerChannelTo } from "../support/payments.ts";
import { waitUntil } from "../support/wait-until.ts";

const stack = loadStackConfig();
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const backend = loadSecp256k1Backend().backend;
let nodes: StackClients;
let coordinator: CoordinatorHarness;
let toAlpha: bigint;

function cluster(...args: string[]): void {
  execFileSync("bash", [path.join(repo, "infra/scripts/cluster.sh"), ...args], {
    env: { ...process.env, IC_RUN_DIR: stack.runDir },
    stdio: "inherit",
  });
}

beforeAll(async () => {
  nodes = await connectAll(stack);
  await restorePayerLiquidity(stack, nodes);
  coordinator = await startCoordinator(stack, { mppTimeoutMs: 60_000 });
  toAlpha = await payerChannelTo(nodes.payer, stack.cluster.nodes.alpha.pubkey);
});

afterAll(async () => {
  try {
    cluster("start-node", "alpha");
  } finally {
    try {
      await coordinator?.stop();
    } finally {
      nodes?.closeAll();
    }
  }
});

let refs = 0;
const ref = (what: string): string => `${what}-${coordinator.run}-${refs++}`;
const status = async (paymentHash: string): Promise<string> => (await coordinator.matcher.service.lookupInvoice({ paymentHash })).status;

describe("resilience", () => {
  it("a bridge restarted while an HTLC is held: the set still settles, once", async () => {
    const { invoice } = await coordinator.matcher.service.createInvoice({ externalRef: ref("restart"), amountMsat: 15_000_000n, mode: "hold" });
    const paying = nodes.payer.sendPaymentV2({ paymentRequest: invoice.bolt11, outgoingChanIds: [toAlpha], timeoutSeconds: 120, feeLimitMsat: 100_000n }).final();
    await waitUntil("invoice ACCEPTED", async () => (await status(invoice.paymentHash)) === "ACCEPTED");
    await coordinator.stopBridge("alpha");
    // The settle decision is taken while no bridge holds the HTLC; lnd keeps holding it
    // (--requireinterceptor) and offers it again to the restarted bridge.
    await coordinator.matcher.service.settleInvoice(invoice.paymentHash);
    await coordinator.startBridge("alpha");
    const payment = await paying;
    expect(payment.status, lastFailureCode(payment)).toBe("SUCCEEDED");
    expect(payment.htlcs.filter((h) => h.status === "SUCCEEDED")).toHaveLength(1);
    await waitUntil("invoice SETTLED", async () => (await status(invoice.paymentHash)) === "SETTLED");
    const view = await coordinator.matcher.service.lookupInvoice({ paymentHash: invoice.paymentHash });
    expect(view.htlcs).toHaveLength(1);
    expect(view.amountPaidMsat).toBe(15_000_000n);
  });

  it("an incomplete MPP set (one part sent by hand) is failed with mpp_timeout after the configured timeout", { timeout: 180_000 }, async () => {
    const { invoice } = await coordinator.matcher.service.createInvoice({ externalRef: ref("mpp-timeout"), amountMsat: 20_000_000n, mode: "auto" });
    const decoded = decodeInvoice(backend, invoice.bolt11);
    if (!decoded.ok) throw new Error(decoded.error.message);
    const alphaHint = decoded.value.routeHints.find((h) => Buffer.from(h[0]!.nodePubkey).toString("hex") === stack.cluster.nodes.alpha.pubkey)!;
    const routes = await nodes.payer.queryRoutes({
      pubKey: Buffer.from(decoded.value.payeeNodeKey).toString("hex"),
      amtMsat: 10_000_000n,
      finalCltvDelta: decoded.value.minFinalCltvExpiryDelta + 3,
      feeLimitMsat: 100_000n,
      outgoingChanIds: [toAlpha],
      routeHints: lndRouteHints([alphaHint]),
      destFeatures: ["TLV_ONION_REQ", "PAYMENT_ADDR_REQ", "MPP_OPT"],
    });
    const route = routes[0]!;
    const last = route.hops.at(-1)!;
    // Half of the invoice, announcing the full total: the set can never complete.
    last.mppRecord = { paymentAddr: Buffer.from(decoded.value.paymentSecret), totalAmtMsat: 20_000_000n };
    const started = Date.now();
    const attempt = await nodes.payer.sendToRouteV2({ paymentHash: Buffer.from(decoded.value.paymentHash), route }, { timeoutMs: 170_000 });
    const heldMs = Date.now() - started;
    expect(attempt.status).toBe("FAILED");
    expect(attempt.failure?.code).toBe("MPP_TIMEOUT");
    expect(heldMs).toBeGreaterThanOrEqual(60_000);
    expect(await status(invoice.paymentHash)).toBe("OPEN");
  });

  it("lnd alpha restarted while a hold invoice is ACCEPTED, then SettleInvoice: the re-offered HTLC settles, once", { timeout: 240_000 }, async () => {
    const amountMsat = 12_000_000n;
    const { invoice } = await coordinator.matcher.service.createInvoice({ externalRef: ref("lnd-restart"), amountMsat, mode: "hold" });
    const paying = nodes.payer.sendPaymentV2({ paymentRequest: invoice.bolt11, outgoingChanIds: [toAlpha], timeoutSeconds: 120, feeLimitMsat: 100_000n }).final();
    await waitUntil("invoice ACCEPTED", async () => (await status(invoice.paymentHash)) === "ACCEPTED");
    // alpha goes down holding the HTLC; when it is back it offers the HTLC to the bridge again.
    try {
      cluster("stop-node", "alpha");
    } finally {
      cluster("start-node", "alpha");
    }
    await waitUntil("alpha's bridge reconnected to lnd", () => coordinator.bridges.alpha?.status().interceptorStreamOpen === true, { timeoutMs: 90_000 });
    await coordinator.matcher.service.settleInvoice(invoice.paymentHash);
    const payment = await paying;
    expect(payment.status, lastFailureCode(payment)).toBe("SUCCEEDED");
    await waitUntil("invoice SETTLED", async () => (await status(invoice.paymentHash)) === "SETTLED", { timeoutMs: 90_000 });
    const settled = await coordinator.matcher.service.lookupInvoice({ paymentHash: invoice.paymentHash });
    // Once: one HTLC, its amount, settled; the journal has one settle request and one settlement.
    expect(settled.amountPaidMsat).toBe(amountMsat);
    expect(settled.htlcs).toHaveLength(1);
    const db = new pg.Client({ connectionString: stack.postgresUrl });
    await db.connect();
    const journal = await db
      .query<{ event_type: string }>(`select event_type from ${coordinator.config.dbSchema}.invoice_event_journal where payment_hash = $1 order by sequence`, [invoice.paymentHash])
      .then((r) => r.rows.map((row) => row.event_type))
      .finally(() => db.end());
    expect(journal.filter((type: string) => type === "InvoiceSettleRequested")).toHaveLength(1);
    expect(journal.filter((type: string) => type === "InvoiceSettled")).toHaveLength(1);
  });

  it("cluster node alpha stopped: the payment goes through bravo; alpha comes back and its bridge reconnects", { timeout: 240_000 }, async () => {
    cluster("stop-node", "alpha");
    try {
      const { invoice } = await coordinator.matcher.service.createInvoice({ externalRef: ref("failover"), amountMsat: 30_000_000n, mode: "auto" });
      const payment = await nodes.payer.sendPaymentV2({ paymentRequest: invoice.bolt11, timeoutSeconds: 60, feeLimitMsat: 100_000n }).final();
      expect(payment.status, lastFailureCode(payment)).toBe("SUCCEEDED");
      expect(new Set(partsByNode(payment, stack).map((p) => p.node))).toEqual(new Set(["bravo"]));
      await waitUntil("invoice SETTLED", async () => (await status(invoice.paymentHash)) === "SETTLED");
    } finally {
      cluster("start-node", "alpha");
    }
    await waitUntil("alpha's bridge reconnected to lnd", () => coordinator.bridges.alpha?.status().interceptorStreamOpen === true, { timeoutMs: 60_000 });
    const { invoice } = await coordinator.matcher.service.createInvoice({ externalRef: ref("back"), amountMsat: 5_000_000n, mode: "auto" });
    const toAlphaNow = await waitUntil("payer's channel to alpha active", () => payerChannelTo(nodes.payer, stack.cluster.nodes.alpha.pubkey), { timeoutMs: 60_000 });
    const payment = await nodes.payer.sendPaymentV2({ paymentRequest: invoice.bolt11, outgoingChanIds: [toAlphaNow], timeoutSeconds: 60, feeLimitMsat: 100_000n }).final();
    expect(payment.status, lastFailureCode(payment)).toBe("SUCCEEDED");
  });
});
