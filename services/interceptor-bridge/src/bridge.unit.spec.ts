// The whole bridge against the fake lnd (a real gRPC server on 127.0.0.1) and in-memory event
// ports. Every wait is on a condition: the fake's and the log's waitFor re-check on each change.
import { SchemaRegistryError } from "@ic/event-log";
import type { HtlcCommand } from "@ic/event-log";
import type { ReceivedResolution, WireGetInfoResponse } from "@ic/lnd-client/testing";
import { startProbeServer } from "@ic/service-probes";
import { afterEach, describe, expect, it, vi } from "vitest";
import { NodeValidationError } from "./lnd/node-validation.ts";
import {
  bridgeHarness,
  CHAN,
  coordinatorResolutions,
  hashOf,
  metricValue,
  NODE_ID,
  offerOurs,
  OTHER_NODE,
  preimageOf,
  runningBridge,
  settleFirstOffered,
  settleOffered,
  VIRTUAL_SCID,
  type BridgeHarness as Harness,
} from "./testing/bridge-harness.ts";
import { freePort } from "../../../test/support/free-port.ts";

// gRPC status codes (the fake lnd takes them as numbers).
const GrpcStatus = { UNKNOWN: 2, UNAVAILABLE: 14 } as const;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const harness = (info: Partial<WireGetInfoResponse> = {}): Promise<Harness> => bridgeHarness(cleanups, info, { lndStartupTimeoutMs: 0 });
const running = runningBridge;
const settleCommand = settleOffered;
const resolutionsAfterBarrier = (h: Harness): Promise<ReceivedResolution[]> => coordinatorResolutions(h.lnd);

function failCommand(htlcId: number, fields: Partial<HtlcCommand> = {}): HtlcCommand {
  return settleCommand(htlcId, {
    commandId: `fail-${htlcId}`,
    action: "FAIL",
    preimage: null,
    failureMessage: Buffer.alloc(292, 0xf1),
    expectedIncomingAmountMsat: null,
    expectedIncomingExpiry: null,
    ...fields,
  });
}

