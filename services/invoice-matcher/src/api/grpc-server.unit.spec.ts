// The invoice API end to end in one process: a real gRPC server on 127.0.0.1:0 over the
// fake port, called through the typed client (or raw wire messages where the client would
// refuse to send them).
import { createHash } from "node:crypto";
import { status as GrpcStatus } from "@grpc/grpc-js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { InvoiceApiError, InvoiceServiceError, type InvoiceEventView, type InvoiceHtlcView } from "@ic/invoice-api-client";
import { FAKE_COORDINATOR_INFO } from "@ic/invoice-api-client/testing";
import { bearerMetadata, rawInvoiceApiCall } from "./testing/raw-invoice-api-call.ts";
import { startTestInvoiceApi, TEST_API_TOKEN, type TestInvoiceApi } from "./testing/test-invoice-api.ts";

let t: TestInvoiceApi;

beforeEach(async () => {
  t = await startTestInvoiceApi();
});

afterEach(async () => {
  await t.stop();
});

async function refusal(promise: Promise<unknown>): Promise<InvoiceApiError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(InvoiceApiError);
  return error as InvoiceApiError;
}

const HTLCS: InvoiceHtlcView[] = [
  { nodeId: "alice", chanId: (700_000n << 40n) | (1234n << 16n) | 1n, htlcId: 2n ** 63n + 5n, amountMsat: 600_000n, status: "HELD" },
  { nodeId: "bob", chanId: 123_456_789_012_345_678n, htlcId: 0n, amountMsat: 400_000n, status: "HELD" },
];

describe("AddInvoice", () => {
  it("hands the port the request's terms, uint64 amount exact, and answers the created invoice", async () => {
    const amountMsat = 2n ** 60n + 1n; // past 2^53: a double would round it
    const { invoice, created } = await t.client.createInvoice({
      externalRef: "order-1",
      amountMsat,
      description: "two coffees ☕",
      expirySeconds: 600,
      mode: "hold",
    });

    expect(created).toBe(true);
    expect(t.fake.calls).toEqual([
      { method: "createInvoice", input: { externalRef: "order-1", amountMsat, description: "two coffees ☕", expirySeconds: 600, mode: "hold" } },
    ]);
    expect(invoice).toEqual(await t.fake.lookupInvoice({ externalRef: "order-1" }));
    expect(invoice.amountMsat).toBe(amountMsat);
    expect(invoice.mode).toBe("hold");
    expect(invoice.status).toBe("OPEN");
  });

  it("creates an amount-less AUTO_SETTLE invoice with a description hash; zeros on the wire reach the port as absent", async () => {
    const descriptionHash = createHash("sha256").update("a long terms-of-sale text").digest();
    const { invoice } = await t.client.createInvoice({ externalRef: "donation-7", descriptionHash, mode: "auto" });

    expect(t.fake.calls[0]?.input).toEqual({ externalRef: "donation-7", descriptionHash: new Uint8Array(descriptionHash), mode: "auto" });
    expect(invoice.amountMsat).toBeNull();
    expect(invoice.mode).toBe("auto");
  });

  it("answers created = false when the same external_ref and terms are added again", async () => {
    const request = { externalRef: "order-2", amountMsat: 1000n, mode: "auto" as const };
    const first = await t.client.createInvoice(request);
    const second = await t.client.createInvoice(request);

    expect(second).toEqual({ invoice: first.invoice, created: false });
  });

  it("refuses locally an amount of 0 (the wire would read it as amount-less)", async () => {
    const error = await refusal(t.client.createInvoice({ externalRef: "zero", amountMsat: 0n, mode: "auto" }));

    expect(error.code).toBe(GrpcStatus.INVALID_ARGUMENT);
    expect(error.message).toContain("amountMsat");
    expect(t.fake.calls).toEqual([]);
  });
});

