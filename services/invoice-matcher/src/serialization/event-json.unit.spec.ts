import { describe, expect, it } from "vitest";
import { rebuildState, type InvoiceEvent, type InvoiceEventType } from "../domain/index.ts";
import { run } from "../domain/testing/decider-specification.ts";
import { NODE_A, NODE_B, NODE_C, PAYMENT_HASH, T0, arrival, htlcFinal, htlcKey, terms, everyShapeInputs } from "../domain/testing/fixtures.ts";
import { deserializeEvent, eventFromJson, eventToJson, InvoiceEventFormatError, serializeEvent } from "./event-json.ts";

// The matcher-events topic is what the projection is audited against: a payload that reads back as
// a different event (a bigint turned string, a dropped field) would make the audit lie.

const keyA = htlcKey(NODE_A, 1n);
// Above 2^63: only a bigint holds it.
const keyB = htlcKey(NODE_B, 2n ** 64n - 1n, 2n ** 64n - 2n);
const htlc = { key: keyA, incomingAmountMsat: 2n ** 60n + 3n, outgoingAmountMsat: 2n ** 60n, incomingExpiry: 900_040, outgoingExpiry: 900_000, arrivedAt: T0 + 1 };

// One sample per type; the mapped type makes a 15th event type fail to compile here until it has one.
const samples: { readonly [T in InvoiceEventType]: Extract<InvoiceEvent, { type: T }> } = {
  InvoiceCreated: { type: "InvoiceCreated", data: terms({ amountMsat: 2n ** 64n - 1n, mode: "hold" }) },
  HtlcAccepted: { type: "HtlcAccepted", data: { paymentHash: PAYMENT_HASH, htlc, payload: { amtToForwardMsat: 2n ** 60n, outgoingCltv: 900_000, totalMsat: 2n ** 61n } } },
  HtlcRejected: {
    type: "HtlcRejected",
    data: {
      paymentHash: PAYMENT_HASH,
      htlc: { ...htlc, key: keyB },
      reason: "onion_peel_failed",
      failure: {
        kind: "onion",
        reason: { kind: "failure_message", failure: { type: "invalid_onion_payload", tlvType: 2n ** 63n, offset: 3, path: [1n, -2n, "x", null, true, 1.5] } },
      },
    },
  },
  InvoiceAccepted: { type: "InvoiceAccepted", data: { paymentHash: PAYMENT_HASH, htlcKeys: [keyA, keyB], setTotalMsat: 2n ** 61n, amountPaidMsat: 2n ** 61n + 1n, at: T0 + 2 } },
  InvoiceSettleRequested: { type: "InvoiceSettleRequested", data: { paymentHash: PAYMENT_HASH, htlcKeys: [keyA], setTotalMsat: 100_000n, amountPaidMsat: 100_000n, at: T0 + 3 } },
  MppSetTimedOut: { type: "MppSetTimedOut", data: { paymentHash: PAYMENT_HASH, htlcKeys: [keyB, keyA], at: T0 + 4 } },
  InvoiceCancelled: {
    type: "InvoiceCancelled",
    data: {
      paymentHash: PAYMENT_HASH,
      reason: "accept_timeout",
      failedHtlcs: [
        { key: keyA, failure: { kind: "incorrect_or_unknown_payment_details", htlcMsat: 2n ** 62n, height: 850_000 } },
        { key: keyB, failure: { kind: "final_incorrect_htlc_amount", incomingHtlcMsat: 7n } },
        { key: htlcKey(NODE_C, 3n), failure: { kind: "final_incorrect_cltv_expiry", cltvExpiry: 12 } },
        { key: htlcKey(NODE_C, 4n), failure: { kind: "mpp_timeout" } },
        { key: htlcKey(NODE_C, 5n), failure: { kind: "temporary_channel_failure" } },
        { key: htlcKey(NODE_C, 6n), failure: { kind: "onion", reason: "invalid_onion_hmac" } },
      ],
      at: T0 + 5,
    },
  },
  InvoiceExpired: { type: "InvoiceExpired", data: { paymentHash: PAYMENT_HASH, at: T0 + 6 } },
  HtlcSettled: { type: "HtlcSettled", data: { paymentHash: PAYMENT_HASH, key: keyB, at: T0 + 7 } },
  HtlcFailed: { type: "HtlcFailed", data: { paymentHash: PAYMENT_HASH, key: keyA, at: T0 + 8 } },
  SettleRequestedHtlcFailed: { type: "SettleRequestedHtlcFailed", data: { paymentHash: PAYMENT_HASH, key: keyB, amtToForwardMsat: 2n ** 63n, at: T0 + 9 } },
  InvoiceReopened: { type: "InvoiceReopened", data: { paymentHash: PAYMENT_HASH, reason: "accepted_htlc_resolved_by_lnd", at: T0 + 10 } },
  InvoiceSettled: { type: "InvoiceSettled", data: { paymentHash: PAYMENT_HASH, amountPaidMsat: 2n ** 64n - 1n, at: T0 + 11 } },
  InvoiceSettleFailed: {
    type: "InvoiceSettleFailed",
    data: { paymentHash: PAYMENT_HASH, settledHtlcs: [keyA], failedHtlcs: [keyB, htlcKey(NODE_C, 7n)], amountSettledMsat: 2n ** 63n, amountFailedMsat: 2n ** 64n - 1n, at: T0 + 12 },
  },
};

