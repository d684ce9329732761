import type { InvoiceEvent } from "@ic/event-log";
import { describe, expect, it } from "vitest";
import { webhookBody, webhookBodyJson, webhookRequestHeaders } from "./webhook-body.ts";

const NODE = "02" + "aa".repeat(32);
const event: InvoiceEvent = {
  eventId: "evt-7",
  sequence: 3,
  paymentHash: "ab".repeat(32),
  kind: "SETTLE_FAILED",
  externalRef: "order-42",
  bolt11: null,
  amountMsat: 18_446_744_073_709_551_615n,
  amountPaidMsat: 9_007_199_254_740_993n,
  htlcs: [{ nodeId: NODE, chanId: 123_456_789_012_345_678n, htlcId: 0n, amountMsat: 1000n, settled: false }],
  amountSettledMsat: 0n,
  amountFailedMsat: 1000n,
  reason: "lnd failed 1 of 1 parts it was told to settle",
  atMs: 1_800_000_000_123,
};

describe("webhook body", () => {
  it("is the invoice event with every uint64 as a decimal string (exact beyond 2^53), tagged with type, version and deployment", () => {
    const parsed = JSON.parse(webhookBody(event, "ic")) as Record<string, unknown>;
    expect(parsed).toEqual({
      type: "invoice-event",
      version: 1,
      deployment: "ic",
      eventId: "evt-7",
      sequence: 3,
      paymentHash: "ab".repeat(32),
      kind: "SETTLE_FAILED",
      externalRef: "order-42",
      bolt11: null,
      amountMsat: "18446744073709551615",
      amountPaidMsat: "9007199254740993",
      amountSettledMsat: "0",
      amountFailedMsat: "1000",
      htlcs: [
        { nodeId: NODE, chanId: "123456789012345678", htlcId: "0", amountMsat: "1000", settled: false },
      ],
      reason: "lnd failed 1 of 1 parts it was told to settle",
      atMs: 1_800_000_000_123,
    });
  });

  it("keeps nulls (amount-less invoice, fields of other kinds) as null", () => {
    // An amount-less invoice just created: the same fields, as they go in, are what comes out.
    const created = {
      amountMsat: null,
      amountPaidMsat: null,
      amountSettledMsat: null,
      amountFailedMsat: null,
      htlcs: [],
      reason: null,
      bolt11: "lnbcrt1...",
    };
    const json = webhookBodyJson({ ...event, kind: "CREATED", ...created }, "d");
    expect(json).toMatchObject(created);
  });

  it("is the same text every time (the signed bytes of every attempt and redelivery)", () => {
    expect(webhookBody(event, "ic")).toBe(webhookBody({ ...event }, "ic"));
  });

  it("headers: JSON content type, the event id for dedupe, the timestamp and the signature", () => {
    expect(
      webhookRequestHeaders({ eventId: "evt-7", timestampSec: 1_800_000_000, signature: "v1=00" }),
    ).toEqual({
      "content-type": "application/json",
      "user-agent": "ic-webhook-relay/1",
      "ic-webhook-id": "evt-7",
      "ic-webhook-timestamp": "1800000000",
      "ic-webhook-signature": "v1=00",
    });
  });
});
