// The client against the fake lnd over real TLS + macaroon on 127.0.0.1.
import { createServer, type AddressInfo } from "node:net";
import { status } from "@grpc/grpc-js";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { connectLnd } from "./connect-lnd.ts";
import type { LndClient } from "./lnd-client.ts";
import { LndError } from "./lnd-error.ts";
import {
  lndErrorOf,
  MACAROON_MISMATCH_DETAILS,
  startFakeLnd,
  UNRELATED_TLS_CERT_PEM,
  type FakeLnd,
} from "./testing/index.ts";

let fake: FakeLnd;
const clients: LndClient[] = [];

async function client(overrides: Parameters<FakeLnd["connectOptions"]>[0] = {}): Promise<LndClient> {
  const connected = await connectLnd(fake.connectOptions(overrides));
  clients.push(connected);
  return connected;
}

beforeAll(async () => {
  fake = await startFakeLnd();
});
afterEach(() => {
  for (const connected of clients.splice(0)) connected.close();
  fake.setState("SERVER_ACTIVE");
});
afterAll(async () => {
  await fake.stop();
});

describe("getInfo over TLS with the macaroon", () => {
  it("decodes the node info with 64-bit fields exact", async () => {
    fake.setInfo({
      identity_pubkey: "03" + "ab".repeat(32),
      best_header_timestamp: "9007199254740993",
      block_height: 812,
      chains: [{ chain: "bitcoin", network: "regtest" }],
      features: { "17": { name: "multi-path-payments", is_required: false, is_known: true } },
      require_htlc_interceptor: true,
      store_final_htlc_resolutions: true,
    });
    const info = await (await client()).getInfo();
    expect(info.identityPubkey).toBe("03" + "ab".repeat(32));
    expect(info.bestHeaderTimestamp).toBe(9007199254740993n);
    expect(info.blockHeight).toBe(812);
    expect(info.network).toBe("regtest");
    expect(info.features.get(17)).toEqual({ name: "multi-path-payments", isRequired: false, isKnown: true });
    expect(info.requireHtlcInterceptor).toBe(true);
    expect(info.storeFinalHtlcResolutions).toBe(true);
  });

  it("reads the cert and macaroon from files too", async () => {
    const { mkdtemp, writeFile } = await import("node:fs/promises");
    const { join } = await import("node:path");
    const { tmpdir } = await import("node:os");
    const dir = await mkdtemp(join(tmpdir(), "lnd-client-"));
    await writeFile(join(dir, "tls.cert"), fake.tlsCertPem);
    await writeFile(join(dir, "admin.macaroon"), Buffer.from(fake.macaroonHex, "hex"));
    const connected = await connectLnd({
      grpcAddress: fake.address,
      tlsCertPath: join(dir, "tls.cert"),
      macaroonPath: join(dir, "admin.macaroon"),
    });
    clients.push(connected);
    expect((await connected.getInfo()).alias).toBe("fake-lnd");
  });
});