const roundTrip = (event: InvoiceEvent): InvoiceEvent => deserializeEvent(event.type, serializeEvent(event));

// Strict equality: a key read back as undefined instead of absent is a difference too.
const expectSame = (actual: InvoiceEvent, expected: InvoiceEvent) => {
  expect(actual).toStrictEqual(expected);
  expect(serializeEvent(actual)).toBe(serializeEvent(expected));
};

describe("event serialization for the matcher-events log", () => {
  it.each(Object.values(samples))("round-trips $type exactly, uint64 and opaque bigints included", (event) => {
    expectSame(roundTrip(event), event);
  });

  it("writes uint64 fields as decimal strings and tags bigints inside the opaque onion failure", () => {
    const text = serializeEvent(samples.HtlcRejected);
    expect(text).toContain(`"chanId":"${2n ** 64n - 2n}"`);
    expect(text).toContain('"tlvType":{"$bigint":"9223372036854775808"}');
    expect(text).toContain('"path":[{"$bigint":"1"},{"$bigint":"-2"},"x",null,true,1.5]');
    expect(serializeEvent(samples.InvoiceCreated)).toContain('"amountMsat":"18446744073709551615"');
    expect(roundTrip({ type: "InvoiceCreated", data: terms({ amountMsat: null }) })).toStrictEqual({ type: "InvoiceCreated", data: terms({ amountMsat: null }) });
  });

  it("round-trips a history produced by the decider, and the state rebuilt from it", () => {
    const history = run(everyShapeInputs());
    expect(history.length).toBeGreaterThan(5);
    const readBack = history.map(roundTrip);
    expect(readBack).toStrictEqual(history);
    expect(rebuildState(readBack)).toEqual(rebuildState(history));
  });

  it("round-trips a settle that lnd did not carry out (SettleRequestedHtlcFailed, InvoiceSettleFailed)", () => {
    const history = run([
      { type: "CreateInvoice", data: terms({ amountMsat: 1_000n }) },
      arrival({ key: htlcKey(NODE_A, 1n), amtMsat: 600n, totalMsat: 1_000n, now: T0 + 1_000 }),
      arrival({ key: htlcKey(NODE_B, 2n), amtMsat: 400n, totalMsat: 1_000n, now: T0 + 2_000 }),
      htlcFinal(htlcKey(NODE_A, 1n), true),
      htlcFinal(htlcKey(NODE_B, 2n), false),
    ]);
    expect(history.at(-1)?.type).toBe("InvoiceSettleFailed");
    const readBack = history.map(roundTrip);
    expect(readBack).toStrictEqual(history);
    expect(rebuildState(readBack).invoice?.status).toBe("SETTLE_FAILED");
  });

  it("refuses an unknown type and text that is not a JSON object", () => {
    expect(() => deserializeEvent("InvoicePaid", "{}")).toThrow(InvoiceEventFormatError);
    expect(() => deserializeEvent("InvoicePaid", "{}")).toThrow(/^type: expected one of InvoiceCreated/);
    expect(() => deserializeEvent("InvoiceSettled", "{not json")).toThrow(/^InvoiceSettled: expected JSON text/);
    expect(() => deserializeEvent("InvoiceSettled", "[]")).toThrow(/^InvoiceSettled: expected an object/);
    expect(() => deserializeEvent("toString", "{}")).toThrow(/^type:/);
  });

  // Each case breaks one field of a good payload (the field's path, then its new value; DELETE
  // removes it); the error must name that field.
  const DELETE = Symbol("delete");
  const broken: readonly [string, InvoiceEvent, string, unknown][] = [
    ["a uint64 as a JSON number", samples.HtlcAccepted, "htlc.key.chanId", 5],
    ["a uint64 past 2^64", samples.InvoiceSettled, "amountPaidMsat", String(2n ** 64n)],
    ["a negative amount", samples.InvoiceCreated, "amountMsat", "-1"],
    ["a missing payment hash", samples.HtlcSettled, "paymentHash", DELETE],
    ["a fractional time", samples.InvoiceExpired, "at", 1.5],
    ["an unknown rejection reason", samples.HtlcRejected, "reason", "bad_luck"],
    ["an unknown failure kind", samples.InvoiceCancelled, "failedHtlcs.1.failure.kind", "oops"],
    ["a malformed bigint tag", samples.HtlcRejected, "failure.reason.failure.tlvType", { $bigint: "1e3" }],
    ["a bigint tag with company", samples.HtlcRejected, "failure.reason.failure.tlvType", { $bigint: "1", x: 1 }],
    ["keys that are not an array", samples.MppSetTimedOut, "htlcKeys", {}],
    ["a wrong key in a list", samples.InvoiceAccepted, "htlcKeys.1.htlcId", null],
    ["an unknown cancel reason", samples.InvoiceCancelled, "reason", "whim"],
    ["an unknown reopen reason", samples.InvoiceReopened, "reason", "whim"],
    ["an unknown mode", samples.InvoiceCreated, "mode", "manual"],
    ["a missing payload", samples.HtlcAccepted, "payload", DELETE],
    ["a hex amount to forward", samples.SettleRequestedHtlcFailed, "amtToForwardMsat", "0x10"],
    ["an empty set total", samples.InvoiceSettleRequested, "setTotalMsat", ""],
    ["a wrong htlc time", samples.HtlcFailed, "at", "now"],
    ["a settle-failed amount as a number", samples.InvoiceSettleFailed, "amountFailedMsat", 3],
    ["a wrong failed part", samples.InvoiceSettleFailed, "failedHtlcs.1.chanId", "x"],
    ["missing settled parts", samples.InvoiceSettleFailed, "settledHtlcs", DELETE],
  ];
  const fieldName = (type: string, path: string) => `${type}.${path}`.replace(/\.(\d+)/g, "[$1]");
  it.each(broken)("refuses %s, naming the field", (_name, event, path, value) => {
    const payload: unknown = JSON.parse(serializeEvent(event));
    const steps = path.split(".");
    const last = steps.pop()!;
    const parent = steps.reduce((node, step) => (node as Record<string, unknown>)[step], payload) as Record<string, unknown>;
    if (value === DELETE) delete parent[last];
    else parent[last] = value;
    let error: unknown;
    try {
      deserializeEvent(event.type, JSON.stringify(payload));
    } catch (caught) {
      error = caught;
    }
    const field = fieldName(event.type, path);
    expect(error).toBeInstanceOf(InvoiceEventFormatError);
    expect((error as InvoiceEventFormatError).field).toBe(field);
    expect((error as Error).message.startsWith(`${field}: expected `)).toBe(true);
  });

  it("refuses to write an opaque object whose own key is the bigint tag, or a non-finite number", () => {
    const tagged: InvoiceEvent = { ...samples.HtlcRejected, data: { ...samples.HtlcRejected.data, failure: { kind: "onion", reason: { $bigint: "1" } } } };
    expect(() => serializeEvent(tagged)).toThrow(/HtlcRejected.failure.reason/);
    const infinite: InvoiceEvent = { ...samples.HtlcRejected, data: { ...samples.HtlcRejected.data, failure: { kind: "onion", reason: [Infinity] } } };
    expect(() => serializeEvent(infinite)).toThrow(/HtlcRejected.failure.reason\[0\]/);
  });
});

