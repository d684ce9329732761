import { describe, expect, it } from "vitest";
import type { ConsumedRecord } from "./committing-consumer.ts";
import { deadLetterView, parseSourceRef, replayPlan, REPLAYED_FROM_HEADER } from "./dead-letter-inspection.ts";
import { deadLetterMessage } from "./dead-letters.ts";

const source: ConsumedRecord = {
  topic: "ic.htlc.intercepted.v1.02ab",
  partition: 2,
  offset: "41",
  key: Buffer.from("cafe", "hex"),
  value: Buffer.from([1, 2, 3]),
  headers: { "ic-schema": "htlc-intercepted", "ic-schema-version": "1" },
  timestamp: "1700000000000",
};
/** A dead letter as read back from its topic at partition 0, offset 5. */
function readBack(options: Parameters<typeof deadLetterMessage>[2]) {
  const message = deadLetterMessage(source, { reason: "fingerprint-mismatch", detail: "edited" }, options);
  const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, Buffer.from(String(v))]));
  return { topic: "ic.matcher.dead-letters.v1", partition: 0, offset: "5", key: message.key as Buffer | null, value: (message.value ?? null) as Buffer | null, headers };
}

describe("deadLetterView", () => {
  it("shows where it is, why, where it came from, and the source record", () => {
    expect(deadLetterView(readBack({ value: "copy" }))).toEqual({
      at: "ic.matcher.dead-letters.v1/0@5",
      reason: "fingerprint-mismatch",
      detail: "edited",
      source: "ic.htlc.intercepted.v1.02ab/2@41",
      sourceTimestampMs: "1700000000000",
      headers: { "ic-schema": "htlc-intercepted", "ic-schema-version": "1" },
      keyHex: "cafe",
      valueBase64: Buffer.from([1, 2, 3]).toString("base64"),
    });
  });

  it("says a value was left out, and how long it was", () => {
    expect(deadLetterView(readBack({ value: "omit" }))).toMatchObject({ valueBase64: null, valueOmittedBytes: "3" });
  });
});

describe("replayPlan", () => {
  it("writes the source record as it was to its source topic, marked as replayed", () => {
    const plan = replayPlan(readBack({ value: "copy" }));
    if (!plan.ok) throw new Error(plan.problem);
    expect(plan.topic).toBe(source.topic);
    expect(plan.message.key).toEqual(source.key);
    expect(plan.message.value).toEqual(source.value);
    expect(Object.keys(plan.message.headers ?? {}).sort()).toEqual(["ic-schema", "ic-schema-version", REPLAYED_FROM_HEADER].sort());
    expect(plan.message.headers?.[REPLAYED_FROM_HEADER]).toBe("ic.matcher.dead-letters.v1/0@5");
  });

  it("refuses a dead letter without its value (a command's), naming where the record still is", () => {
    const plan = replayPlan(readBack({ value: "omit" }));
    expect(plan).toEqual({ ok: false, problem: expect.stringContaining("ic.htlc.intercepted.v1.02ab/2@41") });
  });

  it("refuses a record that is not a dead letter", () => {
    expect(replayPlan({ topic: "t", partition: 0, offset: "1", key: null, value: Buffer.from("x"), headers: {} }).ok).toBe(false);
  });
});

describe("parseSourceRef", () => {
  it("reads topic/partition@offset and nothing else", () => {
    expect(parseSourceRef("ic.htlc.outcomes.v1.02ab/0@17")).toEqual({ topic: "ic.htlc.outcomes.v1.02ab", partition: 0, offset: "17" });
    for (const bad of ["t/0", "t@1", "t/x@1", "/0@1", "t/0@-1"]) expect(parseSourceRef(bad), bad).toBeUndefined();
  });
});
