// Multi-node receive on the real regtest cluster (no mocks): coordinator invoices paid through
// alpha, through bravo, and split across both; hold invoices settled and cancelled through the
// API; bad payments refused with the BOLT 4 failure the payer should see; forwards that are not
// for the coordinator resumed untouched; a plain kafkajs consumer of the public topic sees
// created -> settled.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeInvoice, loadSecp256k1Backend } from "@ic/lightning-protocol";
import { loadStackConfig } from "../support/stack-config.ts";
import { restorePayerLiquidity } from "../support/liquidity.ts";
import { connectAll, type StackClients } from "../support/lnd-nodes.ts";
import { startCoordinator, type CoordinatorHarness } from "../support/coordinator-harness.ts";
import { lastFailureCode, lndRouteHints, partsByNode, payerChannelTo, payThroughUnknownScid } from "../support/payments.ts";
import { waitUntil } from "../support/wait-until.ts";

const stack = loadStackConfig();
const backend = loadSecp256k1Backend().backend;
let nodes: StackClients;
let coordinator: CoordinatorHarness;
let toAlpha: bigint;
let toBravo: bigint;

beforeAll(async () => {
  nodes = await connectAll(stack);
  await restorePayerLiquidity(stack, nodes);
  coordinator = await startCoordinator(stack);
  toAlpha = await payerChannelTo(nodes.payer, stack.cluster.nodes.alpha.pubkey);
  toBravo = await payerChannelTo(nodes.payer, stack.cluster.nodes.bravo.pubkey);
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

async function invoiceStatus(paymentHash: string): Promise<string> {
  return (await coordinator.matcher.service.lookupInvoice({ paymentHash })).status;
}

describe("multi-node receive", () => {
  for (const via of ["alpha", "bravo"] as const) {
    it(`pays a coordinator invoice through ${via} (forced by the payer's outgoing channel)`, async () => {
      const { invoice } = await coordinator.matcher.service.createInvoice({ externalRef: ref(via), amountMsat: 50_000_000n, mode: "auto", description: `via ${via}` });
      const payment = await nodes.payer
        .sendPaymentV2({ paymentRequest: invoice.bolt11, outgoingChanIds: [via === "alpha" ? toAlpha : toBravo], timeoutSeconds: 60, feeLimitMsat: 100_000n })
        .final();
      expect(payment.status, lastFailureCode(payment)).toBe("SUCCEEDED");
      expect(partsByNode(payment, stack).map((p) => p.node)).toEqual([via]);
      await waitUntil("invoice SETTLED (lnd reported the HTLC final)", async () => (await invoiceStatus(invoice.paymentHash)) === "SETTLED");
      const settled = await coordinator.matcher.service.lookupInvoice({ paymentHash: invoice.paymentHash });
      expect(settled.amountPaidMsat).toBe(50_000_000n);
      expect(settled.htlcs.map((h) => h.nodeId)).toEqual([stack.cluster.nodes[via].pubkey]);
    });
  }

  it("splits a payment too large for either channel across alpha and bravo and settles the set once", async () => {
    const amountMsat = 1_500_000_000n; // 1.5M sat; each payer channel holds 1M sat
    const { invoice } = await coordinator.matcher.service.createInvoice({ externalRef: ref("mpp"), amountMsat, mode: "auto" });
    const payment = await nodes.payer.sendPaymentV2({ paymentRequest: invoice.bolt11, timeoutSeconds: 90, feeLimitMsat: 2_000_000n, maxParts: 16 }).final();
    expect(payment.status, lastFailureCode(payment)).toBe("SUCCEEDED");
    const parts = partsByNode(payment, stack);
    expect(new Set(parts.map((p) => p.node))).toEqual(new Set(["alpha", "bravo"]));
    expect(parts.reduce((s, p) => s + p.amountMsat, 0n)).toBe(amountMsat);
    await waitUntil("invoice SETTLED", async () => (await invoiceStatus(invoice.paymentHash)) === "SETTLED", { timeoutMs: 60_000 });
    // Settled once: the settled set is exactly the parts the payer sent, nothing counted twice.
    expect((await coordinator.matcher.service.lookupInvoice({ paymentHash: invoice.paymentHash })).amountPaidMsat).toBe(amountMsat);
  });

  it("a plain kafkajs consumer of the public topic sees created -> settle requested -> settled", async () => {
    const { invoice } = await coordinator.matcher.service.createInvoice({ externalRef: ref("events"), amountMsat: 10_000_000n, mode: "auto" });
    const payment = await nodes.payer.sendPaymentV2({ paymentRequest: invoice.bolt11, timeoutSeconds: 60, feeLimitMsat: 100_000n }).final();
    expect(payment.status).toBe("SUCCEEDED");
    await waitUntil("created -> settle requested -> settled on the public topic", () => {
      const kinds = coordinator.invoiceEvents.filter((e) => e.paymentHash === invoice.paymentHash).map((e) => e.kind);
      return kinds.join(",") === "CREATED,SETTLE_REQUESTED,SETTLED";
    });
    const created = coordinator.invoiceEvents.find((e) => e.paymentHash === invoice.paymentHash && e.kind === "CREATED");
    expect(created?.bolt11).toBe(invoice.bolt11);
  });

  it("hold invoice: the complete set is ACCEPTED, then settled by the API", async () => {
    const { invoice } = await coordinator.matcher.service.createInvoice({ externalRef: ref("hold-settle"), amountMsat: 20_000_000n, mode: "hold" });
    const paying = nodes.payer.sendPaymentV2({ paymentRequest: invoice.bolt11, timeoutSeconds: 60, feeLimitMsat: 100_000n }).final();
    await waitUntil("invoice ACCEPTED", async () => (await invoiceStatus(invoice.paymentHash)) === "ACCEPTED");
    await coordinator.matcher.service.settleInvoice(invoice.paymentHash);
    const payment = await paying;
    expect(payment.status).toBe("SUCCEEDED");
    await waitUntil("invoice SETTLED", async () => (await invoiceStatus(invoice.paymentHash)) === "SETTLED");
  });

  it("hold invoice cancelled by the API: the payer sees a failure and its funds return", async () => {
    const before = await nodes.payer.channelBalance();
    const { invoice } = await coordinator.matcher.service.createInvoice({ externalRef: ref("hold-cancel"), amountMsat: 20_000_000n, mode: "hold" });
    const paying = nodes.payer.sendPaymentV2({ paymentRequest: invoice.bolt11, timeoutSeconds: 60, feeLimitMsat: 100_000n }).final();
    await waitUntil("invoice ACCEPTED", async () => (await invoiceStatus(invoice.paymentHash)) === "ACCEPTED");
    await coordinator.matcher.service.cancelInvoice(invoice.paymentHash);
    const payment = await paying;
    expect(payment.status).toBe("FAILED");
    expect(lastFailureCode(payment)).toBe("INCORRECT_OR_UNKNOWN_PAYMENT_DETAILS");
    expect(await invoiceStatus(invoice.paymentHash)).toBe("CANCELLED");
    await waitUntil("payer's local balance back", async () => (await nodes.payer.channelBalance()).local.msat === before.local.msat);
  });

  it("wrong payment_secret and an underpaid total get incorrect_or_unknown_payment_details; nothing settles", async () => {
    const { invoice } = await coordinator.matcher.service.createInvoice({ externalRef: ref("bad"), amountMsat: 30_000_000n, mode: "auto" });
    const decoded = decodeInvoice(backend, invoice.bolt11);
    if (!decoded.ok) throw new Error(decoded.error.message);
    const hints = lndRouteHints(decoded.value.routeHints);
    const common = {
      dest: Buffer.from(decoded.value.payeeNodeKey),
      paymentHash: Buffer.from(decoded.value.paymentHash),
      finalCltvDelta: decoded.value.minFinalCltvExpiryDelta,
      routeHints: hints,
      destFeatures: ["TLV_ONION_REQ", "PAYMENT_ADDR_REQ", "MPP_OPT"] as const,
      timeoutSeconds: 30,
      feeLimitMsat: 100_000n,
      maxParts: 1,
    };
    const wrongSecret = await nodes.payer.sendPaymentV2({ ...common, destFeatures: [...common.destFeatures], amtMsat: 30_000_000n, paymentAddr: randomBytes(32) }).final();
    expect(wrongSecret.status).toBe("FAILED");
    expect(lastFailureCode(wrongSecret)).toBe("INCORRECT_OR_UNKNOWN_PAYMENT_DETAILS");
    const underpaid = await nodes.payer
      .sendPaymentV2({ ...common, destFeatures: [...common.destFeatures], amtMsat: 29_999_000n, paymentAddr: Buffer.from(decoded.value.paymentSecret) })
      .final();
    expect(underpaid.status).toBe("FAILED");
    expect(lastFailureCode(underpaid)).toBe("INCORRECT_OR_UNKNOWN_PAYMENT_DETAILS");
    expect(await invoiceStatus(invoice.paymentHash)).toBe("OPEN");
  });

  it("an expired invoice is refused with incorrect_or_unknown_payment_details", async () => {
    const { invoice } = await coordinator.matcher.service.createInvoice({ externalRef: ref("expired"), amountMsat: 5_000_000n, mode: "auto", expirySeconds: 1 });
    await waitUntil("invoice EXPIRED", async () => (await invoiceStatus(invoice.paymentHash)) === "EXPIRED", { timeoutMs: 10_000 });
    const decoded = decodeInvoice(backend, invoice.bolt11);
    if (!decoded.ok) throw new Error(decoded.error.message);
    const payment = await nodes.payer
      .sendPaymentV2({
        dest: Buffer.from(decoded.value.payeeNodeKey),
        paymentHash: Buffer.from(decoded.value.paymentHash),
        paymentAddr: Buffer.from(decoded.value.paymentSecret),
        amtMsat: 5_000_000n,
        finalCltvDelta: decoded.value.minFinalCltvExpiryDelta,
        routeHints: lndRouteHints(decoded.value.routeHints),
        destFeatures: ["TLV_ONION_REQ", "PAYMENT_ADDR_REQ"],
        timeoutSeconds: 30,
        feeLimitMsat: 100_000n,
        maxParts: 1,
      })
      .final();
    expect(payment.status).toBe("FAILED");
    expect(lastFailureCode(payment)).toBe("INCORRECT_OR_UNKNOWN_PAYMENT_DETAILS");
  });

  it("a forward that is not for the coordinator (unknown scid via alpha) is resumed untouched", async () => {
    const payment = await payThroughUnknownScid(nodes.payer, {
      viaPubkey: stack.cluster.nodes.alpha.pubkey,
      scid: (7n << 40n) | (7n << 16n) | 7n,
      amtMsat: 1_000_000n,
      paymentHash: randomBytes(32),
    }).final();
    expect(payment.status).toBe("FAILED");
    // Resumed: lnd itself finds no such channel and fails the forward as the routing node would.
    expect(lastFailureCode(payment)).toBe("UNKNOWN_NEXT_PEER");
    expect(lastFailureCode(payment)).not.toBe("TEMPORARY_CHANNEL_FAILURE");
  });
});
