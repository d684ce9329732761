import { describe, expect, it } from "vitest";
import { deploymentTopics, encode, type BridgeStatus, type ConsumedRecord, type HtlcIntercepted, type HtlcOutcome } from "@ic/event-log";
import { sampleEvents } from "@ic/event-log/testing";
import { hexToBytes, virtualScidForNode } from "@ic/lightning-protocol";
import { clusterRecordCheck } from "../application/cluster-record-check.ts";
import { poisonLetter, readInputRecord, type InputRecord } from "./input-record.ts";

// Every input record is decided, held, ignored by design or dead-lettered as poison; this is the
// whole classification, before any I/O.
const ALPHA = "02" + "aa".repeat(32);
const BRAVO = "03" + "bb".repeat(32);
const OUTSIDER = "02" + "cc".repeat(32);
const topics = deploymentTopics("ic");
const context = { topics, check: clusterRecordCheck([{ name: "alpha", pubkey: ALPHA }, { name: "bravo", pubkey: BRAVO }]) };

const htlc: HtlcIntercepted = { ...sampleEvents()["htlc-intercepted"], nodeId: ALPHA, paymentHash: "ab".repeat(32), outgoingRequestedChanId: virtualScidForNode(hexToBytes(ALPHA)) };
const outcome = (kind: HtlcOutcome["kind"], fields: Partial<HtlcOutcome> = {}): HtlcOutcome => ({ ...sampleEvents()["htlc-outcome"], nodeId: ALPHA, paymentHash: "ab".repeat(32), kind, ...fields });
const status: BridgeStatus = { ...sampleEvents()["bridge-status"], nodeId: ALPHA, blockHeight: 300 };

function record(topic: string, value: Buffer | null, headers: ConsumedRecord["headers"]): ConsumedRecord {
  return { topic, partition: 0, offset: "7", key: null, value, headers, timestamp: "1" };
}
const encoded = <K extends Parameters<typeof encode>[0]>(topic: string, schema: K, value: Parameters<typeof encode<K>>[1]) => {
  const { value: bytes, headers } = encode(schema, value);
  return record(topic, bytes, headers);
};
const read = (r: ConsumedRecord): InputRecord => readInputRecord(r, context);

describe("readInputRecord: routed by topic, decided when readable and from its node", () => {
  it("an HTLC on its node's intercepted topic is decided", () => {
    const input = read(encoded(topics.htlcIntercepted(ALPHA), "htlc-intercepted", htlc));
    expect(input).toMatchObject({ kind: "htlc", htlc: { nodeId: ALPHA, paymentHash: htlc.paymentHash } });
    expect(poisonLetter(input)).toBeUndefined();
  });

  it("a status on its node's status topic is recorded", () => {
    expect(read(encoded(topics.bridgeStatus(ALPHA), "bridge-status", status))).toMatchObject({ kind: "bridge-status", status: { blockHeight: 300 } });
  });

  it("lnd's final word is applied; a bridge's report of what it did is ignored by design", () => {
    expect(read(encoded(topics.htlcOutcomes(ALPHA), "htlc-outcome", outcome("FINAL_SETTLED")))).toMatchObject({ kind: "final-outcome", outcome: { kind: "FINAL_SETTLED" } });
    expect(read(encoded(topics.htlcOutcomes(ALPHA), "htlc-outcome", outcome("FINAL_FAILED")))).toMatchObject({ kind: "final-outcome" });
    for (const kind of ["SETTLE_SENT", "FAIL_SENT", "SKIPPED_NOT_HELD"] as const) {
      const input = read(encoded(topics.htlcOutcomes(ALPHA), "htlc-outcome", outcome(kind)));
      expect(input).toEqual({ kind: "not-final-outcome", outcomeKind: kind });
      expect(poisonLetter(input)).toBeUndefined();
    }
  });
});

