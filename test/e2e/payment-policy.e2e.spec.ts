// The receive policy on the real regtest cluster (issue 8): overpayment as BOLT 4 says (up to
// twice the invoice amount is accepted and the amount received recorded; more is refused with
// incorrect_or_unknown_payment_details). The payer sends a hand-made route (SendToRouteV2) so it
// can pay more than the invoice asks, which lnd's SendPaymentV2 refuses to do for it.
// Hold invoices never settle partially: a held set whose parts near lnd's auto-fail height is
// cancelled by the matcher itself (the bridges' status records tell it the height), before lnd
// would fail a part, and SettleInvoice is refused.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeInvoice, loadSecp256k1Backend } from "@ic/lightning-protocol";
import { btcdClient } from "../support/btcd.ts";
import { loadStackConfig } from "../support/stack-config.ts";
import { restorePayerLiquidity } from "../support/liquidity.ts";
import { connectAll, type StackClients } from "../support/lnd-nodes.ts";
import { startCoordinator, type CoordinatorHarness } from "../support/coordinator-harness.ts";
import { lndRouteHints, payerChannelTo } from "../support/payments.ts";
import { waitUntil } from "../support/wait-until.ts";

const stack = loadStackConfig();
const backend = loadSecp256k1Backend().backend;
let nodes: StackClients;
let coordinator: CoordinatorHarness;
let toAlpha: bigint;

beforeAll(async () => {
  nodes = await connectAll(stack);
  await restorePayerLiquidity(stack, nodes);
  coordinator = await startCoordinator(stack);
  toAlpha = await payerChannelTo(nodes.payer, stack.cluster.nodes.alpha.pubkey);
});

afterAll(async () => {
  try {
    await coordinator?.stop();
  } finally {
    nodes?.closeAll();
  }
});

let refs = 0;
const ref = (what: string): string => `${what}-${coordinator.run}-${refs++}`;

/** Pays `paidMsat` (one part, announcing it as the total) to a coordinator invoice through alpha. */
async function payExactly(bolt11: string, paidMsat: bigint) {
  const decoded = decodeInvoice(backend, bolt11);
  if (!decoded.ok) throw new Error(decoded.error.message);
  const terms = decoded.value;
  const alphaHint = terms.routeHints.find((h) => Buffer.from(h[0]!.nodePubkey).toString("hex") === stack.cluster.nodes.alpha.pubkey)!;
  const [route] = await nodes.payer.queryRoutes({
    pubKey: Buffer.from(terms.payeeNodeKey).toString("hex"),
    amtMsat: paidMsat,
    finalCltvDelta: terms.minFinalCltvExpiryDelta + 3,
    feeLimitMsat: 100_000n,
    outgoingChanIds: [toAlpha],
    routeHints: lndRouteHints([alphaHint]),
    destFeatures: ["TLV_ONION_REQ", "PAYMENT_ADDR_REQ", "MPP_OPT"],
  });
  route!.hops.at(-1)!.mppRecord = { paymentAddr: Buffer.from(terms.paymentSecret), totalAmtMsat: paidMsat };
  return nodes.payer.sendToRouteV2({ paymentHash: Buffer.from(terms.paymentHash), route: route! }, { timeoutMs: 60_000 });
}

describe("overpayment (BOLT 4: accept up to twice the amount, record what was received)", () => {
  const amountMsat = 20_000_000n;
  for (const [name, paid, settles] of [
    ["1 msat over", amountMsat + 1n, true],
    ["exactly twice", 2n * amountMsat, true],
    ["twice + 1 msat", 2n * amountMsat + 1n, false],
  ] as const) {
    it(`${name}: ${settles ? "settled, with the amount received recorded" : "refused with incorrect_or_unknown_payment_details, nothing settles"}`, async () => {
      const { invoice } = await coordinator.matcher.service.createInvoice({ externalRef: ref("over"), amountMsat, mode: "auto" });
      const attempt = await payExactly(invoice.bolt11, paid);
      if (settles) {
        expect(attempt.status, attempt.failure?.code).toBe("SUCCEEDED");
        await waitUntil("invoice SETTLED", async () => ((await coordinator.matcher.service.lookupInvoice({ paymentHash: invoice.paymentHash })).status === "SETTLED" ? true : undefined));
        const view = await coordinator.matcher.service.lookupInvoice({ paymentHash: invoice.paymentHash });
        expect(view.amountPaidMsat).toBe(paid);
        await waitUntil("SETTLED with the amount received on the public topic", () =>
          coordinator.invoiceEvents.some((e) => e.paymentHash === invoice.paymentHash && e.kind === "SETTLED") ? true : undefined,
        );
        const settled = coordinator.invoiceEvents.find((e) => e.paymentHash === invoice.paymentHash && e.kind === "SETTLED")!;
        expect(settled.amountPaidMsat).toBe(paid);
      } else {
        expect(attempt.status).toBe("FAILED");
        expect(attempt.failure?.code).toBe("INCORRECT_OR_UNKNOWN_PAYMENT_DETAILS");
        expect((await coordinator.matcher.service.lookupInvoice({ paymentHash: invoice.paymentHash })).status).toBe("OPEN");
      }
    });
  }
});

