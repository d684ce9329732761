// One set of CreateInvoice limits: the rule itself, and that the gRPC API and the service judge a
// request the same way (before, the API let "order 42" through and the service refused it).
import type pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { InvoiceServiceError, type InvoiceService } from "@ic/invoice-api-client";
import { startInvoiceApi, type InvoiceApi } from "../api/grpc-server.ts";
import { bearerMetadata, rawInvoiceApiCall } from "../api/testing/raw-invoice-api-call.ts";
import { FakeInvoiceService } from "../api/testing/fake-invoice-service.ts";
import { RecordingLogger, TEST_API_TOKEN } from "../api/testing/test-invoice-api.ts";
import type { InvoiceProcessor } from "../application/invoice-processor.ts";
import { testInvoiceService } from "../application/testing/test-invoice-service.ts";
import { createInvoiceRequestProblem, externalRefProblem, MAX_EXTERNAL_REF_LENGTH } from "./create-invoice-limits.ts";

// The real service; a refused request must never reach Postgres or the decider.
function realService(): InvoiceService {
  const untouchable = new Proxy({}, { get: () => { throw new Error("a refused request reached the pool or the processor"); } });
  return testInvoiceService(untouchable as pg.Pool, untouchable as InvoiceProcessor);
}

describe("external_ref: 1-128 printable ASCII characters without spaces", () => {
  it("accepts an order id, punctuation and the longest reference", () => {
    expect(externalRefProblem("order-42")).toBeNull();
    expect(externalRefProblem("shop:eu/2026#42?x=1")).toBeNull();
    expect(externalRefProblem("!~" + "x".repeat(MAX_EXTERNAL_REF_LENGTH - 2))).toBeNull();
  });

  it("refuses an empty, too long, spaced, control-character or non-ASCII reference, naming why", () => {
    expect(externalRefProblem("")).toBe("external_ref is required (your reference for the invoice, e.g. an order id)");
    expect(externalRefProblem("x".repeat(129))).toBe("external_ref must be at most 128 characters, got 129");
    expect(externalRefProblem("order 42")).toBe("external_ref must be printable ASCII without spaces (0x21-0x7e); it has a space at position 6");
    expect(externalRefProblem("a\tb")).toContain("a control character at position 2");
    expect(externalRefProblem("café")).toContain("U+00E9 at position 4");
  });
});

describe("createInvoiceRequestProblem", () => {
  const ok = { externalRef: "order-1", mode: "auto" as const };

  it("accepts a request at every limit", () => {
    expect(
      createInvoiceRequestProblem({ ...ok, amountMsat: 2_100_000_000_000_000_000n, description: "x".repeat(639), expirySeconds: 31_536_000 }),
    ).toBeNull();
    expect(createInvoiceRequestProblem({ ...ok, amountMsat: 1n, descriptionHash: new Uint8Array(32), expirySeconds: 1 })).toBeNull();
  });

  it("names the wire field of the first limit broken", () => {
    expect(createInvoiceRequestProblem({ ...ok, amountMsat: 0n })?.field).toBe("amount_msat");
    expect(createInvoiceRequestProblem({ ...ok, amountMsat: 2_100_000_000_000_000_001n })?.field).toBe("amount_msat");
    expect(createInvoiceRequestProblem({ ...ok, description: "é".repeat(320) })?.message).toContain("got 640");
    expect(createInvoiceRequestProblem({ ...ok, description: "", descriptionHash: new Uint8Array(32) })?.field).toBe("description");
    expect(createInvoiceRequestProblem({ ...ok, descriptionHash: new Uint8Array(31) })?.field).toBe("description_hash");
    expect(createInvoiceRequestProblem({ ...ok, expirySeconds: 0 })?.field).toBe("expiry_seconds");
    expect(createInvoiceRequestProblem({ ...ok, expirySeconds: 1.5 })?.field).toBe("expiry_seconds");
    expect(createInvoiceRequestProblem({ ...ok, expirySeconds: 31_536_001 })?.message).toContain("at most 31536000 (one year)");
  });
});

describe('"order 42" is refused the same way at the API and at the service', () => {
  const message = "external_ref must be printable ASCII without spaces (0x21-0x7e); it has a space at position 6";
  let api: InvoiceApi | undefined;

  afterEach(async () => {
    await api?.stop();
    api = undefined;
  });

  it("the service: invalid_argument with the rule's message", async () => {
    const refused = await realService().createInvoice({ externalRef: "order 42", mode: "auto" }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(InvoiceServiceError);
    expect(refused).toMatchObject({ code: "invalid_argument", message });
    const lookup = await realService().lookupInvoice({ externalRef: "order 42" }).catch((error: unknown) => error);
    expect(lookup).toMatchObject({ code: "invalid_argument", message });
  });

  for (const [name, service] of [
    ["the real service", realService],
    ["the API-test fake", () => new FakeInvoiceService()],
  ] as const) {
    it(`the gRPC API over ${name}: INVALID_ARGUMENT with the same message`, async () => {
      api = await startInvoiceApi({ service: service(), address: "127.0.0.1:0", authToken: TEST_API_TOKEN, logger: new RecordingLogger() });
      const address = `127.0.0.1:${api.port}`;
      const metadata = bearerMetadata(`Bearer ${TEST_API_TOKEN}`);

      const add = await rawInvoiceApiCall(address, "AddInvoice", { external_ref: "order 42", mode: "AUTO_SETTLE" }, metadata);
      const lookup = await rawInvoiceApiCall(address, "LookupInvoice", { external_ref: "order 42" }, metadata);

      expect(add).toEqual({ ok: false, code: 3, codeName: "INVALID_ARGUMENT", details: message });
      expect(lookup).toEqual({ ok: false, code: 3, codeName: "INVALID_ARGUMENT", details: message });
    });
  }
});