describe("readInputRecord: poison (no retry can fix it) becomes a dead letter", () => {
  for (const [name, topic] of [
    ["intercepted", topics.htlcIntercepted(ALPHA)],
    ["outcomes", topics.htlcOutcomes(BRAVO)],
    ["status", topics.bridgeStatus(BRAVO)],
  ] as const) {
    it(`garbage bytes on the ${name} topic: corrupt-payload without headers (not the wire format either) and under valid headers`, () => {
      const bare = read(record(topic, Buffer.from("not a record"), {}));
      expect(bare.kind).toBe("undecodable");
      expect(poisonLetter(bare)?.reason).toBe("corrupt-payload");
      const headers = encode("htlc-intercepted", htlc).headers;
      const garbage = read(record(topic, Buffer.from([0xff, 0xff, 0xff, 0xff, 0x01]), headers));
      expect(garbage.kind).toBe("undecodable");
      expect(poisonLetter(garbage)?.reason).toMatch(/corrupt-payload|unexpected-schema/);
    });

    it(`an unknown schema name on the ${name} topic`, () => {
      const { value, headers } = encode("htlc-intercepted", htlc);
      const input = read(record(topic, value, { ...headers, "ic-schema": "htlc-teleported" }));
      expect(poisonLetter(input)).toEqual({ reason: "unknown-schema", detail: 'unknown schema "htlc-teleported"' });
    });
  }

  it("another topic's schema (an outcome on the intercepted topic): unexpected-schema", () => {
    expect(poisonLetter(read(encoded(topics.htlcIntercepted(ALPHA), "htlc-outcome", outcome("FINAL_SETTLED"))))?.reason).toBe("unexpected-schema");
  });

  it("a record naming another node than its topic's (bravo's HTLC on alpha's topic): topic-node-mismatch", () => {
    const input = read(encoded(topics.htlcIntercepted(ALPHA), "htlc-intercepted", { ...htlc, nodeId: BRAVO, outgoingRequestedChanId: virtualScidForNode(hexToBytes(BRAVO)) }));
    expect(input).toMatchObject({ kind: "refused", refusal: { reason: "topic-node-mismatch", recordNodeId: BRAVO, topicNodeId: ALPHA, paymentHash: htlc.paymentHash } });
    expect(poisonLetter(input)?.reason).toBe("topic-node-mismatch");
    expect(read(encoded(topics.htlcOutcomes(ALPHA), "htlc-outcome", outcome("FINAL_SETTLED", { nodeId: BRAVO })))).toMatchObject({ refusal: { reason: "topic-node-mismatch" } });
    expect(read(encoded(topics.bridgeStatus(BRAVO), "bridge-status", status))).toMatchObject({ refusal: { reason: "topic-node-mismatch" } });
  });

  it("an HTLC of a forward not over the node's virtual scid: not_virtual_scid", () => {
    const input = read(encoded(topics.htlcIntercepted(ALPHA), "htlc-intercepted", { ...htlc, outgoingRequestedChanId: 42n }));
    expect(input).toMatchObject({ kind: "refused", refusal: { reason: "not_virtual_scid" } });
    expect(poisonLetter(input)?.detail).toContain("42");
  });

  it("a record of a node outside the cluster, on that node's own topic: unknown_node", () => {
    // The matcher subscribes only to its cluster's topics; this is the check behind that.
    const input = read(encoded(topics.bridgeStatus(OUTSIDER), "bridge-status", { ...status, nodeId: OUTSIDER }));
    expect(input).toMatchObject({ kind: "refused", refusal: { reason: "unknown_node" } });
    expect(poisonLetter(input)?.detail).toContain(OUTSIDER);
  });
});

describe("readInputRecord: a newer schema version is held, not dead-lettered (readers upgrade first)", () => {
  it("holds it with its decode error", () => {
    const { value, headers } = encode("htlc-intercepted", htlc);
    const input = read(record(topics.htlcIntercepted(ALPHA), value, { ...headers, "ic-schema-version": "99" }));
    expect(input.kind).toBe("newer-schema");
    expect(poisonLetter(input)).toBeUndefined();
  });
});

describe("readInputRecord: a topic the matcher does not read", () => {
  it("is a wiring bug, thrown (never a silent pass)", () => {
    expect(() => read(record(topics.htlcCommands(ALPHA), Buffer.from("x"), {}))).toThrow(/not an input topic/);
    expect(() => read(record(`ic.htlc.intercepted.v1.${OUTSIDER}x`, Buffer.from("x"), {}))).toThrow(/not an input topic/);
  });
});
