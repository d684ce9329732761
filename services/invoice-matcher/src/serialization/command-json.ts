import type { FailHtlc, HtlcKey, MatcherCommand, SettleExpectation } from "../domain/index.ts";
import { failureToJson, JsonFieldError, jsonReaders, keyToJson, refuseWriteWith, type JsonValue } from "./json-values.ts";

// An outbox row of kind "htlc-command" (outbox.payload, jsonb): a decided command, its id, and the
// invoice's payment secret (public: it is in the BOLT 11 string; the publisher derives the
// preimage from it). Same value encodings as the journal and the state (json-values.ts): uint64 as
// a decimal string, a bigint inside an onion failure tagged {"$bigint": "<decimal>"}.
//
// Rows written before this file existed went through a generic bigint-to-string replacer: the
// same shape, except that a bigint inside an onion failure was a plain decimal string. They still
// read: the opaque reason keeps that string, and the command builder reads a number either way.
// Rows written before SettleHtlc carried what it was decided for have no `expected`: read as
// absent, never made up (the bridge then refuses the SETTLE).

/** SettleHtlc as an outbox row may hold it: without `expected` if written before it existed (or malformed). */
export type OutboxSettleHtlc = {
  readonly type: "SettleHtlc";
  readonly data: { readonly key: HtlcKey; readonly paymentHash: string; readonly expected?: SettleExpectation };
};
export type OutboxHtlcCommand = OutboxSettleHtlc | FailHtlc;

export interface OutboxCommand {
  readonly commandId: string;
  /** null: the hash has no invoice (only a FailHtlc can be built then). */
  readonly paymentSecret: string | null;
  readonly command: OutboxHtlcCommand;
}

export class OutboxCommandFormatError extends JsonFieldError {
  override readonly name = "OutboxCommandFormatError";
}

const refuseWrite = refuseWriteWith(OutboxCommandFormatError);

export const outboxCommandToJson = (row: { commandId: string; paymentSecret: string | null; command: MatcherCommand }): JsonValue => {
  const { command } = row;
  const key = keyToJson(command.data.key);
  const data: JsonValue =
    command.type === "SettleHtlc"
      ? {
          key,
          paymentHash: command.data.paymentHash,
          expected: { incomingAmountMsat: String(command.data.expected.incomingAmountMsat), incomingExpiry: command.data.expected.incomingExpiry },
        }
      : { key, paymentHash: command.data.paymentHash, failure: failureToJson(command.data.failure, "command.data.failure", refuseWrite) };
  return { commandId: row.commandId, command: { type: command.type, data }, paymentSecret: row.paymentSecret };
};

const fail = (path: string, expected: string): never => {
  throw new OutboxCommandFormatError(path, expected);
};

const { asObject, asString, asNullable, asOneOf, parseKey, parseFailure } = jsonReaders(fail);

// Lenient by design: a malformed `expected` (never written by this code) is read as absent, so the
// SETTLE goes out with nulls and the bridge refuses it, whereas throwing would quarantine the row.
function readExpected(value: unknown): SettleExpectation | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const { incomingAmountMsat: amount, incomingExpiry: expiry } = value as Record<string, unknown>;
  if (typeof amount !== "string" || !/^(0|[1-9][0-9]{0,19})$/.test(amount) || BigInt(amount) >= 2n ** 64n) return undefined;
  if (typeof expiry !== "number" || !Number.isInteger(expiry) || expiry < -(2 ** 31) || expiry >= 2 ** 31) return undefined;
  return { incomingAmountMsat: BigInt(amount), incomingExpiry: expiry };
}

export const outboxCommandFromJson = (value: unknown): OutboxCommand => {
  const row = asObject(value, "row");
  const command = asObject(row.command, "command");
  const type = asOneOf(command.type, "command.type", ["SettleHtlc", "FailHtlc"] as const);
  const data = asObject(command.data, "command.data");
  const key = parseKey(data.key, "command.data.key");
  const paymentHash = asString(data.paymentHash, "command.data.paymentHash");
  const base = { commandId: asString(row.commandId, "commandId"), paymentSecret: asNullable(row.paymentSecret, "paymentSecret", asString) };
  if (type === "SettleHtlc") {
    const expected = readExpected(data.expected);
    return { ...base, command: { type, data: { key, paymentHash, ...(expected === undefined ? {} : { expected }) } } };
  }
  if (data.failure === undefined) return fail("command.data.failure", "a failure (a FailHtlc without failure cannot be built)");
  return { ...base, command: { type, data: { key, paymentHash, failure: parseFailure(data.failure, "command.data.failure") } } };
};
