// The payment the container tests make through the coordinator's containers, whichever engine
// runs them: a 1.5M sat invoice (more than either 1M sat channel holds) paid by the payer, split
// across alpha and bravo, then checked SETTLED once (API and public topic).
import { expect } from "vitest";
import type { InvoiceApiClient } from "@ic/invoice-api-client";
import { restorePayerLiquidity } from "../support/liquidity.ts";
import type { StackClients } from "../support/lnd-nodes.ts";
import { lastFailureCode, partsByNode } from "../support/payments.ts";
import type { StackConfig } from "../support/stack-config.ts";
import { waitUntil } from "../support/wait-until.ts";

export interface PaymentContext {
  stack: StackConfig;
  nodes: StackClients;
  api: InvoiceApiClient;
  /** Public invoice events of the test's deployment as a consumer saw them: payment hash -> kinds in order. */
  events: ReadonlyMap<string, string[]>;
}

export async function payAcrossBothNodes(ctx: PaymentContext, externalRef: string): Promise<void> {
  const amountMsat = 1_500_000_000n;
  await restorePayerLiquidity(ctx.stack, ctx.nodes);
  const { invoice } = await ctx.api.createInvoice({ externalRef, amountMsat, mode: "auto", description: externalRef });
  const payment = await ctx.nodes.payer
    .sendPaymentV2({ paymentRequest: invoice.bolt11, timeoutSeconds: 90, feeLimitMsat: 2_000_000n, maxParts: 16 })
    .final();
  expect(payment.status, lastFailureCode(payment)).toBe("SUCCEEDED");
  expect(new Set(partsByNode(payment, ctx.stack).map((p) => p.node))).toEqual(new Set(["alpha", "bravo"]));
  await waitUntil(
    `${externalRef}: invoice SETTLED`,
    async () => (await ctx.api.lookupInvoice({ paymentHash: invoice.paymentHash })).status === "SETTLED",
    { timeoutMs: 60_000 },
  );
  await waitUntil(
    `${externalRef}: SETTLED on the public topic`,
    () => ctx.events.get(invoice.paymentHash)?.includes("SETTLED"),
    { timeoutMs: 30_000 },
  );
  const settled = await ctx.api.lookupInvoice({ paymentHash: invoice.paymentHash });
  // Settled once: the paid amount is the parts the payer sent, and one SETTLED event.
  expect(settled.amountPaidMsat).toBe(amountMsat);
  expect(ctx.events.get(invoice.paymentHash)!.filter((k) => k === "SETTLED")).toEqual(["SETTLED"]);
}
