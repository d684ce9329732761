import { describe, expect, it } from "vitest";
import { decode, encode } from "./codec.ts";
import type { ConsumedRecord } from "./committing-consumer.ts";
import { DEAD_LETTER_HEADERS, deadLetterMessage, decodeFailureAction, decodeFailureLetter } from "./dead-letters.ts";
import { EventDecodeError } from "./errors.ts";
import type { HtlcCommand } from "./event-records.ts";
import { sampleEvents } from "./sample-events.ts";

const preimage = Buffer.alloc(32, 7);
const settle: HtlcCommand = { ...sampleEvents()["htlc-command"], preimage };

function consumed(fields: Partial<ConsumedRecord>): ConsumedRecord {
  return { topic: "t.htlc.commands.v1.x", partition: 2, offset: "41", key: Buffer.from("k"), value: Buffer.from("v"), headers: {}, timestamp: "1700000000000", ...fields };
}

function decodeError(record: Partial<ConsumedRecord>): EventDecodeError {
  try {
    decode(consumed(record));
  } catch (error) {
    if (error instanceof EventDecodeError) return error;
    throw error;
  }
  throw new Error("decoded");
}

const encoded = encode("htlc-command", settle);

describe("decodeFailureAction: what no retry can fix is dead-lettered, a newer version is held", () => {
  it.each<{ name: string; record: Partial<ConsumedRecord>; reason: string }>([
    { name: "dead-letters garbage bytes under valid headers (corrupt-payload)", record: { value: Buffer.from([0xff, 0xfe, 0x00]), headers: encoded.headers }, reason: "corrupt-payload" },
    { name: "dead-letters bytes with no schema headers that are not in the Confluent wire format (corrupt-payload)", record: { value: Buffer.from("garbage") }, reason: "corrupt-payload" },
    { name: "dead-letters a schema name no reader knows (unknown-schema)", record: { value: encoded.value, headers: { ...encoded.headers, "ic-schema": "htlc-teleported" } }, reason: "unknown-schema" },
    { name: "dead-letters a published version edited in place (fingerprint-mismatch)", record: { value: encoded.value, headers: { ...encoded.headers, "ic-schema-fingerprint": "00".repeat(32) } }, reason: "fingerprint-mismatch" },
  ])("$name", ({ record, reason }) => {
    const error = decodeError(record);
    expect(error.reason).toBe(reason);
    expect(decodeFailureAction(error)).toBe("dead-letter");
  });

  it("holds a newer schema version: it decodes once the reader is upgraded (readers upgrade first)", () => {
    const error = decodeError({ value: encoded.value, headers: { ...encoded.headers, "ic-schema-version": "99" } });
    expect(error.reason).toBe("unknown-version");
    expect(decodeFailureAction(error)).toBe("hold");
  });

  it("gives the reason and a message that shows no value", () => {
    const error = decodeError({ value: Buffer.concat([encoded.value, Buffer.from([1])]), headers: encoded.headers });
    const letter = decodeFailureLetter(error);
    expect(letter.reason).toBe("corrupt-payload");
    expect(letter.detail).toContain("htlc-command v");
    expect(letter.detail).not.toContain(preimage.toString("hex"));
  });
});

describe("deadLetterMessage", () => {
  it("copies key, value and source headers, and says where the record came from", () => {
    const record = consumed({ key: Buffer.from("hash"), value: Buffer.from([1, 2, 3]), headers: { "ic-schema": "htlc-intercepted", other: Buffer.from("x") } });
    const message = deadLetterMessage(record, { reason: "corrupt-payload", detail: "bad Avro" }, { value: "copy" });
    expect(message.key).toEqual(Buffer.from("hash"));
    expect(message.value).toEqual(Buffer.from([1, 2, 3]));
    expect(message.headers).toEqual({
      "ic-schema": "htlc-intercepted",
      other: Buffer.from("x"),
      [DEAD_LETTER_HEADERS.reason]: "corrupt-payload",
      [DEAD_LETTER_HEADERS.detail]: "bad Avro",
      [DEAD_LETTER_HEADERS.sourceTopic]: "t.htlc.commands.v1.x",
      [DEAD_LETTER_HEADERS.sourcePartition]: "2",
      [DEAD_LETTER_HEADERS.sourceOffset]: "41",
      [DEAD_LETTER_HEADERS.sourceTimestamp]: "1700000000000",
    });
  });

  it("leaves a command's value out (it may hold a preimage), keeping only its length and the schema headers", () => {
    // A SETTLE whose fingerprint header was changed: it fails to decode, yet its bytes hold the preimage.
    const record = consumed({ value: encoded.value, headers: { ...encoded.headers, "ic-schema-fingerprint": "00".repeat(32), extra: "y" } });
    const message = deadLetterMessage(record, decodeFailureLetter(decodeError(record)), {
      value: "omit",
      keepHeaders: ["ic-schema", "ic-schema-version", "ic-schema-fingerprint"],
    });
    expect(message.value).toBeNull();
    expect(message.headers?.[DEAD_LETTER_HEADERS.valueOmittedBytes]).toBe(String(encoded.value.length));
    expect(message.headers?.["extra"]).toBeUndefined();
    expect(message.headers?.["ic-schema"]).toBe("htlc-command");
    const everything = JSON.stringify(message, (_, v: unknown) => (Buffer.isBuffer(v) ? v.toString("hex") : v));
    expect(everything).not.toContain(preimage.toString("hex"));
    expect(Buffer.from(everything).includes(preimage)).toBe(false);
  });

  it("a source header named like a dead-letter header cannot pose as the reason or the source", () => {
    const record = consumed({ headers: { [DEAD_LETTER_HEADERS.reason]: "forged", [DEAD_LETTER_HEADERS.sourceOffset]: "0" } });
    const message = deadLetterMessage(record, { reason: "missing-header", detail: "d" }, { value: "copy" });
    expect(message.headers?.[DEAD_LETTER_HEADERS.reason]).toBe("missing-header");
    expect(message.headers?.[DEAD_LETTER_HEADERS.sourceOffset]).toBe("41");
  });

  it("marks a record without a value", () => {
    const message = deadLetterMessage(consumed({ value: null }), { reason: "missing-value", detail: "d" }, { value: "omit" });
    expect(message.headers?.[DEAD_LETTER_HEADERS.valueOmittedBytes]).toBe("none");
  });
});
