import { encode } from "@ic/event-log";
import type { InterceptedHtlc } from "@ic/lnd-client";
import { hexToBytes, virtualScidForNode } from "@ic/lightning-protocol";
import { describe, expect, it } from "vitest";
import { decideIntercepted, type InterceptContext } from "./intercept-decision.ts";

const NODE_ID = "02" + "7e".repeat(30) + "0102";
const VIRTUAL_SCID = virtualScidForNode(hexToBytes(NODE_ID));

const context: InterceptContext = {
  nodeId: NODE_ID,
  virtualScid: VIRTUAL_SCID,
  blockHeight: 812,
  nowMs: 1_700_000_000_123,
  sessionId: "alpha-1234/3",
};

function htlc(fields: Partial<InterceptedHtlc> = {}): InterceptedHtlc {
  return {
    // A real scid above 2^53: it must survive exactly.
    incomingCircuitKey: { chanId: (900_000n << 40n) | (17n << 16n) | 1n, htlcId: 7n },
    incomingAmountMsat: 10_001_000n,
    incomingExpiry: 900,
    paymentHash: Buffer.alloc(32, 0xaa),
    outgoingRequestedChanId: VIRTUAL_SCID,
    outgoingAmountMsat: 10_000_000n,
    outgoingExpiry: 860,
    customRecords: new Map([[65_537n, Buffer.from("hi")]]),
    onionBlob: Buffer.alloc(1366, 3),
    autoFailHeight: 887,
    inWireCustomRecords: new Map(),
    outgoingRequestedNodeId: undefined,
    ...fields,
  };
}

describe("what the bridge does with an offered HTLC", () => {
  it("resumes a forward over any other scid at once", () => {
    expect(decideIntercepted(htlc({ outgoingRequestedChanId: 123_456n }), context)).toEqual({ kind: "resume" });
  });

  it("resumes a forward over another cluster node's virtual scid (not this node's to answer)", () => {
    const different = virtualScidForNode(hexToBytes("02" + "7e".repeat(30) + "0103"));
    expect(decideIntercepted(htlc({ outgoingRequestedChanId: different }), context)).toEqual({ kind: "resume" });
  });

  it("resumes a blinded node-id forward (scid 2^64-1)", () => {
    const blinded = htlc({ outgoingRequestedChanId: 2n ** 64n - 1n, outgoingRequestedNodeId: Buffer.alloc(33, 2) });
    expect(decideIntercepted(blinded, context)).toEqual({ kind: "resume" });
  });

  it("holds a forward over this node's virtual scid and builds its HtlcIntercepted record", () => {
    const decision = decideIntercepted(htlc(), context);
    expect(decision.kind).toBe("hold");
    if (decision.kind !== "hold") return;
    expect(decision.record).toEqual({
      nodeId: NODE_ID,
      circuitKey: { chanId: (900_000n << 40n) | (17n << 16n) | 1n, htlcId: 7n },
      paymentHash: "aa".repeat(32),
      incomingAmountMsat: 10_001_000n,
      outgoingAmountMsat: 10_000_000n,
      incomingExpiry: 900,
      outgoingExpiry: 860,
      autoFailHeight: 887,
      outgoingRequestedChanId: VIRTUAL_SCID,
      onionBlob: Buffer.alloc(1366, 3),
      customRecords: { "65537": Buffer.from("hi") },
      blockHeight: 812,
      interceptedAtMs: 1_700_000_000_123,
      bridgeInstanceId: "alpha-1234/3",
    });
    // The record is valid for the event log's schema.
    expect(() => encode("htlc-intercepted", decision.record)).not.toThrow();
  });

  it("fails back an HTLC for the virtual scid whose onion cannot be handed over", () => {
    expect(decideIntercepted(htlc({ onionBlob: Buffer.alloc(0) }), context)).toEqual({
      kind: "fail",
      failureCode: "TEMPORARY_CHANNEL_FAILURE",
      reason: "onion blob of 0 bytes, expected 1366",
    });
  });
});