describe("event serialization of a suspect re-offer and of the fields kept since (onion key, auto-fail height)", () => {
  const suspect: InvoiceEvent = {
    type: "HtlcRejected",
    data: {
      paymentHash: PAYMENT_HASH,
      htlc: { ...htlc, autoFailHeight: 900_021, onionEphemeralKey: `03${"ab".repeat(32)}` },
      reason: "reoffered_htlc_differs",
      failure: { kind: "incorrect_or_unknown_payment_details", htlcMsat: 1_000n, height: 850_000 },
      differingFields: ["incomingAmountMsat", "onionEphemeralKey"],
    },
  };

  it("round-trips them exactly", () => {
    expectSame(roundTrip(suspect), suspect);
    const accepted = { ...samples.HtlcAccepted, data: { ...samples.HtlcAccepted.data, htlc: { ...htlc, autoFailHeight: 1, onionEphemeralKey: `02${"01".repeat(32)}` } } };
    expectSame(roundTrip(accepted), accepted);
  });

  it("reads an event written before them without the fields (absent, not undefined)", () => {
    const old = JSON.parse(serializeEvent(suspect)) as { htlc: Record<string, unknown>; differingFields?: unknown };
    delete old.htlc.autoFailHeight;
    delete old.htlc.onionEphemeralKey;
    delete old.differingFields;
    const read = deserializeEvent("HtlcRejected", JSON.stringify(old));
    expect(read.type === "HtlcRejected" && "onionEphemeralKey" in read.data.htlc).toBe(false);
    expect(read.type === "HtlcRejected" && "differingFields" in read.data).toBe(false);
    expect(serializeEvent(read)).toBe(JSON.stringify(old));
  });

  it.each([
    ["htlc.onionEphemeralKey", "04" + "ab".repeat(32)],
    ["htlc.onionEphemeralKey", "02" + "AB".repeat(32)],
    ["htlc.autoFailHeight", "900021"],
    ["differingFields.0", "amount"],
  ])("refuses a wrong %s, naming it", (path, value) => {
    const payload = JSON.parse(serializeEvent(suspect)) as Record<string, unknown>;
    const steps = path.split(".");
    const last = steps.pop()!;
    const parent = steps.reduce((node, step) => (node as Record<string, unknown>)[step], payload as unknown) as Record<string, unknown>;
    parent[last] = value;
    expect(() => deserializeEvent("HtlcRejected", JSON.stringify(payload))).toThrow(`HtlcRejected.${path.replace(/\.(\d+)/g, "[$1]")}: expected`);
  });
});