describe("interceptor bridge against the fake lnd", () => {
  it("resumes a forward that is not for the virtual scid at once, without publishing it", async () => {
    const h = await harness();
    const bridge = await running(h);
    h.lnd.offerHtlc({
      incoming_circuit_key: { chan_id: CHAN, htlc_id: "1" },
      outgoing_requested_chan_id: "123456789",
      payment_hash: Buffer.alloc(32, 1),
    });
    const resolution = await h.lnd.nextResolution();
    expect(resolution).toMatchObject({ action: "RESUME", incoming_circuit_key: { chan_id: CHAN, htlc_id: "1" } });

    // Published records keep lnd's order: the next (virtual) HTLC is the first one published.
    offerOurs(h.lnd, 2);
    await h.log.waitFor(() => h.log.intercepted.length === 1);
    expect(h.log.intercepted[0]?.circuitKey.htlcId).toBe(2n);
    expect(h.log.outcomes).toEqual([]);
    expect(await metricValue(bridge, "ic_bridge_htlcs_resumed_total")).toBe(1);
    expect(await metricValue(bridge, "ic_bridge_htlcs_intercepted_total")).toBe(2);
  });

  it("holds an HTLC for the virtual scid and publishes it with the block height, answering nothing", async () => {
    const h = await harness({ block_height: 812 });
    const bridge = await running(h);
    offerOurs(h.lnd, 5);
    await h.log.waitFor(() => h.log.intercepted.length === 1);
    expect(h.log.intercepted[0]).toMatchObject({
      nodeId: NODE_ID,
      circuitKey: { chanId: BigInt(CHAN), htlcId: 5n },
      paymentHash: hashOf(preimageOf(5)).toString("hex"),
      incomingAmountMsat: 10_001_000n,
      outgoingAmountMsat: 10_000_000n,
      outgoingRequestedChanId: VIRTUAL_SCID,
      autoFailHeight: 887,
      blockHeight: 812,
      onionBlob: Buffer.alloc(1366, 7),
    });
    expect(await resolutionsAfterBarrier(h)).toEqual([]);
    expect(h.lnd.heldCircuitKeys()).toEqual([`${CHAN}:5`]);
    expect(bridge.status()).toMatchObject({ phase: "running", heldHtlcs: 1, nodeId: NODE_ID, virtualScid: VIRTUAL_SCID.toString() });
  });

  it("tracks lnd's block height for the records it publishes", async () => {
    const h = await harness({ block_height: 500 });
    const bridge = await running(h);
    h.lnd.setInfo({ block_height: 501 });
    await vi.waitFor(() => expect(bridge.status().blockHeight).toBe(501));
    offerOurs(h.lnd, 1);
    await h.log.waitFor(() => h.log.intercepted.length === 1);
    expect(h.log.intercepted[0]?.blockHeight).toBe(501);
  });

  it("settles once with the command's preimage even when the command is delivered twice", async () => {
    const h = await harness();
    const bridge = await running(h);
    offerOurs(h.lnd, 3);
    await h.log.waitFor(() => h.log.intercepted.length === 1);

    await h.log.deliver(settleCommand(3), settleCommand(3));
    await h.log.deliver(settleCommand(3));
    const settle = await h.lnd.nextResolution();
    expect(settle).toMatchObject({ action: "SETTLE", preimageMatches: true, incoming_circuit_key: { chan_id: CHAN, htlc_id: "3" } });
    expect(h.log.outcomes.map((o) => [o.kind, o.commandId])).toEqual([
      ["SETTLE_SENT", "settle-3"],
      ["SETTLE_SENT", "settle-3"],
      ["SETTLE_SENT", "settle-3"],
    ]);

    // A different command for the answered key is not a second resolution either.
    await h.log.deliver(failCommand(3));
    expect(h.log.outcomes.at(-1)).toMatchObject({ kind: "SKIPPED_NOT_HELD", commandId: "fail-3" });
    expect(await resolutionsAfterBarrier(h)).toHaveLength(1);
    expect(h.lnd.interceptorStreamEnds).toEqual([]);
    expect(await metricValue(bridge, "ic_bridge_commands_applied_total", { action: "SETTLE" })).toBe(1);
    expect(await metricValue(bridge, "ic_bridge_commands_skipped_total", { reason: "not-held" })).toBe(1);
    expect(await bridge.metrics.registry.metrics()).toContain('ic_bridge_settle_latency_seconds_count{node="alpha"} 1');
  });

  it("fails a held HTLC with the matcher's 292-byte packet", async () => {
    const h = await harness();
    await running(h);
    offerOurs(h.lnd, 4);
    await h.log.waitFor(() => h.log.intercepted.length === 1);
    await h.log.deliver(failCommand(4));
    expect(await h.lnd.nextResolution()).toMatchObject({ action: "FAIL", failure_message: Buffer.alloc(292, 0xf1) });
    expect(h.log.outcomes).toMatchObject([{ kind: "FAIL_SENT", commandId: "fail-4" }]);
    expect(h.lnd.heldCircuitKeys()).toEqual([]);
  });

  it("sends nothing for a key it does not hold and reports SKIPPED_NOT_HELD; the stream stays up", async () => {
    const h = await harness();
    const bridge = await running(h);
    await h.log.deliver(settleCommand(9));
    expect(h.log.outcomes).toMatchObject([
      { kind: "SKIPPED_NOT_HELD", commandId: "settle-9", nodeId: NODE_ID, circuitKey: { chanId: BigInt(CHAN), htlcId: 9n } },
    ]);
    expect(await resolutionsAfterBarrier(h)).toEqual([]);
    expect(h.lnd.interceptorStreamEnds).toEqual([]);
    expect(bridge.status().interceptorSessions).toBe(1);
  });

  it("ignores commands addressed to other nodes", async () => {
    const h = await harness();
    await running(h);
    offerOurs(h.lnd, 6);
    await h.log.waitFor(() => h.log.intercepted.length === 1);
    await h.log.deliver(settleCommand(6, { nodeId: OTHER_NODE }));
    expect(h.log.outcomes).toEqual([]);
    expect(await resolutionsAfterBarrier(h)).toEqual([]);
  });

  it("refuses a SETTLE whose preimage does not open the hash: nothing sent, nothing reported", async () => {
    const h = await harness();
    const bridge = await running(h);
    offerOurs(h.lnd, 7);
    await h.log.waitFor(() => h.log.intercepted.length === 1);
    await h.log.deliver(settleCommand(7, { preimage: preimageOf(99) }));
    expect(await resolutionsAfterBarrier(h)).toEqual([]);
    expect(h.log.outcomes).toEqual([]);
    expect(await metricValue(bridge, "ic_bridge_commands_refused_total")).toBe(1);
    // Still held: a correct command settles it.
    await h.log.deliver(settleCommand(7, { commandId: "settle-7b" }));
    expect(await resolutionsAfterBarrier(h)).toMatchObject([{ action: "SETTLE", preimageMatches: true }]);
  });

  describe("a SETTLE reaches lnd only for the HTLC its decision was about (forged-replay defence)", () => {
    /** The attacker's real 1-sat HTLC under the circuit key a forged record named. */
    function offerOneSat(h: Harness, htlcId: number): void {
      offerOurs(h.lnd, htlcId, preimageOf(htlcId), { incoming_amount_msat: "1000", outgoing_amount_msat: "1000" });
    }

    it("the forged replay: SETTLE for 100,000,000 msat, lnd offers 1,000 msat under that key: FAIL sent, never SETTLE; refused outcome, log, counter", async () => {
      const h = await harness();
      const bridge = await running(h);
      offerOneSat(h, 31);
      await h.log.waitFor(() => h.log.intercepted.length === 1);

      await h.log.deliver(settleCommand(31, { expectedIncomingAmountMsat: 100_000_000n }));
      const received = await resolutionsAfterBarrier(h);
      expect(received).toHaveLength(1);
      expect(received[0]).toMatchObject({ action: "FAIL", failure_code: "TEMPORARY_CHANNEL_FAILURE", incoming_circuit_key: { chan_id: CHAN, htlc_id: "31" } });
      expect(h.lnd.resolutions.some((r) => r.action === "SETTLE")).toBe(false);
      expect(h.lnd.heldCircuitKeys()).toEqual([]);
      expect(h.lnd.interceptorStreamEnds).toEqual([]);

      const reason =
        "the SETTLE was decided for another HTLC than lnd holds under this circuit key: " +
        "expectedIncomingAmountMsat 100000000 but lnd offered incomingAmountMsat 1000";
      expect(h.log.outcomes).toEqual([
        {
          nodeId: NODE_ID,
          circuitKey: { chanId: BigInt(CHAN), htlcId: 31n },
          paymentHash: hashOf(preimageOf(31)).toString("hex"),
          kind: "SETTLE_REFUSED_MISMATCH",
          commandId: "settle-31",
          reason,
          atMs: expect.any(Number),
        },
      ]);
      expect(await metricValue(bridge, "ic_bridge_settle_mismatch_total", { mismatch: "incoming_amount" })).toBe(1);
      expect(await metricValue(bridge, "ic_bridge_commands_applied_total", { action: "SETTLE" })).toBe(0);
      const line = h.logLines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.reason === reason);
      expect(line).toMatchObject({
        level: 50,
        paymentHash: hashOf(preimageOf(31)).toString("hex"),
        circuitKey: `${CHAN}:31`,
        commandId: "settle-31",
        expectedIncomingAmountMsat: "100000000",
        offeredIncomingAmountMsat: "1000",
      });
      // No secret anywhere: neither the log nor the outcome carry the preimage.
      const preimageHex = preimageOf(31).toString("hex");
      expect(h.logLines.join("\n")).not.toContain(preimageHex);
      expect(JSON.stringify(h.log.outcomes, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v))).not.toContain(preimageHex);

      // Delivered again (Kafka redelivery): the refusal is repeated, nothing is sent again.
      await h.log.deliver(settleCommand(31, { expectedIncomingAmountMsat: 100_000_000n }));
      expect(h.log.outcomes.at(-1)).toMatchObject({ kind: "SETTLE_REFUSED_MISMATCH", commandId: "settle-31", reason });
      expect(await resolutionsAfterBarrier(h)).toHaveLength(1);

      // lnd's final failure is reported for the refused command, as for any answer.
      h.lnd.pushHtlcEvent({ incoming_channel_id: CHAN, incoming_htlc_id: "31", final_htlc_event: { settled: false, offchain: true } });
      await h.log.waitFor(() => h.log.outcomesOf("FINAL_FAILED").length === 1);
      expect(h.log.outcomesOf("FINAL_FAILED")[0]).toMatchObject({ commandId: "settle-31", reason: null });
    });

    it("a wrong incoming expiry: FAIL, never SETTLE", async () => {
      const h = await harness();
      const bridge = await running(h);
      offerOurs(h.lnd, 32);
      await h.log.waitFor(() => h.log.intercepted.length === 1);
      await h.log.deliver(settleCommand(32, { expectedIncomingExpiry: 901 }));
      expect(await resolutionsAfterBarrier(h)).toMatchObject([{ action: "FAIL", failure_code: "TEMPORARY_CHANNEL_FAILURE" }]);
      expect(h.log.outcomes).toMatchObject([
        { kind: "SETTLE_REFUSED_MISMATCH", reason: expect.stringContaining("expectedIncomingExpiry 901 but lnd offered incomingExpiry 900") },
      ]);
      expect(await metricValue(bridge, "ic_bridge_settle_mismatch_total", { mismatch: "incoming_expiry" })).toBe(1);
    });

    it("a SETTLE without expected values (v1-shaped): FAIL, never SETTLE", async () => {
      const h = await harness();
      const bridge = await running(h);
      offerOurs(h.lnd, 33);
      await h.log.waitFor(() => h.log.intercepted.length === 1);
      await h.log.deliver(settleCommand(33, { expectedIncomingAmountMsat: null, expectedIncomingExpiry: null }));
      expect(await resolutionsAfterBarrier(h)).toMatchObject([{ action: "FAIL", failure_code: "TEMPORARY_CHANNEL_FAILURE" }]);
      expect(h.log.outcomes).toMatchObject([{ kind: "SETTLE_REFUSED_MISMATCH", reason: expect.stringMatching(/^the SETTLE has no expected/) }]);
      expect(await metricValue(bridge, "ic_bridge_settle_mismatch_total", { mismatch: "missing_expected" })).toBe(1);
    });

    it("exact values: the SETTLE reaches lnd and no mismatch is counted", async () => {
      const h = await harness();
      const bridge = await running(h);
      offerOneSat(h, 34);
      await h.log.waitFor(() => h.log.intercepted.length === 1);
      await h.log.deliver(settleCommand(34, { expectedIncomingAmountMsat: 1_000n, expectedIncomingExpiry: 900 }));
      expect(await resolutionsAfterBarrier(h)).toMatchObject([{ action: "SETTLE", preimageMatches: true }]);
      expect(h.log.outcomes).toMatchObject([{ kind: "SETTLE_SENT", commandId: "settle-34", reason: null }]);
      expect(await metricValue(bridge, "ic_bridge_settle_mismatch_total")).toBe(0);
    });

    it("the values checked are those lnd offered on the current stream (a re-offer after reconnect)", async () => {
      const h = await harness();
      await running(h);
      offerOneSat(h, 35);
      await h.log.waitFor(() => h.log.intercepted.length === 1);
      h.lnd.endInterceptorStream({ code: GrpcStatus.UNAVAILABLE, details: "lnd restarting" });
      await h.log.waitFor(() => h.log.intercepted.length === 2);
      await h.log.deliver(settleCommand(35, { expectedIncomingAmountMsat: 100_000_000n }));
      expect(await resolutionsAfterBarrier(h)).toMatchObject([{ action: "FAIL", failure_code: "TEMPORARY_CHANNEL_FAILURE" }]);
      expect(h.lnd.resolutions.some((r) => r.action === "SETTLE")).toBe(false);
    });
  });

  it("reconnects after lnd closes the stream and publishes the re-offered HTLC again", async () => {
    const h = await harness();
    const bridge = await running(h);
    offerOurs(h.lnd, 11);
    await h.log.waitFor(() => h.log.intercepted.length === 1);

    h.lnd.endInterceptorStream({ code: GrpcStatus.UNAVAILABLE, details: "lnd shutting down" });
    await h.log.waitFor(() => h.log.intercepted.length === 2);
    const [first, second] = h.log.intercepted;
    expect(second?.circuitKey).toEqual(first?.circuitKey);
    expect(second?.paymentHash).toBe(first?.paymentHash);
    expect(second?.bridgeInstanceId).not.toBe(first?.bridgeInstanceId);
    expect(h.lnd.interceptorStreamCount).toBe(2);
    expect(await metricValue(bridge, "ic_bridge_reconnects_total", { stream: "interceptor" })).toBe(1);

    // The matcher's answer to either publication is applied on the new stream.
    await h.log.deliver(settleCommand(11));
    expect(await h.lnd.nextResolution()).toMatchObject({ action: "SETTLE", preimageMatches: true });
    expect(h.lnd.interceptorStreamEnds).toHaveLength(1);
  });

  it("keeps reconnecting, with backoff, while lnd refuses the interceptor", async () => {
    const h = await harness();
    const bridge = await running(h);
    // lnd answers a second interceptor with "interceptor already exists": simulate it by
    // ending every stream the moment it opens.
    for (let ended = 0; ended < 3; ended++) {
      await h.lnd.waitFor(() => h.lnd.interceptorConnected);
      h.lnd.endInterceptorStream({ code: GrpcStatus.UNKNOWN, details: "interceptor already exists" });
    }
    await h.lnd.waitFor(() => h.lnd.interceptorConnected && h.lnd.interceptorStreamCount === 4);
    expect(await metricValue(bridge, "ic_bridge_reconnects_total", { stream: "interceptor" })).toBe(3);
    expect(h.logLines.some((l) => l.includes("another HTLC interceptor is connected"))).toBe(true);
  });

  it("keeps the session when the event log refuses a record, and publishes it on the retry", async () => {
    const h = await harness();
    const bridge = await running(h);
    h.log.failPublishes = 1;
    offerOurs(h.lnd, 12);
    await h.log.waitFor(() => h.log.intercepted.length === 1);
    expect(h.log.intercepted[0]?.circuitKey.htlcId).toBe(12n);
    // The stream stays open (a Kafka outage must not stop the node's routing), the HTLC held.
    expect(h.lnd.interceptorStreamEnds).toEqual([]);
    expect(bridge.status().heldHtlcs).toBe(1);
    expect(await metricValue(bridge, "ic_bridge_publish_failures_total", { record: "htlc-intercepted" })).toBe(1);
  });

  it("rejects the batch when its outcomes cannot be published, and a redelivery reports them without a second send", async () => {
    const h = await harness();
    await running(h);
    offerOurs(h.lnd, 13);
    await h.log.waitFor(() => h.log.intercepted.length === 1);
    h.log.failPublishes = 1;
    await expect(h.log.deliver(settleCommand(13))).rejects.toThrow("event log unavailable");
    await h.log.deliver(settleCommand(13));
    expect(h.log.outcomes).toMatchObject([{ kind: "SETTLE_SENT", commandId: "settle-13" }]);
    expect(await resolutionsAfterBarrier(h)).toMatchObject([{ action: "SETTLE", preimageMatches: true }]);
  });

  it("reports lnd's final settle of an answered HTLC as FINAL_SETTLED", async () => {
    const h = await harness();
    const bridge = await running(h);
    await settleFirstOffered(h, 21);

    // A final event of an unrelated forward is not reported.
    h.lnd.pushHtlcEvent({ incoming_channel_id: CHAN, incoming_htlc_id: "20", final_htlc_event: { settled: true, offchain: true } });
    h.lnd.pushHtlcEvent({ incoming_channel_id: CHAN, incoming_htlc_id: "21", final_htlc_event: { settled: true, offchain: true } });
    await h.log.waitFor(() => h.log.outcomesOf("FINAL_SETTLED").length === 1);
    expect(h.log.outcomes.map((o) => [o.kind, o.circuitKey.htlcId, o.commandId])).toEqual([
      ["SETTLE_SENT", 21n, "settle-21"],
      ["FINAL_SETTLED", 21n, "settle-21"],
    ]);
    expect(bridge.status().awaitingFinal).toBe(0);
  });

  it("reports a held HTLC that lnd failed by itself as FINAL_FAILED, and no longer answers it", async () => {
    const h = await harness();
    await running(h);
    const key = offerOurs(h.lnd, 22);
    await h.log.waitFor(() => h.log.intercepted.length === 1);
    h.lnd.autoFailHtlc(key);
    h.lnd.pushHtlcEvent({ incoming_channel_id: CHAN, incoming_htlc_id: "22", final_htlc_event: { settled: false, offchain: true } });
    await h.log.waitFor(() => h.log.outcomesOf("FINAL_FAILED").length === 1);
    expect(h.log.outcomes[0]).toMatchObject({ kind: "FINAL_FAILED", commandId: null });

    // Answering it now would make lnd end the stream.
    await h.log.deliver(settleCommand(22));
    expect(h.log.outcomes.at(-1)).toMatchObject({ kind: "SKIPPED_NOT_HELD" });
    expect(await resolutionsAfterBarrier(h)).toEqual([]);
    expect(h.lnd.interceptorStreamEnds).toEqual([]);
  });

  it("does not answer a held HTLC once lnd's block height reached its auto-fail height", async () => {
    const h = await harness({ block_height: 880 });
    const bridge = await running(h);
    offerOurs(h.lnd, 23);
    await h.log.waitFor(() => h.log.intercepted.length === 1);
    h.lnd.setInfo({ block_height: 887 });
    await vi.waitFor(() => expect(bridge.status().blockHeight).toBe(887));
    await h.log.deliver(settleCommand(23));
    expect(h.log.outcomes).toMatchObject([{ kind: "SKIPPED_NOT_HELD" }]);
    expect(await resolutionsAfterBarrier(h)).toEqual([]);
    expect(await metricValue(bridge, "ic_bridge_commands_skipped_total", { reason: "auto-fail-height-reached" })).toBe(1);
  });

  it("learns a block from lnd's block notification at once: a held HTLC at its auto-fail height is not answered, whatever the poll says", async () => {
    const h = await harness({ block_height: 880 });
    // A poll that never comes in this test: only the block notification can move the height.
    const bridge = await running(h, { blockHeightPollMs: 600_000 });
    offerOurs(h.lnd, 25);
    await h.log.waitFor(() => h.log.intercepted.length === 1);
    h.lnd.mineBlock(887);
    await vi.waitFor(() => expect(bridge.status().blockHeight).toBe(887));
    await h.log.deliver(settleCommand(25));
    expect(h.log.outcomes).toMatchObject([{ kind: "SKIPPED_NOT_HELD" }]);
    expect(await resolutionsAfterBarrier(h)).toEqual([]);
    expect(await metricValue(bridge, "ic_bridge_block_height")).toBe(887);
  });

  it("reopens the block epoch stream after lnd ends it", async () => {
    const h = await harness({ block_height: 700 });
    const bridge = await running(h, { blockHeightPollMs: 600_000 });
    await vi.waitFor(() => expect(h.lnd.requests("RegisterBlockEpochNtfn")).toHaveLength(1));
    h.lnd.endBlockEpochStreams();
    await vi.waitFor(() => expect(h.lnd.requests("RegisterBlockEpochNtfn")).toHaveLength(2));
    expect(await metricValue(bridge, "ic_bridge_reconnects_total", { stream: "block_epochs" })).toBe(1);
    h.lnd.mineBlock(702);
    await vi.waitFor(() => expect(bridge.status().blockHeight).toBe(702));
  });

  it("looks up final resolutions missed while the event subscription was down", async () => {
    const h = await harness();
    const bridge = await running(h);
    await settleFirstOffered(h, 24);

    h.lnd.setHtlcResolution({ chan_id: CHAN, htlc_id: "24" }, { settled: true, offchain: true });
    h.lnd.endHtlcEventStreams({ code: GrpcStatus.UNAVAILABLE, details: "lnd restarting" });
    await h.log.waitFor(() => h.log.outcomesOf("FINAL_SETTLED").length === 1);
    expect(h.log.outcomesOf("FINAL_SETTLED")[0]).toMatchObject({ commandId: "settle-24", circuitKey: { htlcId: 24n } });
    expect(await metricValue(bridge, "ic_bridge_reconnects_total", { stream: "htlc_events" })).toBe(1);
  });

  it("after a restart between SETTLE and the final event, reads the SETTLE back and reports FINAL_SETTLED", async () => {
    const h = await harness();
    const first = await running(h);
    offerOurs(h.lnd, 31);
    offerOurs(h.lnd, 32);
    await h.log.waitFor(() => h.log.intercepted.length === 2);
    await h.log.deliver(settleCommand(31), settleCommand(32), settleCommand(33, { nodeId: OTHER_NODE }));
    await h.lnd.waitFor(() => h.lnd.resolutions.length === 2);
    await first.stop();
    expect(first.status().phase).toBe("stopped");

    // While no bridge runs, lnd makes 31 final; 32 is still in flight (say, going on chain).
    h.lnd.setHtlcResolution({ chan_id: CHAN, htlc_id: "31" }, { settled: true, offchain: true });
    const second = await running(h);
    await vi.waitFor(() => expect(second.status().recovery).toBe("done"));
    expect(second.status()).toMatchObject({ recoveredSettles: 2, awaitingFinal: 1 });
    expect(h.log.outcomesOf("FINAL_SETTLED")).toMatchObject([{ commandId: "settle-31", circuitKey: { htlcId: 31n } }]);

    // 32 becomes final later: the subscription reports it.
    h.lnd.pushHtlcEvent({ incoming_channel_id: CHAN, incoming_htlc_id: "32", final_htlc_event: { settled: true, offchain: false } });
    await h.log.waitFor(() => h.log.outcomesOf("FINAL_SETTLED").length === 2);
    expect(h.log.outcomesOf("FINAL_SETTLED")[1]).toMatchObject({ commandId: "settle-32" });
  });

  it("a stop that cancels the SETTLE read-back is not logged as a failed read", async () => {
    const h = await harness();
    const bridge = await running(h, {}, {
      connectEventPorts: async () => ({
        ...h.log.ports(),
        settleHistory: {
          settleCommands: (_nodeId, _sinceMs, signal) =>
            new Promise((_resolve, reject) =>
              signal?.addEventListener("abort", () => reject(new Error("reading SETTLE commands back was cancelled")), { once: true }),
            ),
        },
      }),
    });
    await vi.waitFor(() => expect(bridge.status().recovery).toBe("running"));
    await bridge.stop();
    expect(h.logLines.filter((l) => l.includes("could not read SETTLE commands back"))).toEqual([]);
  });

  it("leaves unanswered HTLCs held by lnd when it stops, for the next bridge", async () => {
    const h = await harness();
    const bridge = await running(h);
    offerOurs(h.lnd, 41);
    await h.log.waitFor(() => h.log.intercepted.length === 1);
    await bridge.stop();
    await h.lnd.waitFor(() => h.lnd.interceptorStreamEnds.length === 1);
    expect(h.lnd.interceptorStreamEnds).toMatchObject([{ byClient: true }]);
    expect(h.lnd.heldCircuitKeys()).toEqual([`${CHAN}:41`]);
    expect(h.log.consuming).toBe(false);
    await bridge.stop();
    expect(bridge.status().phase).toBe("stopped");

    const next = await running(h);
    await h.log.waitFor(() => h.log.intercepted.length === 2);
    expect(next.status().heldHtlcs).toBe(1);
  });

  it("never logs preimages or failure packets", async () => {
    const h = await harness();
    await running(h);
    offerOurs(h.lnd, 51, preimageOf(0xd7));
    offerOurs(h.lnd, 52);
    await h.log.waitFor(() => h.log.intercepted.length === 2);
    const settle = settleCommand(51, { preimage: preimageOf(0xd7), paymentHash: hashOf(preimageOf(0xd7)).toString("hex") });
    await h.log.deliver(settle, failCommand(52, { failureMessage: Buffer.alloc(292, 0xc3) }));
    await h.lnd.waitFor(() => h.lnd.resolutions.length === 2);
    await h.log.deliver(settle);
    const text = h.logLines.join("");
    expect(text).toContain(hashOf(preimageOf(0xd7)).toString("hex"));
    expect(text).toContain(`${CHAN}:51`);
    expect(text).not.toContain("d7".repeat(32));
    expect(text).not.toContain("c3".repeat(16));
    expect(text).not.toContain(Buffer.alloc(32, 0xd7).toString("base64"));
    for (const line of h.logLines) expect(JSON.parse(line)).toMatchObject({ nodeName: "alpha" });
  });

  it("adds Node's process metrics (monitors nothing can stop) only when it serves them", async () => {
    const bridge = await running(await harness(), {}, { metrics: undefined });
    expect(await bridge.metrics.registry.metrics()).not.toContain("process_cpu_user_seconds_total");
  });

  it("serves its metrics in Prometheus format", async () => {
    const h = await harness();
    const bridge = await running(h, { metricsPort: 0 });
    expect(bridge.status().metricsPort).toBeUndefined();
    offerOurs(h.lnd, 61);
    await h.log.waitFor(() => h.log.intercepted.length === 1);
    await vi.waitFor(async () => expect(await metricValue(bridge, "ic_bridge_htlcs_published_total")).toBe(1));
    const text = await bridge.metrics.registry.metrics();
    expect(text).toContain('ic_bridge_htlcs_published_total{node="alpha"} 1');
    expect(text).toContain('ic_bridge_stream_connected{stream="interceptor",node="alpha"} 1');
    expect(text).toContain('ic_bridge_held_htlcs{node="alpha"} 1');

    const server = await startProbeServer(bridge.metrics.registry, 0, "127.0.0.1");
    try {
      const response = await fetch(`http://127.0.0.1:${server.port}/metrics`);
      expect(response.status).toBe(200);
      expect(await response.text()).toContain('ic_bridge_htlcs_published_total{node="alpha"} 1');
      expect((await fetch(`http://127.0.0.1:${server.port}/other`)).status).toBe(404);
    } finally {
      await server.close();
    }
  });
});