describe("LookupInvoice", () => {
  it("finds by payment hash, in either hex case, and hands the port lowercase hex", async () => {
    const { invoice } = await t.client.createInvoice({ externalRef: "order-3", amountMsat: 5000n, mode: "auto" });

    const found = await t.client.lookupInvoice({ paymentHash: invoice.paymentHash.toUpperCase() });

    expect(found).toEqual(invoice);
    expect(t.fake.calls.at(-1)).toEqual({ method: "lookupInvoice", input: { paymentHash: invoice.paymentHash } });
  });

  it("finds by external_ref", async () => {
    const { invoice } = await t.client.createInvoice({ externalRef: "order-4", mode: "hold" });

    expect(await t.client.lookupInvoice({ externalRef: "order-4" })).toEqual(invoice);
  });

  it("carries the HTLC set with every uint64 exact", async () => {
    const { invoice } = await t.client.createInvoice({ externalRef: "order-5", amountMsat: 1_000_000n, mode: "hold" });
    const accepted = t.fake.accept(invoice.paymentHash, HTLCS);

    const found = await t.client.lookupInvoice({ paymentHash: invoice.paymentHash });

    expect(found).toEqual(accepted);
    expect(found.htlcs.map((htlc) => htlc.htlcId)).toEqual([2n ** 63n + 5n, 0n]);
    expect(found.amountPaidMsat).toBe(1_000_000n);
    expect(found.status).toBe("ACCEPTED");
  });
});

describe("ListInvoices", () => {
  it("pages in creation order with the port's page tokens", async () => {
    for (let i = 0; i < 5; i++) await t.client.createInvoice({ externalRef: `order-${i}`, mode: "auto" });

    const first = await t.client.listInvoices({ limit: 2 });
    const second = await t.client.listInvoices({ limit: 2, pageToken: first.nextPageToken as string });
    const last = await t.client.listInvoices({ limit: 2, pageToken: second.nextPageToken as string });

    expect([first, second, last].map((page) => page.invoices.map((invoice) => invoice.externalRef))).toEqual([
      ["order-0", "order-1"],
      ["order-2", "order-3"],
      ["order-4"],
    ]);
    expect(last.nextPageToken).toBeUndefined();
  });

  it("asks the port for 100 invoices when page_size is 0", async () => {
    await t.client.listInvoices({ limit: 0 });

    expect(t.fake.calls).toEqual([{ method: "listInvoices", input: { limit: 100 } }]);
  });
});

describe("SettleInvoice and CancelInvoice", () => {
  it("settles the accepted set of a hold invoice, and settling again answers the same invoice", async () => {
    const { invoice } = await t.client.createInvoice({ externalRef: "hold-1", amountMsat: 1_000_000n, mode: "hold" });
    t.fake.accept(invoice.paymentHash, HTLCS);

    const settled = await t.client.settleInvoice(invoice.paymentHash);
    const again = await t.client.settleInvoice(invoice.paymentHash);

    expect(settled.status).toBe("SETTLE_REQUESTED");
    expect(again).toEqual(settled);
  });

  it("cancels an open invoice", async () => {
    const { invoice } = await t.client.createInvoice({ externalRef: "hold-2", mode: "hold" });

    const cancelled = await t.client.cancelInvoice(invoice.paymentHash);

    expect(cancelled.status).toBe("CANCELLED");
    expect(t.fake.calls.at(-1)).toEqual({ method: "cancelInvoice", input: invoice.paymentHash });
  });

  it("passes the port's refusal of cancelling a settle-requested invoice as FAILED_PRECONDITION", async () => {
    const { invoice } = await t.client.createInvoice({ externalRef: "hold-3", amountMsat: 1_000_000n, mode: "hold" });
    t.fake.accept(invoice.paymentHash, HTLCS);
    await t.client.settleInvoice(invoice.paymentHash);

    const error = await refusal(t.client.cancelInvoice(invoice.paymentHash));

    expect(error.codeName).toBe("FAILED_PRECONDITION");
    expect(error.details).toBe("the invoice is being settled or is settled; it cannot be cancelled");
  });
});

describe("GetInfo", () => {
  it("answers the coordinator's identity and every node, scids exact", async () => {
    expect(await t.client.getInfo()).toEqual(FAKE_COORDINATOR_INFO);
  });
});