describe("hold invoices never settle partially", () => {
  it("a held set nearing lnd's auto-fail height is cancelled by the matcher in time; SettleInvoice is refused; the payer's funds return; no preimage leaves", { timeout: 240_000 }, async () => {
    const btcd = btcdClient(stack);
    const db = new pg.Client({ connectionString: stack.postgresUrl });
    await db.connect();
    try {
      // The height the matcher's ticker and SettleInvoice go by: the highest its bridges reported.
      const matcherHeight = async (): Promise<number> =>
        Number((await db.query<{ h: number | null }>(`select max(block_height) as h from ${coordinator.config.dbSchema}.bridge_heartbeats`)).rows[0]?.h ?? 0);
      const { invoice } = await coordinator.matcher.service.createInvoice({ externalRef: ref("hold-near"), amountMsat: 30_000_000n, mode: "hold" });
      const paying = nodes.payer.sendPaymentV2({ paymentRequest: invoice.bolt11, outgoingChanIds: [toAlpha], timeoutSeconds: 200, feeLimitMsat: 100_000n }).final();
      await waitUntil("invoice ACCEPTED", async () => ((await coordinator.matcher.service.lookupInvoice({ paymentHash: invoice.paymentHash })).status === "ACCEPTED" ? true : undefined), { timeoutMs: 60_000 });
      const acceptedAt = await btcd.height();
      // One block at a time, each reported by the bridges' status records, until the matcher cancels.
      let mined = 0;
      for (; mined < 150; mined++) {
        if ((await coordinator.matcher.service.lookupInvoice({ paymentHash: invoice.paymentHash })).status !== "ACCEPTED") break;
        const target = (await btcd.height()) + 1;
        await btcd.mine(1);
        await waitUntil(`the matcher at height ${target}`, async () => ((await matcherHeight()) >= target ? true : undefined), { timeoutMs: 20_000, intervalMs: 50 });
        // One whole tick round at this height before the next block.
        await waitUntil(`a tick round at height ${target}`, async () => (((await coordinator.matcher.metrics.tickBlockHeight.get()).values[0]?.value ?? 0) >= target ? true : undefined), {
          timeoutMs: 20_000,
          intervalMs: 20,
        });
      }
      await waitUntil("invoice CANCELLED", async () => ((await coordinator.matcher.service.lookupInvoice({ paymentHash: invoice.paymentHash })).status === "CANCELLED" ? true : undefined), { timeoutMs: 30_000 });
      expect(mined).toBeGreaterThan(10);
      await expect(coordinator.matcher.service.settleInvoice(invoice.paymentHash)).rejects.toMatchObject({ code: "failed_precondition" });
      const payment = await paying;
      expect(payment.status).toBe("FAILED");
      // The coordinator's own answer (lnd's auto-fail would not send incorrect_or_unknown_payment_details).
      expect(payment.htlcs.at(-1)?.failure?.code).toBe("INCORRECT_OR_UNKNOWN_PAYMENT_DETAILS");
      expect(payment.htlcs.every((h) => h.status === "FAILED")).toBe(true);
      const kinds = coordinator.invoiceEvents.filter((e) => e.paymentHash === invoice.paymentHash).map((e) => e.kind);
      expect(kinds).not.toContain("SETTLE_REQUESTED");
      expect(kinds).not.toContain("SETTLED");
      process.stderr.write(`[hold near auto-fail] cancelled after ${mined} blocks from height ${acceptedAt}\n`);
    } finally {
      await db.end();
    }
  });
});
