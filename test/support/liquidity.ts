// Payments drain the payer's side of its channels to the cluster nodes. Before each e2e file,
// the cluster nodes pay the payer back (plain lnd payments over the same channels) so every file
// starts with the payer holding nearly all of each channel, whatever ran before on this stack.
import type { LndClient } from "@ic/lnd-client";
import type { StackClients } from "./lnd-nodes.ts";
import type { StackConfig } from "./stack-config.ts";

/** Keeps clear of the channel reserve (1%) and commitment fees on the cluster node's side. */
const LEAVE_ON_CLUSTER_SIDE_SAT = 30_000n;

export async function restorePayerLiquidity(stack: StackConfig, nodes: StackClients): Promise<void> {
  for (const name of ["alpha", "bravo"] as const) {
    const node: LndClient = nodes[name];
    const channels = await nodes.payer.listChannels({ activeOnly: true });
    const channel = channels.find((c) => c.remotePubkey === stack.cluster.nodes[name].pubkey);
    if (!channel) throw new Error(`payer has no active channel to ${name}`);
    const back = channel.remoteBalanceSat - LEAVE_ON_CLUSTER_SIDE_SAT;
    if (back < 50_000n) continue;
    const invoice = await nodes.payer.addInvoice({ valueMsat: back * 1000n, memo: `liquidity back from ${name}` });
    const payment = await node.sendPaymentV2({ paymentRequest: invoice.paymentRequest, timeoutSeconds: 60, feeLimitMsat: 10_000n }).final();
    if (payment.status !== "SUCCEEDED") throw new Error(`${name} could not pay the payer back: ${payment.failureReason}`);
  }
}
