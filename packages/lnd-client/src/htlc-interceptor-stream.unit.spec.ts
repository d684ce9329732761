// The interceptor duplex against the fake lnd: requests in, resolutions out, and the ways
// lnd ends the stream.
import { createHash } from "node:crypto";
import * as grpc from "@grpc/grpc-js";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { connectLnd } from "./connect-lnd.ts";
import type { InterceptedHtlc } from "./htlc-interceptor.ts";
import type { LndClient } from "./lnd-client.ts";
import { LndError } from "./lnd-error.ts";
import { lndServices } from "./lnd-protos.ts";
import { lndErrorOf, startFakeLnd, type FakeLnd, type WireCircuitKey } from "./testing/index.ts";

// 1122832:13:789 in lnd's block:tx:output notation; above 2^53.
const BIG_CHAN_ID = (1122832n << 40n) | (13n << 16n) | 789n;
const preimage = Buffer.alloc(32, 0x42);
const paymentHash = createHash("sha256").update(preimage).digest();

let fake: FakeLnd;
let clients: LndClient[] = [];

async function client(): Promise<LndClient> {
  const connected = await connectLnd(fake.connectOptions());
  clients.push(connected);
  return connected;
}

function wireKey(htlcId: number): WireCircuitKey {
  return { chan_id: BIG_CHAN_ID.toString(), htlc_id: String(htlcId) };
}

function offer(htlcId: number): void {
  fake.offerHtlc({
    incoming_circuit_key: wireKey(htlcId),
    incoming_amount_msat: "10001000",
    incoming_expiry: 650,
    outgoing_amount_msat: "10000000",
    outgoing_expiry: 610,
    outgoing_requested_chan_id: "18374686479671623681",
    payment_hash: paymentHash,
    onion_blob: Buffer.alloc(1366, htlcId),
    auto_fail_height: 637,
  });
}

async function next(iterator: AsyncIterator<InterceptedHtlc>): Promise<InterceptedHtlc> {
  const result = await iterator.next();
  if (result.done) throw new Error("interceptor stream ended");
  return result.value;
}

const nextError = (iterator: AsyncIterator<unknown>): Promise<LndError> => lndErrorOf(iterator.next());

/** An interceptor stream lnd has accepted, and its HTLCs as an iterator. */
async function openInterceptor() {
  const interceptor = (await client()).htlcInterceptor();
  await fake.waitFor(() => fake.interceptorConnected);
  return { interceptor, htlcs: interceptor[Symbol.asyncIterator]() };
}

beforeAll(async () => {
  fake = await startFakeLnd();
});
afterEach(async () => {
  for (const connected of clients) connected.close();
  clients = [];
  await fake.waitFor(() => !fake.interceptorConnected);
  for (const key of fake.heldCircuitKeys()) {
    const [chan_id = "", htlc_id = ""] = key.split(":");
    fake.autoFailHtlc({ chan_id, htlc_id });
  }
});
afterAll(async () => {
  await fake.stop();
});

