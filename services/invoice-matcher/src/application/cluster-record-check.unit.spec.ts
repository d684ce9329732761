import { describe, expect, it } from "vitest";
import { hexToBytes, virtualScidForNode } from "@ic/lightning-protocol";
import { clusterRecordCheck } from "./cluster-record-check.ts";

// The matcher decides only records that could come from a cluster node's bridge: the node is
// configured, and the forward was asked over that node's own virtual scid.
const ALPHA = "02" + "aa".repeat(32);
const BRAVO = "03" + "bb".repeat(32);
const OUTSIDER = "02" + "cc".repeat(32);
const scidOf = (pubkey: string) => virtualScidForNode(hexToBytes(pubkey));
const check = clusterRecordCheck([
  { name: "alpha", pubkey: ALPHA },
  { name: "bravo", pubkey: BRAVO },
]);

describe("an HTLC record is decided only when it names a cluster node and that node's virtual scid", () => {
  it("accepted: alpha's record over alpha's virtual scid; bravo's over bravo's", () => {
    expect(check.htlcRecord({ nodeId: ALPHA, outgoingRequestedChanId: scidOf(ALPHA) })).toBeUndefined();
    expect(check.htlcRecord({ nodeId: BRAVO, outgoingRequestedChanId: scidOf(BRAVO) })).toBeUndefined();
  });

  it("rejected: a node that is not in the cluster, even with its own virtual scid", () => {
    const refusal = check.htlcRecord({ nodeId: OUTSIDER, outgoingRequestedChanId: scidOf(OUTSIDER) });
    expect(refusal?.reason).toBe("unknown_node");
    expect(refusal?.message).toContain(OUTSIDER);
  });

  it("rejected: a node id not written the way the config writes it (uppercase hex)", () => {
    expect(check.htlcRecord({ nodeId: ALPHA.toUpperCase(), outgoingRequestedChanId: scidOf(ALPHA) })?.reason).toBe("unknown_node");
  });

  it("rejected: alpha's record over bravo's virtual scid (lnd never forwards that to alpha's interceptor as virtual)", () => {
    const refusal = check.htlcRecord({ nodeId: ALPHA, outgoingRequestedChanId: scidOf(BRAVO) });
    expect(refusal?.reason).toBe("not_virtual_scid");
    expect(refusal?.message).toContain(String(scidOf(ALPHA)));
  });

  it("rejected: alpha's record over a real channel id", () => {
    expect(check.htlcRecord({ nodeId: ALPHA, outgoingRequestedChanId: (850_000n << 40n) | 1n })?.reason).toBe("not_virtual_scid");
  });
});

describe("a bridge status record is recorded only when it names a cluster node", () => {
  it("accepted: alpha's status", () => {
    expect(check.statusRecord({ nodeId: ALPHA })).toBeUndefined();
  });

  it("rejected: an outsider's status (its block height never reaches the ticker)", () => {
    expect(check.statusRecord({ nodeId: OUTSIDER })?.reason).toBe("unknown_node");
  });
});

describe("an outcome record is applied only when it names a cluster node", () => {
  it("accepted: bravo's outcome", () => {
    expect(check.outcomeRecord({ nodeId: BRAVO })).toBeUndefined();
  });

  it("rejected: an outsider's FINAL_SETTLED claim", () => {
    expect(check.outcomeRecord({ nodeId: OUTSIDER })?.reason).toBe("unknown_node");
  });
});
