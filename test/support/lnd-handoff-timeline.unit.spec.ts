import { describe, expect, it } from "vitest";
import {
  bridgeMarksByHash,
  parseLndLine,
  parseLndLog,
  paymentSegments,
  paymentSteps,
  type ProbedPayment,
} from "./lnd-handoff-timeline.ts";

const hash = "b24cb2093f".padEnd(64, "0");
const t = (clock: string): number => Date.parse(`2026-12-02T${clock}Z`);
const lnd = (clock: string, text: string): string => `2026-12-02 ${clock} [DBG] ${text}`;
const chan = "51f0ec97";

// One payment's lines as lnd 0.21 writes them (shortened), payer side and alpha side.
const payerLog = [
  lnd("20:31:36.460", "RPCS: [/routerrpc.Router/SendPaymentV2] requested"),
  lnd("20:31:36.465", `CRTR: Sending HTLC attempt(id=7, total_amt=1000000 mSAT) for payment ${hash}`),
  lnd(
    "20:31:36.466",
    `PEER: Peer(02c4): Sending UpdateAddHTLC(chan_id=${chan}, id=6, amt=1000000 mSAT, expiry=591, hash=${hash.slice(0, 10)}`,
  ),
  "    continuation of a multi-line trace dump",
  lnd("20:31:36.521", `PEER: Peer(02c4): Sending CommitSig(chan_id=${chan}, num_htlcs=1)`),
  lnd("20:31:36.550", `PEER: Peer(02c4): Sending RevokeAndAck(chan_id=${chan}, rev=b2)`),
  lnd("20:31:36.590", `CRTR: Payment ${hash}: status=Succeeded, active_shards=0`),
].join("\n");

describe("parseLndLine", () => {
  it("reads lnd's UTC time and skips continuation lines", () => {
    expect(parseLndLine(lnd("20:31:36.460", "x"))?.atMs).toBe(t("20:31:36.460"));
    expect(parseLndLine("    (*lnwire.CommitSig)(0x37f9)({")).toBeUndefined();
  });

  it("keeps only lines inside the window", () => {
    expect(parseLndLog(payerLog, t("20:31:36.500"), t("20:31:36.560")).map((l) => l.atMs)).toEqual([
      t("20:31:36.521"),
      t("20:31:36.550"),
    ]);
  });
});

