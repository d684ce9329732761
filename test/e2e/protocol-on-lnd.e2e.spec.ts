// The protocol core against real lnd (issue 3): lnd decodes our BOLT 11 invoice to our terms, an
// HTLC the payer sends to our invoice peels with our key to exactly what the payer used, and a
// failure packet we build reaches the payer as the intended BOLT 4 failure. No coordinator
// services run here: a raw interceptor on alpha plays the bridge.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { InterceptedHtlc } from "@ic/lnd-client";
import {
  buildFailurePacket,
  bytesToHex,
  deriveInvoiceSecrets,
  encodeInvoice,
  loadSecp256k1Backend,
  peelFinalHop,
  virtualNodeRouteHints,
  virtualScidForNode,
  VIRTUAL_NODE_FEATURE_BITS,
} from "@ic/lightning-protocol";
import { loadStackConfig } from "../support/stack-config.ts";
import { restorePayerLiquidity } from "../support/liquidity.ts";
import { connectAll, type StackClients } from "../support/lnd-nodes.ts";
import { lastFailureCode, payerChannelTo } from "../support/payments.ts";

const stack = loadStackConfig();
const backend = loadSecp256k1Backend().backend;
const nodeKey = randomBytes(32);
const seed = randomBytes(32);
const nodePubkey = bytesToHex(backend.publicKeyCreate(nodeKey));
const { alpha, bravo } = stack.cluster.nodes;
let nodes: StackClients;

beforeAll(async () => {
  nodes = await connectAll(stack);
  await restorePayerLiquidity(stack, nodes);
});
afterAll(() => nodes?.closeAll());

function ourInvoice(amountMsat: bigint): { bolt11: string; paymentHash: Uint8Array; paymentSecret: Uint8Array } {
  const paymentSecret = randomBytes(32);
  const { paymentHash } = deriveInvoiceSecrets(seed, paymentSecret);
  const bolt11 = encodeInvoice(backend, nodeKey, {
    network: "regtest",
    amountMsat,
    timestamp: Math.floor(Date.now() / 1000),
    paymentHash,
    paymentSecret,
    description: "protocol e2e",
    expirySeconds: 600,
    minFinalCltvExpiryDelta: 40,
    featureBits: VIRTUAL_NODE_FEATURE_BITS,
    routeHints: virtualNodeRouteHints(
      [alpha, bravo].map((n) => ({ nodePubkey: Buffer.from(n.pubkey, "hex"), feeBaseMsat: 1000, feeProportionalMillionths: 100, cltvExpiryDelta: 40 })),
    ),
  });
  return { bolt11, paymentHash, paymentSecret };
}

describe("protocol core against real lnd", () => {
  it("lnd's DecodePayReq of our invoice shows our destination, amount, payment_addr, features and every route hint", async () => {
    const invoice = ourInvoice(123_456_789n);
    const decoded = await nodes.payer.decodePayReq(invoice.bolt11);
    expect(decoded.destination).toBe(nodePubkey);
    expect(decoded.numMsat).toBe(123_456_789n);
    expect(decoded.paymentHash).toBe(bytesToHex(invoice.paymentHash));
    expect(decoded.paymentAddr.equals(Buffer.from(invoice.paymentSecret))).toBe(true);
    expect(decoded.cltvExpiry).toBe(40n);
    expect(decoded.features.get(8)?.isRequired).toBe(true);
    expect(decoded.features.get(14)?.isRequired).toBe(true);
    expect(decoded.features.get(17)?.isRequired).toBe(false);
    expect(decoded.routeHints.map((h) => h.hopHints)).toEqual(
      [alpha, bravo].map((n) => [
        {
          nodeId: n.pubkey,
          chanId: virtualScidForNode(Buffer.from(n.pubkey, "hex")),
          feeBaseMsat: 1000,
          feeProportionalMillionths: 100,
          cltvExpiryDelta: 40,
        },
      ]),
    );
  });

  it("an HTLC for our invoice, captured on alpha, peels to what the payer used; our failure packet reaches the payer", async () => {
    const amountMsat = 7_000_000n;
    const invoice = ourInvoice(amountMsat);
    const toAlpha = await payerChannelTo(nodes.payer, alpha.pubkey);
    const interceptor = nodes.alpha.htlcInterceptor();
    let captured: InterceptedHtlc | undefined;
    let peeled: ReturnType<typeof peelFinalHop> | undefined;
    const intercepting = (async () => {
      for await (const htlc of interceptor) {
        if (!htlc.paymentHash.equals(Buffer.from(invoice.paymentHash))) {
          // Left over from an interrupted run: not ours to answer with a packet.
          interceptor.send({ action: "FAIL", circuitKey: htlc.incomingCircuitKey, failureCode: "TEMPORARY_CHANNEL_FAILURE" });
          continue;
        }
        captured = htlc;
        try {
          peeled = peelFinalHop(backend, nodeKey, htlc.onionBlob, htlc.paymentHash);
          if (!peeled.ok) throw new Error(`peel failed: ${peeled.error.code}`);
          const packet = buildFailurePacket(peeled.sharedSecret, { type: "incorrect_or_unknown_payment_details", htlcMsat: htlc.outgoingAmountMsat, height: 1 });
          interceptor.send({ action: "FAIL", circuitKey: htlc.incomingCircuitKey, failureMessage: packet });
        } catch {
          // Never leave the HTLC held (it would go to the next file's bridge); the assertions
          // below then fail on the failure code and the peel result.
          interceptor.send({ action: "FAIL", circuitKey: htlc.incomingCircuitKey, failureCode: "TEMPORARY_CHANNEL_FAILURE" });
        }
      }
    })().catch(() => undefined);
    try {
      const payment = await nodes.payer
        .sendPaymentV2({ paymentRequest: invoice.bolt11, outgoingChanIds: [toAlpha], timeoutSeconds: 30, feeLimitMsat: 100_000n, maxParts: 1 })
        .final();
      expect(payment.status).toBe("FAILED");
      expect(lastFailureCode(payment)).toBe("INCORRECT_OR_UNKNOWN_PAYMENT_DETAILS");
      // The virtual node (index 2: payer 0, alpha 1) is the erring node the payer identified.
      expect(payment.htlcs.at(-1)?.failure?.failureSourceIndex).toBe(2);
      const lastHop = payment.htlcs.at(-1)?.route?.hops.at(-1);
      expect(captured?.outgoingRequestedChanId).toBe(virtualScidForNode(Buffer.from(alpha.pubkey, "hex")));
      expect(peeled?.ok).toBe(true);
      if (!peeled?.ok) return;
      expect(peeled.payload.amtToForwardMsat).toBe(amountMsat);
      expect(peeled.payload.amtToForwardMsat).toBe(lastHop?.amtToForwardMsat);
      expect(peeled.payload.outgoingCltv).toBe(lastHop?.expiry);
      expect(peeled.payload.outgoingCltv).toBe(captured?.outgoingExpiry);
      expect(bytesToHex(peeled.payload.paymentData!.paymentSecret)).toBe(bytesToHex(invoice.paymentSecret));
      expect(peeled.payload.paymentData?.totalMsat).toBe(amountMsat);
    } finally {
      interceptor.close();
      await intercepting;
    }
  });
});