describe("errors say what to check", () => {
  it("a wrong macaroon: lnd's verification failure, named as a macaroon problem, without the macaroon", async () => {
    const wrongMacaroon = "0201036c6e6402f801030a10" + "77".repeat(32);
    const error = await lndErrorOf((await client({ macaroonHex: wrongMacaroon })).getInfo());
    expect(error.kind).toBe("macaroon");
    expect(error.code).toBe(status.UNKNOWN);
    expect(error.details).toBe(MACAROON_MISMATCH_DETAILS);
    expect(error.message).toBe(
      `lnd at ${fake.address} rejected the macaroon (${MACAROON_MISMATCH_DETAILS}): check the macaroon path`,
    );
    expect(error.message).not.toContain(wrongMacaroon);
    expect(error.message).not.toContain(fake.macaroonHex);
  });

  it("nothing listening: cannot reach", async () => {
    // A port that was free a moment ago and is closed now.
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as AddressInfo).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const error = await lndErrorOf((await client({ grpcAddress: `127.0.0.1:${port}` })).getInfo());
    expect(error.kind).toBe("unreachable");
    expect(error.code).toBe(status.UNAVAILABLE);
    expect(error.message).toMatch(new RegExp(`^cannot reach lnd at 127\\.0\\.0\\.1:${port} `));
  });

  it("a cert that is not the node's: TLS handshake failed", async () => {
    const error = await lndErrorOf((await client({ tlsCertPem: UNRELATED_TLS_CERT_PEM })).getInfo());
    expect(error.kind).toBe("tls");
    expect(error.message).toContain(`TLS handshake with lnd at ${fake.address} failed`);
    expect(error.message).toContain("check the TLS cert path");
  });

  it("a locked wallet: not ready, while the State service still answers", async () => {
    fake.setState("LOCKED");
    const connected = await client();
    expect(await connected.getState()).toBe("LOCKED");
    const error = await lndErrorOf(connected.getInfo());
    expect(error.kind).toBe("not-ready");
    expect(error.details).toBe("wallet locked, unlock it to enable full RPC access");
  });

  it("an answer that does not come: deadline exceeded", async () => {
    fake.answer("WalletBalance", () => new Promise(() => undefined));
    const error = await lndErrorOf((await client()).walletBalance({ timeoutMs: 100 }));
    expect(error.kind).toBe("deadline");
    expect(error.code).toBe(status.DEADLINE_EXCEEDED);
  });

  it("refuses keepalive pings more often than lnd allows and incomplete credentials", async () => {
    await expect(connectLnd(fake.connectOptions({ keepaliveTimeMs: 1_000 }))).rejects.toThrow(
      /at least 5000/,
    );
    await expect(connectLnd({ grpcAddress: fake.address, tlsCertPem: fake.tlsCertPem })).rejects.toThrow(
      /exactly one of macaroonHex and macaroonPath/,
    );
    await expect(connectLnd(fake.connectOptions({ macaroonHex: "not hex" }))).rejects.toThrow(
      /not a hex string/,
    );
    await expect(connectLnd(fake.connectOptions({ grpcAddress: "localhost" }))).rejects.toThrow(/host:port/);
  });
});

describe("State service", () => {
  it("subscribeState delivers the current state, then changes", async () => {
    fake.setState("UNLOCKED");
    const states = (await client()).subscribeState()[Symbol.asyncIterator]();
    expect((await states.next()).value).toBe("UNLOCKED");
    fake.setState("SERVER_ACTIVE");
    expect((await states.next()).value).toBe("SERVER_ACTIVE");
    await states.return?.();
  });

  it("subscribeBlockEpochs delivers the best block, then each new one; a broken stream is an LndError", async () => {
    fake.setInfo({ block_height: 900 });
    const stream = (await client()).subscribeBlockEpochs();
    const epochs = stream[Symbol.asyncIterator]();
    expect((await epochs.next()).value).toMatchObject({ height: 900 });
    fake.mineBlock();
    const next = (await epochs.next()).value as { height: number; hashHex: string };
    expect(next.height).toBe(901);
    expect(next.hashHex).toMatch(/^[0-9a-f]{64}$/);
    fake.endBlockEpochStreams();
    const error = await epochs.next().then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(LndError);
    expect((error as LndError).method).toBe("chainrpc.ChainNotifier/RegisterBlockEpochNtfn");
  });
});

describe("uint64 fields through the client", () => {
  it("listChannels keeps a chan id above 2^53 exact", async () => {
    fake.answer("ListChannels", {
      channels: [
        {
          active: true,
          remote_pubkey: "02" + "22".repeat(32),
          channel_point: "ab".repeat(32) + ":1",
          chan_id: "1234567890123456789",
          capacity: "1000000",
          local_balance: "400000",
          remote_balance: "590000",
          alias_scids: ["17592186044416001"],
          pending_htlcs: [{ incoming: true, amount: "1000", htlc_index: "18446744073709551615" }],
        },
      ],
    });
    const [channel] = await (await client()).listChannels({ activeOnly: true });
    expect(channel?.chanId).toBe(1234567890123456789n);
    expect(channel?.capacitySat).toBe(1_000_000n);
    expect(channel?.aliasScids).toEqual([17592186044416001n]);
    expect(channel?.pendingHtlcs[0]?.htlcIndex).toBe(2n ** 64n - 1n);
    expect(fake.requests("ListChannels").at(-1)).toMatchObject({ active_only: true, peer: Buffer.alloc(0) });
  });

  it("lookupHtlcResolution sends the exact circuit key and maps lnd's NOT_FOUND to undefined", async () => {
    fake.setHtlcResolution(
      { chan_id: "1234567890123456789", htlc_id: "5" },
      { settled: true, offchain: true },
    );
    const connected = await client();
    expect(await connected.lookupHtlcResolution({ chanId: 1234567890123456789n, htlcId: 5n })).toEqual({
      settled: true,
      offchain: true,
    });
    expect(fake.requests("LookupHtlcResolution").at(-1)).toEqual({
      chan_id: "1234567890123456789",
      htlc_index: "5",
    });
    // One more than the stored id: a number would round both to the same value.
    expect(
      await connected.lookupHtlcResolution({ chanId: 1234567890123456790n, htlcId: 5n }),
    ).toBeUndefined();
  });
});