describe("authentication", () => {
  const cases: { name: string; authorization: string | undefined; details: string }[] = [
    { name: "no authorization metadata", authorization: undefined, details: "missing metadata 'authorization: Bearer <token>'" },
    { name: "a wrong token", authorization: `Bearer ${TEST_API_TOKEN}x`, details: "invalid bearer token" },
    { name: "a token prefix", authorization: `Bearer ${TEST_API_TOKEN.slice(0, -1)}`, details: "invalid bearer token" },
    { name: "another scheme", authorization: `Basic ${TEST_API_TOKEN}`, details: "the 'authorization' metadata must be 'Bearer <token>'" },
    { name: "the bare token", authorization: TEST_API_TOKEN, details: "the 'authorization' metadata must be 'Bearer <token>'" },
  ];

  for (const { name, authorization, details } of cases) {
    it(`refuses ${name} with UNAUTHENTICATED, before the port is called`, async () => {
      const result = await rawInvoiceApiCall(t.address, "GetInfo", {}, bearerMetadata(authorization));

      expect(result).toEqual({ ok: false, code: GrpcStatus.UNAUTHENTICATED, codeName: "UNAUTHENTICATED", details });
      expect(t.fake.calls).toEqual([]);
    });
  }

  it("accepts the right token in any case of the scheme name", async () => {
    const result = await rawInvoiceApiCall(t.address, "GetInfo", {}, bearerMetadata(`bearer ${TEST_API_TOKEN}`));

    expect(result.ok).toBe(true);
  });

  it("logs refused calls without the token", async () => {
    await rawInvoiceApiCall(t.address, "GetInfo", {}, bearerMetadata(`Bearer wrong-${TEST_API_TOKEN}`));

    const warning = t.logger.entries.find((entry) => entry.level === "warn");
    expect(warning?.fields).toMatchObject({ method: "/ic.coordinator.v1.Invoices/GetInfo", problem: "invalid bearer token" });
    expect(JSON.stringify(t.logger.entries)).not.toContain(TEST_API_TOKEN);
  });

  it("refuses a subscription without the token", async () => {
    const { connectInvoiceApi } = await import("@ic/invoice-api-client");
    const stranger = connectInvoiceApi(t.address, "not-the-token-" + "0".repeat(32));
    try {
      const error = await refusal(stranger.subscribeInvoices(0n)[Symbol.asyncIterator]().next());
      expect(error.codeName).toBe("UNAUTHENTICATED");
      expect(error.details).toBe("invalid bearer token");
      expect(t.fake.calls).toEqual([]);
    } finally {
      stranger.close();
    }
  });
});

