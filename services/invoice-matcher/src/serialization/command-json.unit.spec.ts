import { describe, expect, it } from "vitest";
import { failHtlc, settleHtlc, type HtlcFailure, type MatcherCommand } from "../domain/index.ts";
import { NODE_A, PAYMENT_HASH } from "../domain/testing/fixtures.ts";
import { outboxCommandFromJson, OutboxCommandFormatError, outboxCommandToJson } from "./command-json.ts";

// Outbox rows of kind htlc-command: written with the same encodings as the journal and the state,
// and rows already in a running deployment's outbox (written before) still read.

// Past 2^63: only a bigint holds it.
const key = { nodeId: NODE_A, chanId: 2n ** 64n - 2n, htlcId: 2n ** 63n + 1n };
const secret = "5e".repeat(32);
const stored = (command: MatcherCommand, paymentSecret: string | null = secret) =>
  JSON.parse(JSON.stringify(outboxCommandToJson({ commandId: "cmd-1", command, paymentSecret }))) as unknown;
const read = (command: MatcherCommand, paymentSecret: string | null = secret) => outboxCommandFromJson(stored(command, paymentSecret));

const failures: HtlcFailure[] = [
  { kind: "incorrect_or_unknown_payment_details", htlcMsat: 2n ** 62n, height: 850_000 },
  { kind: "mpp_timeout" },
  { kind: "final_incorrect_cltv_expiry", cltvExpiry: 12 },
  { kind: "final_incorrect_htlc_amount", incomingHtlcMsat: 7n },
  { kind: "temporary_channel_failure" },
  { kind: "onion", reason: { kind: "failure_message", failure: { type: "invalid_onion_payload", tlvType: 2n ** 63n + 5n, offset: 77 } } },
  { kind: "onion", reason: { kind: "failure_code", lndFailureCode: 2, bolt4FailureCode: 49_157 } },
];

describe("outbox command rows", () => {
  it("a SettleHtlc round-trips, with what it was decided for", () => {
    const command = settleHtlc(key, PAYMENT_HASH, { incomingAmountMsat: 2n ** 60n + 3n, incomingExpiry: 812_400 });
    expect(read(command)).toStrictEqual({ commandId: "cmd-1", paymentSecret: secret, command });
  });

  it.each(failures)("a FailHtlc with $kind round-trips, bigints inside the onion reply included", (failure) => {
    const command = failHtlc(key, PAYMENT_HASH, failure);
    expect(read(command, null)).toStrictEqual({ commandId: "cmd-1", paymentSecret: null, command });
  });

  it("writes uint64 as decimal strings and tags a bigint in the onion reply, as the journal does", () => {
    const text = JSON.stringify(stored(failHtlc(key, PAYMENT_HASH, failures[5]!)));
    expect(text).toContain(`"chanId":"${2n ** 64n - 2n}"`);
    expect(text).toContain('"tlvType":{"$bigint":"9223372036854775813"}');
  });

  it("reads a row written before (every bigint a plain string, also in the onion reply)", () => {
    const old = {
      commandId: "cmd-0",
      command: {
        type: "FailHtlc",
        data: {
          key: { nodeId: NODE_A, chanId: "18446744073709551614", htlcId: "9223372036854775809" },
          paymentHash: PAYMENT_HASH,
          failure: { kind: "onion", reason: { kind: "failure_message", failure: { type: "invalid_onion_payload", tlvType: "9223372036854775813", offset: 77 } } },
        },
      },
      paymentSecret: null,
    };
    expect(outboxCommandFromJson(old)).toStrictEqual({
      commandId: "cmd-0",
      paymentSecret: null,
      command: failHtlc(key, PAYMENT_HASH, { kind: "onion", reason: { kind: "failure_message", failure: { type: "invalid_onion_payload", tlvType: "9223372036854775813", offset: 77 } } }),
    });
    const oldSettle = { commandId: "cmd-s", command: { type: "SettleHtlc", data: { key: old.command.data.key, paymentHash: PAYMENT_HASH, expected: { incomingAmountMsat: "1000", incomingExpiry: 800 } } }, paymentSecret: secret };
    expect(outboxCommandFromJson(oldSettle).command).toStrictEqual(settleHtlc(key, PAYMENT_HASH, { incomingAmountMsat: 1000n, incomingExpiry: 800 }));
  });

  it("a SettleHtlc row without expected values (written before they existed) reads without them", () => {
    const row = stored(settleHtlc(key, PAYMENT_HASH, { incomingAmountMsat: 1n, incomingExpiry: 1 })) as { command: { data: Record<string, unknown> } };
    delete row.command.data.expected;
    expect(outboxCommandFromJson(row).command.data).toStrictEqual({ key, paymentHash: PAYMENT_HASH });
  });

  it("refuses a row that is not a command, naming the field", () => {
    expect(() => outboxCommandFromJson(null)).toThrow(OutboxCommandFormatError);
    expect(() => outboxCommandFromJson({ commandId: "c", command: { type: "Explode", data: {} }, paymentSecret: null })).toThrow(/^command.type: expected one of SettleHtlc, FailHtlc/);
    expect(() => outboxCommandFromJson({ commandId: "c", command: { type: "SettleHtlc", data: { paymentHash: PAYMENT_HASH } }, paymentSecret: null })).toThrow(/^command.data.key: expected an object/);
    const badChan = stored(settleHtlc(key, PAYMENT_HASH, { incomingAmountMsat: 1n, incomingExpiry: 1 })) as { command: { data: { key: { chanId: unknown } } } };
    badChan.command.data.key.chanId = 5;
    expect(() => outboxCommandFromJson(badChan)).toThrow(/^command.data.key.chanId: expected a decimal uint64 string/);
  });
});