describe("paymentSteps (one payment in flight)", () => {
  const payer = parseLndLog(payerLog, 0, Number.MAX_SAFE_INTEGER);

  it("a native payment: the commitment dance, then alpha's invoice registry settles and fulfils in the same step", () => {
    const alpha = parseLndLog(
      [
        lnd("20:31:36.525", `PEER: Peer(03bb): Sending RevokeAndAck(chan_id=${chan}, rev=b26)`),
        lnd("20:31:36.534", `PEER: Peer(03bb): Sending CommitSig(chan_id=${chan}, num_htlcs=1)`),
        lnd("20:31:36.553", "HSWC: ChannelLink(3631:0): processing 1 remote adds for height 13").replace(
          "[DBG]",
          "[TRC]",
        ),
        lnd(
          "20:31:36.581",
          `INVC: Invoice(pay_hash=${hash}, pay_addr=a0): settle resolution result outcome: settled`,
        ),
        lnd("20:31:36.581", `PEER: Peer(03bb): Sending UpdateFulfillHTLC(chan_id=${chan}, id=6, preimage=82`),
      ].join("\n"),
      0,
      Number.MAX_SAFE_INTEGER,
    );
    const p: ProbedPayment = {
      kind: "native",
      paymentHash: hash,
      startMs: t("20:31:36.458"),
      endMs: t("20:31:36.592"),
    };
    expect(paymentSteps(p, payer, alpha, undefined)).toEqual({
      rpcReceived: 2,
      attemptSent: 5,
      addSent: 1,
      payerCommitSig: 55,
      alphaRevoke: 4,
      alphaCommitSig: 9,
      payerRevoke: 16,
      alphaLockedIn: 3,
      alphaHandOff: 28,
      settleDecided: 0,
      alphaFulfill: 0,
      payerSucceeded: 9,
      callerDone: 2,
    });
    expect(paymentSegments(p, payer, alpha, undefined)).toEqual({
      sendToAddSent: 8,
      addSentToHandOff: 115,
      coordinatorPath: 0,
      decidedToFulfill: 0,
      fulfillToSucceeded: 9,
      total: 134,
    });
  });

  it("a coordinator payment: alpha forwards to the switch, the bridge holds it and writes SETTLE, alpha fulfils that HTLC id", () => {
    const alpha = parseLndLog(
      [
        lnd("20:31:36.525", `PEER: Peer(03bb): Sending RevokeAndAck(chan_id=${chan}, rev=b26)`),
        lnd("20:31:36.534", `PEER: Peer(03bb): Sending CommitSig(chan_id=${chan}, num_htlcs=1)`),
        lnd("20:31:36.553", "HSWC: ChannelLink(3631:0): processing 1 remote adds for height 13"),
        lnd("20:31:36.570", "HSWC: ChannelLink(3631:0): forwarding 1 packets to switch: reforward=false"),
        lnd(
          "20:31:36.584",
          `PEER: Peer(03bb): Sending UpdateFulfillHTLC(chan_id=${chan}, id=16, preimage=11`,
        ),
        lnd("20:31:36.586", `PEER: Peer(03bb): Sending UpdateFulfillHTLC(chan_id=${chan}, id=6, preimage=82`),
      ].join("\n"),
      0,
      Number.MAX_SAFE_INTEGER,
    );
    const bridgeLog = [
      JSON.stringify({
        time: new Date(t("20:31:36.571")).toISOString(),
        msg: "holding an HTLC for the coordinator",
        paymentHash: hash,
        circuitKey: "550855325581312:6",
      }),
      JSON.stringify({
        time: new Date(t("20:31:36.583")).toISOString(),
        msg: "SETTLE sent to lnd",
        paymentHash: hash,
        circuitKey: "550855325581312:6",
      }),
      "not json",
    ].join("\n");
    const bridge = bridgeMarksByHash(bridgeLog).get(hash);
    expect(bridge).toEqual({ offeredAtMs: t("20:31:36.571"), settleSentAtMs: t("20:31:36.583"), htlcId: 6 });
    const p: ProbedPayment = {
      kind: "coordinator",
      paymentHash: hash,
      startMs: t("20:31:36.458"),
      endMs: t("20:31:36.592"),
    };
    const steps = paymentSteps(p, payer, alpha, bridge);
    expect(steps).toMatchObject({ alphaLockedIn: 3, alphaHandOff: 17, bridgeOffered: 1, settleDecided: 12 });
    // The first fulfil after the SETTLE, whichever HTLC (one payment in flight): id 16 here.
    expect(steps.alphaFulfill).toBe(1);
    // Segments find the fulfil by the bridge's HTLC id, so overlapping payments are told apart.
    expect(paymentSegments(p, payer, alpha, bridge)).toEqual({
      sendToAddSent: 8,
      addSentToHandOff: 105,
      coordinatorPath: 12,
      decidedToFulfill: 3,
      fulfillToSucceeded: 4,
      total: 134,
    });
  });

  it("leaves out a step whose line is missing instead of guessing it", () => {
    const p: ProbedPayment = {
      kind: "coordinator",
      paymentHash: hash,
      startMs: t("20:31:36.458"),
      endMs: t("20:31:36.592"),
    };
    const steps = paymentSteps(p, payer, [], undefined);
    expect(steps.alphaRevoke).toBeUndefined();
    expect(steps.bridgeOffered).toBeUndefined();
    expect(paymentSegments(p, payer, [], undefined)).toEqual({ sendToAddSent: 8, total: 134 });
  });
});