describe("request validation", () => {
  const HASH = "ab".repeat(32);
  const add = (fields: Record<string, unknown>) => ({ external_ref: "order-v", mode: "HOLD", ...fields });
  // The message's shape: refused by the API before the port is called.
  const cases: { method: string; request: unknown; field: string; details: string }[] = [
    { method: "AddInvoice", request: add({ mode: undefined }), field: "mode", details: "mode is required: AUTO_SETTLE or HOLD" },
    { method: "AddInvoice", request: add({ mode: 7 }), field: "mode", details: "mode must be AUTO_SETTLE or HOLD, got 7" },
    { method: "AddInvoice", request: add({ expiry_seconds: "9223372036854775807" }), field: "expiry_seconds", details: "got 9223372036854775807" },
    { method: "LookupInvoice", request: {}, field: "payment_hash", details: "give payment_hash or external_ref" },
    { method: "LookupInvoice", request: { payment_hash: HASH, external_ref: "r" }, field: "payment_hash", details: "not both" },
    { method: "LookupInvoice", request: { payment_hash: HASH.slice(1) }, field: "payment_hash", details: "64 hex characters; it has 63 characters" },
    { method: "LookupInvoice", request: { payment_hash: "g" + HASH.slice(1) }, field: "payment_hash", details: "contains a character that is not hex" },
    { method: "LookupInvoice", request: { payment_hash: `0x${HASH}` }, field: "payment_hash", details: "it has 66 characters" },
    { method: "ListInvoices", request: { page_size: -1 }, field: "page_size", details: "page_size must be 0 (default 100) to 1000, got -1" },
    { method: "ListInvoices", request: { page_size: 1001 }, field: "page_size", details: "got 1001" },
    { method: "SettleInvoice", request: {}, field: "payment_hash", details: "payment_hash is required" },
    { method: "SettleInvoice", request: { payment_hash: "zz" }, field: "payment_hash", details: "it has 2 characters" },
    { method: "CancelInvoice", request: { payment_hash: HASH + "00" }, field: "payment_hash", details: "it has 66 characters" },
  ];

  // The port's limits (create-invoice-limits.ts): the API hands the request over and passes the
  // port's refusal on as INVALID_ARGUMENT; nothing is created.
  const limits: { method: string; request: unknown; field: string; details: string }[] = [
    { method: "AddInvoice", request: { mode: "HOLD" }, field: "external_ref", details: "external_ref is required" },
    { method: "AddInvoice", request: add({ external_ref: "x".repeat(129) }), field: "external_ref", details: "at most 128 characters, got 129" },
    { method: "AddInvoice", request: add({ external_ref: "é".repeat(128) }), field: "external_ref", details: "printable ASCII without spaces (0x21-0x7e); it has U+00E9 at position 1" },
    { method: "AddInvoice", request: add({ external_ref: "order\n1" }), field: "external_ref", details: "it has a control character at position 6" },
    { method: "AddInvoice", request: add({ external_ref: "order 42" }), field: "external_ref", details: "it has a space at position 6" },
    { method: "AddInvoice", request: add({ amount_msat: "2100000000000000001" }), field: "amount_msat", details: "at most 2100000000000000000 (21 million bitcoin)" },
    { method: "AddInvoice", request: add({ amount_msat: "18446744073709551615" }), field: "amount_msat", details: "got 18446744073709551615" },
    { method: "AddInvoice", request: add({ description: "d", description_hash: Buffer.alloc(32, 1) }), field: "description", details: "give description or description_hash, not both" },
    { method: "AddInvoice", request: add({ description: "x".repeat(640) }), field: "description", details: "at most 639 UTF-8 bytes (the BOLT 11 limit), got 640" },
    { method: "AddInvoice", request: add({ description_hash: Buffer.alloc(31, 1) }), field: "description_hash", details: "must be 32 bytes (the SHA-256 of the description), got 31" },
    { method: "AddInvoice", request: add({ description_hash: Buffer.alloc(33, 1) }), field: "description_hash", details: "got 33" },
    { method: "AddInvoice", request: add({ expiry_seconds: "-1" }), field: "expiry_seconds", details: "expiry_seconds must not be negative, got -1" },
    { method: "AddInvoice", request: add({ expiry_seconds: "31536001" }), field: "expiry_seconds", details: "at most 31536000 (one year), got 31536001" },
    { method: "LookupInvoice", request: { external_ref: "a\u0000b" }, field: "external_ref", details: "it has a control character at position 2" },
  ];

  for (const [refusedBy, list] of [
    ["the API", cases],
    ["the port", limits],
  ] as const) {
    for (const { method, request, field, details } of list) {
      it(`${method}: ${field}: ${refusedBy} refuses: ${details}`, async () => {
        const result = await rawInvoiceApiCall(t.address, method, request, bearerMetadata(`Bearer ${TEST_API_TOKEN}`));

        expect(result.ok).toBe(false);
        if (result.ok) return;
        expect(result.codeName).toBe("INVALID_ARGUMENT");
        expect(result.details.startsWith(field) || result.details.startsWith("give")).toBe(true);
        expect(result.details).toContain(details);
        if (refusedBy === "the API") expect(t.fake.calls).toEqual([]);
        else {
          expect(t.fake.calls).toHaveLength(1);
          expect(t.fake.invoiceEvents).toEqual([]);
        }
      });
    }
  }

  it("accepts the limits themselves", async () => {
    const result = await rawInvoiceApiCall(
      t.address,
      "AddInvoice",
      add({ external_ref: "!~" + "x".repeat(126), amount_msat: "2100000000000000000", description: "x".repeat(639), expiry_seconds: "31536000" }),
      bearerMetadata(`Bearer ${TEST_API_TOKEN}`),
    );

    expect(result.ok).toBe(true);
    expect(t.fake.calls[0]?.input).toMatchObject({ amountMsat: 2_100_000_000_000_000_000n, expirySeconds: 31_536_000 });
  });
});