describe("status records (liveness, lnd's best block)", () => {
  // Neither the poll nor the interval fires in these tests unless asked: only the start and the
  // block notifications make a status.
  const quiet = { blockHeightPollMs: 600_000, statusIntervalMs: 600_000 };

  it("publishes a status once connected, and one with the new height when lnd mines a block", async () => {
    const h = await harness({ block_height: 880 });
    const bridge = await running(h, quiet);
    await h.log.waitFor(() => h.log.statuses.length >= 1);
    expect(h.log.statuses[0]).toMatchObject({ nodeId: NODE_ID, blockHeight: 880, heldHtlcs: 0, publishBacklog: 0 });
    expect(h.log.statuses[0]?.bridgeInstanceId).toMatch(/^alpha-/);
    await vi.waitFor(() => expect(h.lnd.requests("RegisterBlockEpochNtfn")).toHaveLength(1));

    h.lnd.mineBlock(881);
    await h.log.waitFor(() => h.log.statuses.some((s) => s.blockHeight === 881));
    expect(h.log.statuses.at(-1)).toMatchObject({ nodeId: NODE_ID, blockHeight: 881, interceptorStreamOpen: true });
    expect(h.log.statuses.map((s) => s.blockHeight)).toEqual([...h.log.statuses.map((s) => s.blockHeight)].sort((a, b) => a - b));
    expect(await metricValue(bridge, "ic_bridge_status_published_total")).toBe(h.log.statuses.length);
  });

  it("says how many HTLCs it holds", async () => {
    const h = await harness({ block_height: 880 });
    await running(h, quiet);
    await vi.waitFor(() => expect(h.lnd.requests("RegisterBlockEpochNtfn")).toHaveLength(1));
    offerOurs(h.lnd, 61);
    await h.log.waitFor(() => h.log.intercepted.length === 1);
    h.lnd.mineBlock(881);
    await h.log.waitFor(() => h.log.statuses.some((s) => s.blockHeight === 881));
    expect(h.log.statuses.at(-1)).toMatchObject({ heldHtlcs: 1, interceptorStreamOpen: true });
  });

  it("publishes every statusIntervalMs while no block comes", async () => {
    const h = await harness({ block_height: 880 });
    await running(h, { blockHeightPollMs: 600_000, statusIntervalMs: 100 });
    await h.log.waitFor(() => h.log.statuses.length >= 3);
    expect(new Set(h.log.statuses.map((s) => s.blockHeight))).toEqual(new Set([880]));
    const times = h.log.statuses.map((s) => s.atMs);
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });

  it("drops a status the log refuses (counted, warned, not retried) and goes on with HTLCs; the next block's status goes out", async () => {
    const h = await harness({ block_height: 880 });
    h.log.failStatusPublishes = 1;
    const bridge = await running(h, quiet);
    await h.log.waitFor(() => h.log.refusedStatusPublishes === 1);
    await vi.waitFor(async () => expect(await metricValue(bridge, "ic_bridge_status_publish_failures_total")).toBe(1));
    expect(h.logLines.some((l) => l.includes('"level":40') && l.includes("bridge status not published"))).toBe(true);

    offerOurs(h.lnd, 62);
    await h.log.waitFor(() => h.log.intercepted.length === 1);
    await vi.waitFor(() => expect(h.lnd.requests("RegisterBlockEpochNtfn")).toHaveLength(1));
    h.lnd.mineBlock(881);
    await h.log.waitFor(() => h.log.statuses.length === 1);
    // Not the refused start status again: the one of the new block.
    expect(h.log.statuses).toMatchObject([{ blockHeight: 881 }]);
    expect(bridge.status().phase).toBe("running");
  });
});

