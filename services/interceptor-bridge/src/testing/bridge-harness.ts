// The bridge's own tests' fixtures, written once: the fake lnd's node and its virtual scid, the
// coordinator HTLCs a test offers through the fake, the SETTLE commands for them, and a whole
// bridge started against the fake lnd (a real gRPC server on 127.0.0.1) and the in-memory event
// log. Every wait is on a condition: the fake's and the log's waitFor re-check on each change.
import { createHash } from "node:crypto";
import type { HtlcCommand } from "@ic/event-log";
import { connectLnd } from "@ic/lnd-client";
import { startFakeLnd, type FakeLnd, type ReceivedResolution, type WireCircuitKey, type WireGetInfoResponse } from "@ic/lnd-client/testing";
import { hexToBytes, virtualScidForNode } from "@ic/lightning-protocol";
import { startBridge, type BridgeDeps, type RunningBridge } from "../bridge.ts";
import { createBridgeLogger } from "../bridge-logger.ts";
import { createBridgeMetrics } from "../bridge-metrics.ts";
import type { BridgeConfigInput } from "../config.ts";
import { InMemoryEventLog } from "./in-memory-event-log.ts";

/** The fake lnd's default identity. */
export const NODE_ID = "02" + "11".repeat(32);
/** Another cluster node: commands for it are not this bridge's. */
export const OTHER_NODE = "03" + "44".repeat(32);
export const VIRTUAL_SCID = virtualScidForNode(hexToBytes(NODE_ID));

/** A short channel id as lnd writes it (decimal), for (block, transaction, output): above 2^53. */
export const scid = (block: bigint, tx: bigint, output: bigint): string => ((block << 40n) | (tx << 16n) | output).toString();

export const preimageOf = (n: number): Buffer => Buffer.alloc(32, n);
export const hashOf = (preimage: Buffer): Buffer => createHash("sha256").update(preimage).digest();

/**
 * A SETTLE of HTLC `htlcId` on channel `chan` with preimageOf(htlcId). Its expected values are the
 * fake lnd's defaults for an offered HTLC (0): a SETTLE names exactly the HTLC lnd offered, so a
 * test that offers other values says so in `fields`.
 */
export function settleCommand(chan: string, htlcId: number, fields: Partial<HtlcCommand> = {}): HtlcCommand {
  const preimage = preimageOf(htlcId);
  return {
    commandId: `settle-${htlcId}`,
    nodeId: NODE_ID,
    circuitKey: { chanId: BigInt(chan), htlcId: BigInt(htlcId) },
    paymentHash: hashOf(preimage).toString("hex"),
    action: "SETTLE",
    preimage,
    failureMessage: null,
    failureCode: null,
    expectedIncomingAmountMsat: 0n,
    expectedIncomingExpiry: 0,
    issuedAtMs: 1,
    ...fields,
  };
}

/** What offerOurs offers by default; a SETTLE for it names these. */
export const OFFERED = { incomingAmountMsat: 10_001_000n, incomingExpiry: 900 } as const;

/** The unit tests' channel: block 900000, transaction 17, output 1. */
export const CHAN = scid(900_000n, 17n, 1n);

/** Offers a coordinator HTLC (for the virtual scid) on CHAN, paying to preimage's hash. */
export function offerOurs(lnd: FakeLnd, htlcId: number, preimage = preimageOf(htlcId), fields: object = {}): WireCircuitKey {
  const key = { chan_id: CHAN, htlc_id: String(htlcId) };
  lnd.offerHtlc({
    incoming_circuit_key: key,
    payment_hash: hashOf(preimage),
    outgoing_requested_chan_id: VIRTUAL_SCID.toString(),
    incoming_amount_msat: OFFERED.incomingAmountMsat.toString(),
    outgoing_amount_msat: "10000000",
    incoming_expiry: OFFERED.incomingExpiry,
    outgoing_expiry: 860,
    auto_fail_height: 887,
    onion_blob: Buffer.alloc(1366, 7),
    ...fields,
  });
  return key;
}

/** A SETTLE for what offerOurs offered under htlcId. */
export function settleOffered(htlcId: number, fields: Partial<HtlcCommand> = {}): HtlcCommand {
  return settleCommand(CHAN, htlcId, { expectedIncomingAmountMsat: OFFERED.incomingAmountMsat, expectedIncomingExpiry: OFFERED.incomingExpiry, ...fields });
}