describe("port errors", () => {
  const mapped: [InvoiceServiceError["code"], string][] = [
    ["invalid_argument", "INVALID_ARGUMENT"],
    ["not_found", "NOT_FOUND"],
    ["failed_precondition", "FAILED_PRECONDITION"],
    ["already_exists", "ALREADY_EXISTS"],
    ["unavailable", "UNAVAILABLE"],
  ];

  for (const [code, codeName] of mapped) {
    it(`${code} -> ${codeName}, with the port's message`, async () => {
      t.fake.failNext("getInfo", new InvoiceServiceError(code, `the port says ${code}`));

      const error = await refusal(t.client.getInfo());

      expect(error.codeName).toBe(codeName);
      expect(error.details).toBe(`the port says ${code}`);
    });
  }

  it("answers NOT_FOUND for an unknown payment hash", async () => {
    const error = await refusal(t.client.settleInvoice("cd".repeat(32)));

    expect(error.codeName).toBe("NOT_FOUND");
    expect(error.details).toBe(`no invoice with payment hash ${"cd".repeat(32)}`);
  });

  it("answers ALREADY_EXISTS when an external_ref is reused with other terms", async () => {
    await t.client.createInvoice({ externalRef: "order-9", amountMsat: 1000n, mode: "auto" });

    const error = await refusal(t.client.createInvoice({ externalRef: "order-9", amountMsat: 2000n, mode: "auto" }));

    expect(error.codeName).toBe("ALREADY_EXISTS");
  });

  it("turns an unexpected error into INTERNAL with an id, and logs what it hides", async () => {
    const secret = "postgres://coordinator:hunter2@db/ic";
    t.fake.failNext("lookupInvoice", new Error(`connection to ${secret} refused`));

    const error = await refusal(t.client.lookupInvoice({ externalRef: "x" }));

    expect(error.codeName).toBe("INTERNAL");
    const id = /^internal error \(id ([0-9a-f]{12})\)$/.exec(error.details)?.[1];
    expect(id).toBeDefined();
    expect(error.message).not.toContain("hunter2");
    const logged = t.logger.entries.find((entry) => entry.level === "error");
    expect(logged?.fields).toMatchObject({ method: "LookupInvoice", errorId: id });
    expect((logged?.fields.err as Error).message).toContain("hunter2");
  });

  it("turns a thrown non-Error into INTERNAL too", async () => {
    t.fake.failNext("listInvoices", "a string");

    expect((await refusal(t.client.listInvoices({ limit: 1 }))).codeName).toBe("INTERNAL");
  });

  it("maps the errors of a subscription the same way", async () => {
    t.fake.failNext("subscribeInvoices", new InvoiceServiceError("unavailable", "the event log is unreachable"));

    const error = await refusal(t.client.subscribeInvoices(0n)[Symbol.asyncIterator]().next());

    expect(error.codeName).toBe("UNAVAILABLE");
    expect(error.details).toBe("the event log is unreachable");
  });
});

describe("a settle lnd did not carry out", () => {
  it("LookupInvoice answers SETTLE_FAILED with each part SETTLED or FAILED, and the stream says SETTLE_FAILED", async () => {
    // A hold invoice, so the stream shows ACCEPTED too (an auto-settled set goes straight to
    // SETTLE_REQUESTED: the fake decides with the matcher's decider).
    const { invoice } = await t.client.createInvoice({ externalRef: "order-sf", amountMsat: 1_000_000n, mode: "hold" });
    t.fake.accept(invoice.paymentHash, HTLCS);
    await t.client.settleInvoice(invoice.paymentHash);
    const ended = t.fake.confirmSettleFailed(invoice.paymentHash, [1]);

    const found = await t.client.lookupInvoice({ paymentHash: invoice.paymentHash });
    const raw = await rawInvoiceApiCall(t.address, "LookupInvoice", { payment_hash: invoice.paymentHash }, bearerMetadata(`Bearer ${TEST_API_TOKEN}`));

    expect(found).toEqual(ended);
    expect(found.status).toBe("SETTLE_FAILED");
    expect(found.htlcs.map((htlc) => htlc.status)).toEqual(["SETTLED", "FAILED"]);
    expect(raw).toMatchObject({ ok: true, response: { invoice: { status: "SETTLE_FAILED" } } });
    const stream = t.client.subscribeInvoices(0n);
    const kinds: string[] = [];
    for await (const event of stream) {
      kinds.push(event.kind);
      if (event.kind === "SETTLE_FAILED") break;
    }
    stream.cancel();
    expect(kinds).toEqual(["CREATED", "ACCEPTED", "SETTLE_REQUESTED", "SETTLE_FAILED"]);
  });
});

