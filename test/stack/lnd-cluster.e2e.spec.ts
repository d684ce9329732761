// The regtest cluster the project starts itself: every node answers over TLS + macaroon, the
// cluster nodes run with the two flags we depend on, native payments work, and the HTLC
// interceptor sees a forward to a short channel id lnd does not know (the interception point
// multi-node receive relies on: DESIGN.md §2).
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectLnd, LndError, type InterceptedHtlc } from "@ic/lnd-client";
import { btcdClient } from "../support/btcd.ts";
import { loadStackConfig } from "../support/stack-config.ts";
import { payThroughUnknownScid } from "../support/payments.ts";
import { restorePayerLiquidity } from "../support/liquidity.ts";
import { connectAll, type StackClients } from "../support/lnd-nodes.ts";

const stack = loadStackConfig();

let nodes: StackClients;

beforeAll(async () => {
  nodes = await connectAll(stack);
  await restorePayerLiquidity(stack, nodes);
});
afterAll(() => nodes?.closeAll());

describe("regtest lnd cluster", () => {
  it("every node answers GetInfo over TLS + macaroon on regtest", async () => {
    for (const name of ["payer", "alpha", "bravo"] as const) {
      const info = await nodes[name].getInfo();
      expect(info.identityPubkey).toBe(stack.cluster.nodes[name].pubkey);
      expect(info.network).toBe("regtest");
      expect(info.syncedToChain).toBe(true);
      expect(info.version).toMatch(/^0\.21\.2-beta/);
    }
  });

  it("cluster nodes report require_htlc_interceptor and store_final_htlc_resolutions", async () => {
    for (const name of ["alpha", "bravo"] as const) {
      const info = await nodes[name].getInfo();
      expect(info.requireHtlcInterceptor, name).toBe(true);
      expect(info.storeFinalHtlcResolutions, name).toBe(true);
    }
    const payer = await nodes.payer.getInfo();
    expect(payer.requireHtlcInterceptor).toBe(false);
  });

  it("notifies a cluster node's block epoch subscribers of its best block, then of a block just mined", async () => {
    const btcd = btcdClient(stack);
    const epochs = nodes.alpha.subscribeBlockEpochs();
    try {
      const iterator = epochs[Symbol.asyncIterator]();
      const best = (await iterator.next()).value as { height: number; hashHex: string };
      const info = await nodes.alpha.getInfo();
      expect(best.height).toBe(info.blockHeight);
      expect(best.hashHex).toBe(info.blockHash);
      await btcd.mine(1);
      const next = (await iterator.next()).value as { height: number; hashHex: string };
      expect(next.height).toBe(best.height + 1);
      expect(next.hashHex).toBe(await btcd.call<string>("getblockhash", [next.height]));
    } finally {
      epochs.cancel();
    }
  });

  it("rejects a wrong macaroon with a clear error", async () => {
    const alpha = stack.cluster.nodes.alpha;
    // bravo's admin macaroon is a valid macaroon, but not one alpha minted.
    const wrong = await connectLnd({
      grpcAddress: alpha.grpcAddress,
      tlsCertPath: alpha.tlsCertPath,
      macaroonHex: readFileSync(stack.cluster.nodes.bravo.macaroonPath).toString("hex"),
    });
    try {
      const error = await wrong.getInfo().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(LndError);
      expect((error as LndError).kind).toBe("macaroon");
      expect((error as LndError).message).toMatch(/macaroon/);
      expect((error as LndError).message).toContain(alpha.grpcAddress);
    } finally {
      wrong.close();
    }
  });

  for (const name of ["alpha", "bravo"] as const) {
    it(`the payer pays a native invoice of ${name}`, async () => {
      const invoice = await nodes[name].addInvoice({ valueMsat: 25_000_000n, memo: `native ${name}` });
      const payment = await nodes.payer
        .sendPaymentV2({ paymentRequest: invoice.paymentRequest, timeoutSeconds: 60, feeLimitMsat: 10_000n })
        .final();
      expect(payment.status).toBe("SUCCEEDED");
      expect(payment.valueMsat).toBe(25_000_000n);
      const lastHop = payment.htlcs.find((h) => h.status === "SUCCEEDED")?.route?.hops.at(-1);
      expect(lastHop?.pubKey).toBe(stack.cluster.nodes[name].pubkey);
    });
  }

  it("an interceptor on a cluster node receives a forward to an unknown scid and can fail it", { timeout: 60_000 }, async () => {
    const alpha = stack.cluster.nodes.alpha;
    const interceptor = nodes.alpha.htlcInterceptor();
    // A short channel id no node has: block 1, tx 2, output 3 shifted into the scid layout.
    const unknownScid = (1n << 40n) | (2n << 16n) | 3n;
    const paymentHash = randomBytes(32);
    const payment = payThroughUnknownScid(nodes.payer, { viaPubkey: alpha.pubkey, scid: unknownScid, amtMsat: 10_000_000n, paymentHash });
    let seen: InterceptedHtlc | undefined;
    // Keep reading (never break out of the loop, which would close the stream before lnd has
    // read the FAIL). lnd re-offers HTLCs still held from an earlier, interrupted run first:
    // fail those too.
    const intercepting = (async () => {
      for await (const htlc of interceptor) {
        interceptor.send({ action: "FAIL", circuitKey: htlc.incomingCircuitKey, failureCode: "TEMPORARY_CHANNEL_FAILURE" });
        if (htlc.paymentHash.equals(paymentHash)) seen = htlc;
      }
    })().catch(() => undefined);
    try {
      const result = await payment.final();
      expect(result.status).toBe("FAILED");
      const failure = result.htlcs.at(-1)?.failure;
      expect(failure?.code).toBe("TEMPORARY_CHANNEL_FAILURE");
      expect(failure?.failureSourceIndex).toBe(1);
    } finally {
      interceptor.close();
      await intercepting;
    }
    expect(seen?.outgoingRequestedChanId).toBe(unknownScid);
    expect(seen?.paymentHash.equals(paymentHash)).toBe(true);
    expect(seen?.outgoingAmountMsat).toBe(10_000_000n);
    expect(seen?.onionBlob.length).toBe(1366);
  });
});