/**
 * An HTLC answered by a SETTLE: offers coordinator HTLC `htlcId` (with no other on the log yet),
 * waits until it is on the log, delivers its SETTLE and waits until lnd got the answer.
 */
export async function settleFirstOffered(h: BridgeHarness, htlcId: number): Promise<void> {
  offerOurs(h.lnd, htlcId);
  await h.log.waitFor(() => h.log.intercepted.length === 1);
  await h.log.deliver(settleOffered(htlcId));
  await h.lnd.nextResolution();
}

let forwards = 0;
/** Offers an ordinary forward (not the virtual scid, on channel 77) and waits for its RESUME. */
export async function routeForward(lnd: FakeLnd): Promise<void> {
  const htlcId = String(++forwards);
  lnd.offerHtlc({ incoming_circuit_key: { chan_id: "77", htlc_id: htlcId }, outgoing_requested_chan_id: "5", payment_hash: Buffer.alloc(32, 0xbb) });
  await lnd.waitFor(() =>
    lnd.resolutions.some((r) => r.incoming_circuit_key.chan_id === "77" && r.incoming_circuit_key.htlc_id === htlcId && r.action === "RESUME"),
  );
}

/**
 * The resolutions lnd received for coordinator HTLCs, read after a barrier: an ordinary forward is
 * offered and its RESUME awaited. Answers travel in order on the stream, so anything the bridge
 * wrote before has arrived by then, and "nothing was sent" is a fact.
 */
export async function coordinatorResolutions(lnd: FakeLnd): Promise<ReceivedResolution[]> {
  await routeForward(lnd);
  return lnd.resolutions.filter((r) => r.incoming_circuit_key.chan_id !== "77");
}

/** A metric's value in the bridge's registry (0 when it has none with those labels). */
export async function metricValue(bridge: RunningBridge, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = (await bridge.metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
  const value = metric?.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l));
  return value?.value ?? 0;
}

export interface BridgeHarness {
  lnd: FakeLnd;
  log: InMemoryEventLog;
  logLines: string[];
  start(config?: Partial<BridgeConfigInput>, deps?: BridgeDeps): RunningBridge;
}

/**
 * A fake lnd (its getinfo overridden by `info`) and an in-memory event log; start() runs a bridge
 * "alpha" against them, with `base` under each start's own config. What is started is stopped by
 * the functions pushed onto `cleanups`, which the test file runs after each test, last first.
 */
export async function bridgeHarness(
  cleanups: (() => Promise<void>)[],
  info: Partial<WireGetInfoResponse> = {},
  base: Partial<BridgeConfigInput> = {},
): Promise<BridgeHarness> {
  const lnd = await startFakeLnd();
  lnd.setInfo(info);
  cleanups.push(() => lnd.stop());
  const log = new InMemoryEventLog();
  const logLines: string[] = [];
  return {
    lnd,
    log,
    logLines,
    start(config = {}, deps = {}) {
      const bridge = startBridge(
        {
          nodeName: "alpha",
          lnd: { grpcAddress: lnd.address, tlsCertPath: "unused", macaroonPath: "unused" },
          expectedPubkey: NODE_ID,
          network: "regtest",
          // In-memory event ports: no broker is ever reached.
          kafka: { brokers: ["127.0.0.1:1"], allowUnauthenticated: true },
          reconnect: { initialDelayMs: 5, maxDelayMs: 40 },
          blockHeightPollMs: 10,
          ...base,
          ...config,
        },
        {
          connectLnd: () => connectLnd(lnd.connectOptions()),
          // Fails while the log is set unavailable (Kafka unreachable at start), else log.ports().
          connectEventPorts: () => log.connectPorts(),
          logger: createBridgeLogger("alpha", "debug", { write: (line: string) => void logLines.push(line) }),
          metrics: createBridgeMetrics("alpha"),
          ...deps,
        },
      );
      cleanups.push(() => bridge.stop());
      return bridge;
    },
  };
}

/** h.start(...), once the bridge is ready and its interceptor stream open. */
export async function runningBridge(h: BridgeHarness, config: Partial<BridgeConfigInput> = {}, deps: BridgeDeps = {}): Promise<RunningBridge> {
  const bridge = h.start(config, deps);
  await bridge.ready;
  await h.lnd.waitFor(() => h.lnd.interceptorConnected);
  return bridge;
}