describe("SubscribeInvoices", () => {
  async function take(iterator: AsyncIterator<InvoiceEventView>, count: number): Promise<InvoiceEventView[]> {
    const events: InvoiceEventView[] = [];
    while (events.length < count) {
      const result = await iterator.next();
      if (result.done) throw new Error(`the stream ended after ${events.length} events`);
      events.push(result.value);
    }
    return events;
  }

  it("replays every event after the given sequence, then streams live ones", async () => {
    const hashes: string[] = [];
    for (let i = 0; i < 3; i++) hashes.push((await t.client.createInvoice({ externalRef: `sub-${i}`, mode: "hold" })).invoice.paymentHash);
    const stream = t.client.subscribeInvoices(2n);
    const iterator = stream[Symbol.asyncIterator]();

    const [replayed] = await take(iterator, 1);
    await t.client.cancelInvoice(hashes[0] as string);
    const [live] = await take(iterator, 1);
    stream.cancel();

    expect(t.fake.calls.find((call) => call.method === "subscribeInvoices")?.input).toBe(2n);
    expect(replayed).toEqual(t.fake.invoiceEvents[2]);
    expect(replayed?.sequence).toBe(3n);
    expect(replayed?.invoice.externalRef).toBe("sub-2");
    expect(live).toMatchObject({ sequence: 4n, kind: "CANCELLED", invoice: { paymentHash: hashes[0], status: "CANCELLED" } });
  });

  it("resumes without gap or repeat from the last sequence a previous subscription saw", async () => {
    for (let i = 0; i < 4; i++) await t.client.createInvoice({ externalRef: `resume-${i}`, mode: "auto" });
    const first = t.client.subscribeInvoices();
    const seen = await take(first[Symbol.asyncIterator](), 2);
    first.cancel();

    const second = t.client.subscribeInvoices(seen.at(-1)?.sequence);
    const rest = await take(second[Symbol.asyncIterator](), 2);
    second.cancel();

    expect([...seen, ...rest].map((event) => event.sequence)).toEqual([1n, 2n, 3n, 4n]);
  });

  it("delivers a long replay completely and in order through flow control", async () => {
    const count = 2000;
    for (let i = 0; i < count; i++) await t.fake.createInvoice({ externalRef: `bulk-${i}`, description: "x".repeat(600), mode: "auto" });
    const stream = t.client.subscribeInvoices(0n);

    const sequences = (await take(stream[Symbol.asyncIterator](), count)).map((event) => event.sequence);
    stream.cancel();

    expect(sequences).toEqual(Array.from({ length: count }, (_, i) => BigInt(i + 1)));
  });

  it("aborts the port's stream when the client cancels", async () => {
    const stream = t.client.subscribeInvoices(0n);
    const pending = stream[Symbol.asyncIterator]().next();
    await t.fake.waitFor(() => t.fake.subscriptionCount === 1);

    stream.cancel();

    expect(await pending).toEqual({ done: true, value: undefined });
    await t.fake.waitFor(() => t.fake.subscriptionCount === 0);
  });

  it("ends with UNAVAILABLE naming the sequence to resume from when the port's stream ends", async () => {
    await t.client.createInvoice({ externalRef: "end-1", mode: "auto" });
    const iterator = t.client.subscribeInvoices(0n)[Symbol.asyncIterator]();
    await take(iterator, 1);

    t.fake.endSubscriptions();
    const error = await refusal(iterator.next());

    expect(error.codeName).toBe("UNAVAILABLE");
    expect(error.details).toBe("the invoice event stream ended; subscribe again with after_sequence 1");
  });

  it("is ended with UNAVAILABLE by stop(), which then completes", async () => {
    const iterator = t.client.subscribeInvoices(0n)[Symbol.asyncIterator]();
    const outcome = refusal(iterator.next());
    await t.fake.waitFor(() => t.fake.subscriptionCount === 1);

    await t.api.stop();

    const error = await outcome;
    expect(error.codeName).toBe("UNAVAILABLE");
    expect(t.fake.subscriptionCount).toBe(0);
  });

  it("ends when the caller's abort signal fires", async () => {
    const controller = new AbortController();
    const pending = t.client.subscribeInvoices(0n, controller.signal)[Symbol.asyncIterator]().next();
    await t.fake.waitFor(() => t.fake.subscriptionCount === 1);

    controller.abort();

    expect(await pending).toEqual({ done: true, value: undefined });
  });
});