describe("journal rows (invoice_event_journal.payload): the same encoding as the log", () => {
  // What jsonb gives back: the value after a JSON round trip.
  const stored = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

  it.each(Object.values(samples))("a $type row reads back as the very event, and holds the log's payloadJson", (event) => {
    expect(eventFromJson(event.type, stored(eventToJson(event)))).toStrictEqual(event);
    expect(JSON.stringify(eventToJson(event))).toBe(serializeEvent(event));
  });

  // Rows written before the journal used eventToJson: the event data through a replacer that turned
  // every bigint into a plain decimal string (postgres/bigint-json.ts, removed). A deployment that
  // upgrades still has them, and SubscribeInvoices folds them.
  const legacyRow = (event: InvoiceEvent): unknown => JSON.parse(JSON.stringify(event.data, (_key, v: unknown) => (typeof v === "bigint" ? v.toString() : v)));

  it.each(Object.values(samples).filter((event) => event.type !== "HtlcRejected"))("an old-format $type row reads back as the very event", (event) => {
    expect(eventFromJson(event.type, legacyRow(event))).toStrictEqual(event);
  });

  it("an old-format onion rejection reads, its untagged bigints as the decimal strings they were written as", () => {
    const row = {
      paymentHash: PAYMENT_HASH,
      htlc: { key: { nodeId: NODE_B, chanId: "18446744073709551614", htlcId: "18446744073709551615" }, incomingAmountMsat: "1152921504606846979", outgoingAmountMsat: "1152921504606846976", incomingExpiry: 900_040, outgoingExpiry: 900_000, arrivedAt: T0 + 1 },
      reason: "onion_peel_failed",
      failure: { kind: "onion", reason: { kind: "failure_message", failure: { type: "invalid_onion_payload", tlvType: "9223372036854775808", offset: 3 } } },
    };
    expect(legacyRow(samples.HtlcRejected)).toMatchObject({ failure: { reason: { failure: { tlvType: "9223372036854775808" } } } });
    const event = eventFromJson("HtlcRejected", row);
    expect(event).toStrictEqual({
      type: "HtlcRejected",
      data: {
        paymentHash: PAYMENT_HASH,
        htlc: { key: keyB, incomingAmountMsat: 2n ** 60n + 3n, outgoingAmountMsat: 2n ** 60n, incomingExpiry: 900_040, outgoingExpiry: 900_000, arrivedAt: T0 + 1 },
        reason: "onion_peel_failed",
        failure: { kind: "onion", reason: { kind: "failure_message", failure: { type: "invalid_onion_payload", tlvType: "9223372036854775808", offset: 3 } } },
      },
    });
  });
});