describe("HTLC interceptor round trip", () => {
  it("delivers typed forwards and sends SETTLE, FAIL and RESUME as lnd expects them", async () => {
    const { interceptor, htlcs } = await openInterceptor();
    for (const id of [1, 2, 3, 4]) offer(id);

    const first = await next(htlcs);
    expect(first.incomingCircuitKey).toEqual({ chanId: BIG_CHAN_ID, htlcId: 1n });
    expect(first.incomingAmountMsat).toBe(10_001_000n);
    expect(first.outgoingRequestedChanId).toBe(18374686479671623681n);
    expect(first.paymentHash).toEqual(paymentHash);
    expect(first.onionBlob.length).toBe(1366);
    expect(first.autoFailHeight).toBe(637);
    const [second, third, fourth] = [await next(htlcs), await next(htlcs), await next(htlcs)];

    interceptor.send({ action: "SETTLE", circuitKey: first.incomingCircuitKey, preimage });
    interceptor.send({
      action: "FAIL",
      circuitKey: second.incomingCircuitKey,
      failureCode: "TEMPORARY_CHANNEL_FAILURE",
    });
    interceptor.send({
      action: "FAIL",
      circuitKey: third.incomingCircuitKey,
      failureMessage: Buffer.alloc(292, 1),
    });
    interceptor.send({ action: "RESUME", circuitKey: fourth.incomingCircuitKey });

    const settle = await fake.nextResolution();
    expect(settle).toMatchObject({
      action: "SETTLE",
      incoming_circuit_key: wireKey(1),
      preimageMatches: true,
    });
    const failByCode = await fake.nextResolution();
    expect(failByCode).toMatchObject({ action: "FAIL", failure_code: "TEMPORARY_CHANNEL_FAILURE" });
    expect(failByCode.presentFields.has(4)).toBe(false);
    const failByMessage = await fake.nextResolution();
    expect(failByMessage.failure_message).toEqual(Buffer.alloc(292, 1));
    expect(failByMessage.failure_code).toBe("RESERVED");
    const resume = await fake.nextResolution();
    expect(resume).toMatchObject({ action: "RESUME", incoming_circuit_key: wireKey(4) });

    expect(fake.heldCircuitKeys()).toEqual([]);
    expect(fake.interceptorConnected).toBe(true);
    expect(interceptor.closed).toBe(false);
  });

  it("lnd closing the stream on a circuit key it no longer holds surfaces as an error on the iterable", async () => {
    const { interceptor, htlcs } = await openInterceptor();
    offer(5);
    const htlc = await next(htlcs);
    // lnd failed it by itself at auto_fail_height while we were deciding.
    fake.autoFailHtlc(wireKey(5));
    interceptor.send({ action: "RESUME", circuitKey: htlc.incomingCircuitKey });

    const error = await nextError(htlcs);
    expect(error.kind).toBe("forward-not-held");
    expect(error.code).toBe(grpc.status.UNKNOWN);
    expect(error.details).toBe("forward does not exist: (Chan ID=1122832:13:789, HTLC ID=5)");
    expect(error.message).toContain("closed the HTLC interceptor stream");
    expect(interceptor.closed).toBe(true);
    expect(() => interceptor.send({ action: "RESUME", circuitKey: htlc.incomingCircuitKey })).toThrow(error);
    expect(fake.interceptorStreamEnds.at(-1)).toMatchObject({ code: grpc.status.UNKNOWN, byClient: false });
  });

  it("refuses, without writing, answers for keys not offered on this stream or already answered", async () => {
    const { interceptor, htlcs } = await openInterceptor();
    offer(6);
    const htlc = await next(htlcs);
    const resolutionsBefore = fake.resolutions.length;

    expect(() =>
      interceptor.send({ action: "RESUME", circuitKey: { chanId: BIG_CHAN_ID, htlcId: 99n } }),
    ).toThrow(/was not offered on this interceptor stream or was already answered/);
    interceptor.send({ action: "RESUME", circuitKey: htlc.incomingCircuitKey });
    expect(() => interceptor.send({ action: "RESUME", circuitKey: htlc.incomingCircuitKey })).toThrow(
      LndError,
    );

    await fake.waitFor(() => fake.resolutions.length === resolutionsBefore + 1);
    expect(fake.interceptorConnected).toBe(true);
    expect(interceptor.closed).toBe(false);
  });

  it("a new stream is offered the forwards lnd still holds, with the same circuit keys", async () => {
    const connected = await client();
    const firstStream = connected.htlcInterceptor();
    await fake.waitFor(() => fake.interceptorConnected);
    const firstHtlcs = firstStream[Symbol.asyncIterator]();
    offer(7);
    offer(8);
    const seven = await next(firstHtlcs);
    await next(firstHtlcs);
    firstStream.send({ action: "RESUME", circuitKey: seven.incomingCircuitKey });
    await fake.waitFor(() => fake.heldCircuitKeys().length === 1);
    firstStream.close();
    expect(firstStream.closed).toBe(true);
    expect(() =>
      firstStream.send({ action: "RESUME", circuitKey: { chanId: BIG_CHAN_ID, htlcId: 8n } }),
    ).toThrow(/interceptor stream to lnd at .* is closed; the resolution was not sent/);
    await fake.waitFor(() => !fake.interceptorConnected);
    expect(fake.interceptorStreamEnds.at(-1)?.byClient).toBe(true);
    expect(await firstHtlcs.next()).toEqual({ done: true, value: undefined });

    const secondStream = connected.htlcInterceptor();
    const replayed = await next(secondStream[Symbol.asyncIterator]());
    expect(replayed.incomingCircuitKey).toEqual({ chanId: BIG_CHAN_ID, htlcId: 8n });
    secondStream.send({ action: "RESUME", circuitKey: replayed.incomingCircuitKey });
    await fake.waitFor(() => fake.heldCircuitKeys().length === 0);
  });

  it("a second interceptor on the same node is refused as lnd does", async () => {
    const first = (await client()).htlcInterceptor();
    await fake.waitFor(() => fake.interceptorConnected);
    const second = (await client()).htlcInterceptor();
    const error = await nextError(second[Symbol.asyncIterator]());
    expect(error.kind).toBe("interceptor-exists");
    expect(first.closed).toBe(false);
  });

  it("forwards received before lnd ends the stream are delivered before the error", async () => {
    const interceptor = (await client()).htlcInterceptor();
    await fake.waitFor(() => fake.interceptorConnected);
    offer(9);
    fake.endInterceptorStream({ code: grpc.status.UNAVAILABLE, details: "server shutting down" });
    const htlcs = interceptor[Symbol.asyncIterator]();
    expect((await next(htlcs)).incomingCircuitKey.htlcId).toBe(9n);
    const error = await nextError(htlcs);
    expect(error.code).toBe(grpc.status.UNAVAILABLE);
    expect(error.details).toBe("server shutting down");
  });
});

describe("the fake checks resolutions as lnd does", () => {
  it("an empty failure_message next to a failure code ends the stream (why the client never writes one)", async () => {
    const Router = lndServices().Router;
    const macaroon = grpc.credentials.createFromMetadataGenerator((_params, callback) => {
      const metadata = new grpc.Metadata();
      metadata.add("macaroon", fake.macaroonHex);
      callback(null, metadata);
    });
    const credentials = grpc.credentials.combineChannelCredentials(
      grpc.credentials.createSsl(Buffer.from(fake.tlsCertPem)),
      macaroon,
    );
    const raw = new Router(fake.address, credentials);
    const call = (
      raw as unknown as { HtlcInterceptor(): grpc.ClientDuplexStream<unknown, unknown> }
    ).HtlcInterceptor();
    const ended = new Promise<grpc.StatusObject>((resolve) => call.on("status", resolve));
    call.on("error", () => undefined);
    call.on("data", () => undefined);
    await fake.waitFor(() => fake.interceptorConnected);
    offer(10);
    call.write({
      incoming_circuit_key: wireKey(10),
      action: "FAIL",
      failure_code: "TEMPORARY_CHANNEL_FAILURE",
      failure_message: Buffer.alloc(0),
    });
    const status = await ended;
    expect(status.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(status.details).toBe("failure message and failure code are mutually exclusive");
    raw.close();
  });
});