describe("probes for a container orchestrator", () => {
  it("/healthz while it runs; /readyz only while an interceptor stream is open, saying why not", async () => {
    const h = await harness();
    const port = await freePort();
    // A reconnect delay longer than the test: the stream stays closed once lnd ends it.
    const bridge = await running(h, { metricsPort: port, metricsHost: "127.0.0.1", reconnect: { initialDelayMs: 600_000, maxDelayMs: 600_000 } });
    const get = async (path: string): Promise<{ status: number; body: Record<string, unknown> }> => {
      const response = await fetch(`http://127.0.0.1:${port}${path}`);
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    expect(await get("/healthz")).toMatchObject({ status: 200, body: { live: true, phase: "running" } });
    expect(await get("/readyz")).toMatchObject({ status: 200, body: { ready: true, interceptorStreamOpen: true } });

    h.lnd.endInterceptorStream({ code: GrpcStatus.UNAVAILABLE, details: "lnd restarting" });
    await vi.waitFor(() => expect(bridge.status().interceptorStreamOpen).toBe(false));
    expect(await get("/readyz")).toMatchObject({ status: 503, body: { ready: false, phase: "running", interceptorStreamOpen: false } });
    expect((await get("/healthz")).status).toBe(200);
  });
});

describe("start-up refusals", () => {
  it.each([
    ["another node", { identity_pubkey: OTHER_NODE }, "pubkey"],
    ["another network", { chains: [{ chain: "bitcoin", network: "mainnet" }] }, 'runs on network "mainnet"'],
    ["an old lnd", { version: "0.18.5-beta commit=v0.18.5-beta" }, "older than minLndVersion 0.19.3"],
    ["no --requireinterceptor", { require_htlc_interceptor: false }, "start lnd with --requireinterceptor"],
    ["no --store-final-htlc-resolutions", { store_final_htlc_resolutions: false }, "start lnd with --store-final-htlc-resolutions"],
  ])("refuses %s and opens no interceptor", async (_name, info, message) => {
    const h = await harness(info);
    const bridge = h.start();
    await expect(bridge.ready).rejects.toThrow(NodeValidationError);
    await expect(bridge.ready).rejects.toThrow(message);
    await vi.waitFor(() => expect(bridge.status().phase).toBe("failed"));
    expect(h.lnd.interceptorStreamCount).toBe(0);
    expect(h.log.consuming).toBe(false);
  });

  it("refuses an unreachable lnd once a configured start-up wait is over", async () => {
    const h = await harness();
    await h.lnd.stop();
    // 0 (the default) waits as long as it takes (kafka-outage.unit.spec.ts); a limit gives up.
    const bridge = h.start({ lndStartupTimeoutMs: 1 });
    const error = await bridge.ready.catch((e: unknown) => e as NodeValidationError);
    expect(error).toBeInstanceOf(NodeValidationError);
    expect(error?.problems.map((p) => p.check)).toEqual(["reachable"]);
    expect(error?.message).toContain("Fix: start lnd");
  });

  it("waits for an lnd whose wallet is still locked", async () => {
    const h = await harness();
    h.lnd.setState("LOCKED");
    const bridge = h.start({ lndStartupTimeoutMs: 60_000 });
    await vi.waitFor(() => expect(h.logLines.some((line) => line.includes("waiting for lnd"))).toBe(true));
    expect(bridge.status().phase).toBe("starting");
    h.lnd.setState("SERVER_ACTIVE");
    await bridge.ready;
    expect(bridge.status().phase).toBe("running");
  });

  it("fails start-up when the command consumer dies while it joins, instead of running without it", async () => {
    const h = await harness();
    const bridge = h.start({}, {
      connectEventPorts: async () => {
        const ports = h.log.ports();
        return {
          ...ports,
          commands: {
            start: async (handler, onFatal) => {
              await ports.commands.start(handler, onFatal);
              onFatal(new Error("consumer crashed (injected)"));
            },
            stop: () => ports.commands.stop(),
          },
        };
      },
    });
    await expect(bridge.ready).rejects.toThrow("consumer crashed (injected)");
    await vi.waitFor(() => expect(bridge.status()).toMatchObject({ phase: "failed", error: "consumer crashed (injected)" }));
    expect(bridge.status().interceptorStreamOpen).toBe(false);
    expect(h.log.consuming).toBe(false);
  });

  it("does not start, and does not retry, when the schema registry does not answer (the error names its URL)", async () => {
    const h = await harness();
    let attempts = 0;
    const bridge = h.start({}, {
      connectEventPorts: async () => {
        attempts++;
        throw new SchemaRegistryError("unreachable", "the schema registry at http://127.0.0.1:9/apis/ccompat/v7 did not answer (connect ECONNREFUSED 127.0.0.1:9)");
      },
    });
    await expect(bridge.ready).rejects.toThrow("the schema registry at http://127.0.0.1:9/apis/ccompat/v7 did not answer");
    await vi.waitFor(() => expect(bridge.status().phase).toBe("failed"));
    expect(attempts).toBe(1);
    expect(bridge.status().interceptorStreamOpen).toBe(false);
  });

  it("stops cleanly when stopped during start-up", async () => {
    const h = await harness();
    h.lnd.setState("LOCKED");
    const bridge = h.start({ lndStartupTimeoutMs: 60_000 });
    await vi.waitFor(() => expect(h.logLines.some((line) => line.includes("waiting for lnd"))).toBe(true));
    await bridge.stop();
    await expect(bridge.ready).rejects.toThrow();
    expect(bridge.status().phase).toBe("stopped");
    expect(h.lnd.interceptorStreamCount).toBe(0);
  });
});
