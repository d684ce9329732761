// Paying from the payer node in e2e tests, and reading which cluster node carried each part.
import { createECDH, randomBytes } from "node:crypto";
import type { LndClient, Payment, PaymentUpdates, RouteHint } from "@ic/lnd-client";
import type { RouteHintHop } from "@ic/lightning-protocol";
import type { StackConfig } from "./stack-config.ts";

export async function payerChannelTo(payer: LndClient, remotePubkey: string): Promise<bigint> {
  const channels = await payer.listChannels({ activeOnly: true });
  const channel = channels.find((c) => c.remotePubkey === remotePubkey);
  if (!channel) throw new Error(`payer has no active channel to ${remotePubkey}`);
  return channel.chanId;
}

/** Names of the cluster nodes (first hop) that carried the succeeded parts. */
export function partsByNode(payment: Payment, stack: StackConfig): { node: string; amountMsat: bigint }[] {
  const names = new Map(Object.values(stack.cluster.nodes).map((n) => [n.pubkey, n.name]));
  return payment.htlcs
    .filter((h) => h.status === "SUCCEEDED")
    .map((h) => ({ node: names.get(h.route?.hops[0]?.pubKey ?? "") ?? "?", amountMsat: h.route?.hops.at(-1)?.amtToForwardMsat ?? 0n }));
}

export function lastFailureCode(payment: Payment): string | undefined {
  return payment.htlcs.at(-1)?.failure?.code;
}

/** Our decoded BOLT 11 route hints in the shape lnd's SendPaymentV2/QueryRoutes take. */
export function lndRouteHints(hints: readonly (readonly RouteHintHop[])[]): RouteHint[] {
  return hints.map((hint) => ({
    hopHints: hint.map((h) => ({
      nodeId: Buffer.from(h.nodePubkey).toString("hex"),
      chanId: h.shortChannelId,
      feeBaseMsat: h.feeBaseMsat,
      feeProportionalMillionths: h.feeProportionalMillionths,
      cltvExpiryDelta: h.cltvExpiryDelta,
    })),
  }));
}

/**
 * Pays a valid but unknown node through `via` over a short channel id `via` does not have: a
 * forward that reaches `via`'s interceptor (if any) and is not for the coordinator. The
 * destination key must be on the curve: lnd leaves a payment to an off-curve key in flight forever.
 */
export function payThroughUnknownScid(
  payer: LndClient,
  opts: { viaPubkey: string; scid: bigint; amtMsat: bigint; paymentHash: Uint8Array },
): PaymentUpdates {
  const ecdh = createECDH("secp256k1");
  ecdh.generateKeys();
  return payer.sendPaymentV2({
    dest: ecdh.getPublicKey(null, "compressed"),
    amtMsat: opts.amtMsat,
    paymentHash: opts.paymentHash,
    paymentAddr: randomBytes(32),
    finalCltvDelta: 40,
    timeoutSeconds: 30,
    feeLimitMsat: 100_000n,
    maxParts: 1,
    destFeatures: ["TLV_ONION_REQ", "PAYMENT_ADDR_REQ"],
    routeHints: [
      { hopHints: [{ nodeId: opts.viaPubkey, chanId: opts.scid, feeBaseMsat: 0, feeProportionalMillionths: 0, cltvExpiryDelta: 40 }] },
    ],
  });
}