describe("invoices and routes", () => {
  it("decodePayReq keeps every route hint (one per cluster node) with exact virtual scids, and the features", async () => {
    const hint = (node: string, scid: string) => ({
      hop_hints: [
        {
          node_id: node,
          chan_id: scid,
          fee_base_msat: 1000,
          fee_proportional_millionths: 1,
          cltv_expiry_delta: 40,
        },
      ],
    });
    fake.answer("DecodePayReq", {
      destination: "03" + "99".repeat(32),
      payment_hash: "cd".repeat(32),
      num_msat: "123456",
      cltv_expiry: "18",
      route_hints: [
        hint("02" + "aa".repeat(32), "18374686479671623681"),
        hint("02" + "bb".repeat(32), "9223372036854775809"),
      ],
      payment_addr: Buffer.alloc(32, 3),
      features: {
        "9": { name: "tlv-onion", is_required: false, is_known: true },
        "14": { name: "payment-addr", is_required: true, is_known: true },
        "17": { name: "multi-path-payments", is_required: false, is_known: true },
      },
    });
    const payReq = await (await client()).decodePayReq("lnbcrt1...");
    expect(payReq.numMsat).toBe(123456n);
    expect(payReq.routeHints.map((route) => route.hopHints[0]?.chanId)).toEqual([
      18374686479671623681n,
      9223372036854775809n,
    ]);
    expect(payReq.routeHints[1]?.hopHints[0]).toMatchObject({ feeBaseMsat: 1000, cltvExpiryDelta: 40 });
    expect([...payReq.features.keys()].sort((a, b) => a - b)).toEqual([9, 14, 17]);
    expect(payReq.features.get(14)?.isRequired).toBe(true);
    expect(payReq.paymentAddr).toEqual(Buffer.alloc(32, 3));
  });

  it("addInvoice puts only the fields given on the wire", async () => {
    fake.answer("AddInvoice", {
      r_hash: Buffer.alloc(32, 1),
      payment_request: "lnbcrt...",
      add_index: "18446744073709551615",
      payment_addr: Buffer.alloc(32, 2),
    });
    const added = await (await client()).addInvoice({ valueMsat: 5000n, memo: "test", expirySeconds: 3600n });
    expect(added.addIndex).toBe(2n ** 64n - 1n);
    const sent = fake.requests("AddInvoice").at(-1) as {
      r_preimage: Buffer;
      value_msat: string;
      expiry: string;
    };
    expect(sent.value_msat).toBe("5000");
    expect(sent.expiry).toBe("3600");
    expect(sent.r_preimage).toEqual(Buffer.alloc(0));
  });

  it("queryRoutes sends route hints with exact scids and decodes the route to the virtual node", async () => {
    fake.answer("QueryRoutes", {
      routes: [
        {
          total_time_lock: 800,
          total_amt_msat: "2001",
          total_fees_msat: "1",
          hops: [
            {
              chan_id: "18374686479671623681",
              amt_to_forward_msat: "2000",
              expiry: 760,
              pub_key: "03" + "77".repeat(32),
            },
          ],
        },
      ],
    });
    const [route] = await (
      await client()
    ).queryRoutes({
      pubKey: "03" + "77".repeat(32),
      amtMsat: 2000n,
      finalCltvDelta: 40,
      routeHints: [
        {
          hopHints: [
            {
              nodeId: "02" + "aa".repeat(32),
              chanId: 18374686479671623681n,
              feeBaseMsat: 1,
              feeProportionalMillionths: 0,
              cltvExpiryDelta: 40,
            },
          ],
        },
      ],
      destFeatures: ["TLV_ONION_OPT", "PAYMENT_ADDR_REQ", "MPP_OPT"],
    });
    expect(route?.hops[0]?.chanId).toBe(18374686479671623681n);
    expect(route?.totalAmtMsat).toBe(2001n);
    expect(fake.requests("QueryRoutes").at(-1)).toMatchObject({
      amt_msat: "2000",
      route_hints: [{ hop_hints: [{ chan_id: "18374686479671623681" }] }],
      dest_features: ["TLV_ONION_OPT", "PAYMENT_ADDR_REQ", "MPP_OPT"],
    });
  });
});

