import { describe, expect, it } from "vitest";
import { deadLetterMessage, decodeFailureLetter, encode, type ConsumedRecord, type HtlcCommand } from "@ic/event-log";
import { silentLogger } from "@ic/event-log";
import { sampleEvents } from "@ic/event-log/testing";
import { COMMAND_DEAD_LETTER_OPTIONS, commandsOfBatch, readCommandRecord } from "./kafka-command-source.ts";

// A command record is applied, held (a newer schema version: the bridge upgrades first) or
// dead-lettered (no retry decodes it); a command's dead letter never carries its bytes.
const NODE = "02" + "11".repeat(32);
const preimage = Buffer.alloc(32, 0x5a);
const settle: HtlcCommand = { ...sampleEvents()["htlc-command"], commandId: "settle-1", nodeId: NODE, preimage };
const encoded = encode("htlc-command", settle);
const outcome = encode("htlc-outcome", { ...sampleEvents()["htlc-outcome"], nodeId: NODE });
const record = (value: Buffer | null, headers: ConsumedRecord["headers"]): ConsumedRecord => ({
  topic: `ic.htlc.commands.v1.${NODE}`,
  partition: 1,
  offset: "9",
  key: Buffer.from(NODE),
  value,
  headers,
  timestamp: "1",
});

describe("readCommandRecord", () => {
  it("a valid SETTLE is a command", () => {
    expect(readCommandRecord(record(encoded.value, encoded.headers))).toMatchObject({ kind: "command", command: { commandId: "settle-1", action: "SETTLE" } });
  });

  it("garbage bytes, an unknown schema, a bare SETTLE without headers, an edited schema version: dead-lettered", () => {
    const cases: [ConsumedRecord, string][] = [
      [record(Buffer.from([0xde, 0xad, 0xbe, 0xef]), encoded.headers), "corrupt-payload"],
      [record(encoded.value, { ...encoded.headers, "ic-schema": "htlc-teleport" }), "unknown-schema"],
      // Without the fingerprint header a record is read as the Confluent wire format, which bare Avro is not.
      [record(encoded.value, {}), "corrupt-payload"],
      [record(encoded.value, { ...encoded.headers, "ic-schema-fingerprint": "ff".repeat(32) }), "fingerprint-mismatch"],
      [record(outcome.value, outcome.headers), "unexpected-schema"],
    ];
    for (const [input, reason] of cases) {
      const read = readCommandRecord(input);
      expect(read.kind, reason).toBe("dead-letter");
      if (read.kind === "command") throw new Error("decoded");
      expect(read.error.reason).toBe(reason);
    }
  });

  it("a newer schema version is held, not dead-lettered (it decodes after the upgrade)", () => {
    const read = readCommandRecord(record(encoded.value, { ...encoded.headers, "ic-schema-version": "42" }));
    expect(read.kind).toBe("hold");
  });

  it("the dead letter of a SETTLE that fails to decode holds neither its value nor its preimage, only where it is", () => {
    // Its bytes are a whole SETTLE; only its fingerprint header was changed.
    const poisoned = record(encoded.value, { ...encoded.headers, "ic-schema-fingerprint": "ff".repeat(32), "x-debug": preimage });
    const read = readCommandRecord(poisoned);
    if (read.kind !== "dead-letter") throw new Error(read.kind);
    const message = deadLetterMessage(poisoned, decodeFailureLetter(read.error), COMMAND_DEAD_LETTER_OPTIONS);
    expect(message.value).toBeNull();
    expect(message.headers?.["ic-dlq-value-omitted-bytes"]).toBe(String(encoded.value.length));
    expect(message.headers?.["ic-dlq-source-offset"]).toBe("9");
    expect(message.headers?.["ic-dlq-reason"]).toBe("fingerprint-mismatch");
    // Only the schema headers travel: an arbitrary header could carry anything.
    expect(Object.keys(message.headers ?? {}).filter((h) => !h.startsWith("ic-dlq-")).sort()).toEqual(["ic-schema", "ic-schema-fingerprint", "ic-schema-version"]);
    const bytes = Buffer.concat([
      message.key === null || message.key === undefined ? Buffer.alloc(0) : Buffer.from(message.key),
      ...Object.values(message.headers ?? {}).map((v) => Buffer.from(String(v))),
    ]);
    expect(bytes.includes(preimage)).toBe(false);
    expect(bytes.includes(Buffer.from(preimage.toString("hex")))).toBe(false);
  });
});

describe("commandsOfBatch", () => {
  const garbage = record(Buffer.from("garbage"), {});
  const valid = record(encoded.value, encoded.headers);

  it("dead-letters the undecodable records (acknowledged first) and hands on the commands in order", async () => {
    const written: string[] = [];
    const counted: string[] = [];
    const commands = await commandsOfBatch([garbage, valid], {
      logger: silentLogger,
      deadLetters: { topic: "dlq", write: async (r, letter) => void written.push(`${r.offset}:${letter.reason}`) },
      onDeadLettered: (reason, topic) => counted.push(`${reason}@${topic}`),
    });
    expect(commands.map((c) => c.commandId)).toEqual(["settle-1"]);
    expect(written).toEqual(["9:corrupt-payload"]);
    expect(counted).toEqual([`corrupt-payload@${garbage.topic}`]);
  });

  it("a dead letter that cannot be written fails the batch (delivered again), and nothing is counted", async () => {
    const counted: string[] = [];
    await expect(
      commandsOfBatch([garbage, valid], {
        logger: silentLogger,
        deadLetters: { topic: "dlq", write: async () => Promise.reject(new Error("broker away")) },
        onDeadLettered: (reason) => counted.push(reason),
      }),
    ).rejects.toThrow("broker away");
    expect(counted).toEqual([]);
  });

  it("a newer schema version fails the batch without a dead letter (the partition waits for the upgrade)", async () => {
    const written: string[] = [];
    const held: string[] = [];
    await expect(
      commandsOfBatch([valid, record(encoded.value, { ...encoded.headers, "ic-schema-version": "42" })], {
        logger: silentLogger,
        deadLetters: { topic: "dlq", write: async (r) => void written.push(r.offset) },
        stalled: { held: (r) => void held.push(`${r.topic}/${r.partition}@${r.offset}`) },
      }),
    ).rejects.toMatchObject({ reason: "unknown-version" });
    expect(written).toEqual([]);
    expect(held).toEqual([`${valid.topic}/1@9`]);
  });
});