describe("payments", () => {
  it("sendPaymentV2().final() waits for SUCCEEDED and decodes the HTLC route", async () => {
    const inFlight = { payment_hash: "aa".repeat(32), status: "IN_FLIGHT", value_msat: "5000" };
    fake.answerStream("SendPaymentV2", () => ({
      messages: [
        inFlight,
        {
          ...inFlight,
          status: "SUCCEEDED",
          payment_preimage: "bb".repeat(32),
          fee_msat: "12",
          htlcs: [
            {
              attempt_id: "1",
              status: "SUCCEEDED",
              route: {
                total_time_lock: 900,
                total_amt_msat: "5012",
                hops: [
                  {
                    chan_id: "1234567890123456789",
                    amt_to_forward_msat: "5000",
                    pub_key: "02" + "33".repeat(32),
                  },
                ],
              },
            },
          ],
        },
      ],
    }));
    const payment = await (
      await client()
    )
      .sendPaymentV2({ paymentRequest: "lnbcrt1...", timeoutSeconds: 30, feeLimitMsat: 100n })
      .final();
    expect(payment.status).toBe("SUCCEEDED");
    expect(payment.feeMsat).toBe(12n);
    expect(payment.htlcs[0]?.route?.hops[0]?.chanId).toBe(1234567890123456789n);
    expect(fake.requests("SendPaymentV2").at(-1)).toMatchObject({
      payment_request: "lnbcrt1...",
      timeout_seconds: 30,
      fee_limit_msat: "100",
    });
  });

  it("a payment stream that fails surfaces as an LndError on iteration", async () => {
    fake.answerStream("SendPaymentV2", () => ({
      messages: [],
      end: { code: status.UNKNOWN, details: "invoice is already paid" },
    }));
    const error = await lndErrorOf((await client()).sendPaymentV2({ paymentRequest: "lnbcrt1..." }).final());
    expect(error.kind).toBe("rpc");
    expect(error.details).toBe("invoice is already paid");
  });

  it("sendToRouteV2 sends a hand-made final hop with its MPP record", async () => {
    fake.answer("SendToRouteV2", {
      attempt_id: "9",
      status: "FAILED",
      failure: { code: "INCORRECT_OR_UNKNOWN_PAYMENT_DETAILS", failure_source_index: 2 },
    });
    const attempt = await (
      await client()
    ).sendToRouteV2({
      paymentHash: Buffer.alloc(32, 1),
      route: {
        totalTimeLock: 950,
        totalFeesMsat: 1n,
        totalAmtMsat: 2501n,
        firstHopAmountMsat: 0n,
        hops: [
          {
            chanId: 9007199254740993n,
            expiry: 940,
            amtToForwardMsat: 2500n,
            feeMsat: 1n,
            pubKey: "02" + "44".repeat(32),
            mppRecord: undefined,
            customRecords: new Map(),
            metadata: Buffer.alloc(0),
            totalAmtMsat: 0n,
          },
          {
            chanId: 18446744073709551615n,
            expiry: 940,
            amtToForwardMsat: 2500n,
            feeMsat: 0n,
            pubKey: "03" + "55".repeat(32),
            mppRecord: { paymentAddr: Buffer.alloc(32, 7), totalAmtMsat: 5000n },
            customRecords: new Map(),
            metadata: Buffer.alloc(0),
            totalAmtMsat: 0n,
          },
        ],
      },
    });
    expect(attempt.status).toBe("FAILED");
    expect(attempt.failure?.code).toBe("INCORRECT_OR_UNKNOWN_PAYMENT_DETAILS");
    expect(attempt.failure?.failureSourceIndex).toBe(2);
    const sent = fake.requests("SendToRouteV2").at(-1) as {
      route: {
        hops: { chan_id: string; mpp_record: { payment_addr: Buffer; total_amt_msat: string } | null }[];
      };
    };
    expect(sent.route.hops.map((hop) => hop.chan_id)).toEqual(["9007199254740993", "18446744073709551615"]);
    expect(sent.route.hops[0]?.mpp_record).toBeNull();
    expect(sent.route.hops[1]?.mpp_record).toEqual({
      payment_addr: Buffer.alloc(32, 7),
      total_amt_msat: "5000",
    });
  });
});
