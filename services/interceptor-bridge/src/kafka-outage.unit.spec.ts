// A Kafka outage does not stop the node's routing, and start-up waits instead of dying: the whole
// bridge against the fake lnd (a real gRPC server on 127.0.0.1) and the in-memory event log with
// Kafka switched off and on. Every wait is on a condition, never on time.
import { createServer, connect as tcpConnect, type Server, type Socket } from "node:net";
import { connectLnd } from "@ic/lnd-client";
import type { FakeLnd, WireGetInfoResponse } from "@ic/lnd-client/testing";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { RunningBridge } from "./bridge.ts";
import type { BridgeConfigInput } from "./config.ts";
import {
  bridgeHarness,
  CHAN,
  coordinatorResolutions,
  metricValue,
  offerOurs,
  routeForward,
  runningBridge,
  settleFirstOffered,
  settleOffered,
  type BridgeHarness,
} from "./testing/bridge-harness.ts";
import { freePort } from "../../../test/support/free-port.ts";

const GrpcStatus = { UNAVAILABLE: 14 } as const;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const harness = (info: Partial<WireGetInfoResponse> = {}): Promise<BridgeHarness> => bridgeHarness(cleanups, info);
const running = (h: BridgeHarness, config: Partial<BridgeConfigInput> = {}): Promise<RunningBridge> => runningBridge(h, config);
const settleCommand = settleOffered;

async function probe(port: number, path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe("a Kafka outage does not stop the node's routing", () => {
  it("keeps the stream: ordinary forwards are resumed, virtual HTLCs wait in the backlog and are published in order when Kafka returns", async () => {
    const h = await harness();
    const port = await freePort();
    const bridge = await running(h, { metricsPort: port, metricsHost: "127.0.0.1" });
    h.log.setUnavailable(true);

    offerOurs(h.lnd, 1);
    offerOurs(h.lnd, 2);
    await h.log.waitFor(() => h.log.refusedWhileUnavailable >= 2);
    // Routing through the node goes on while Kafka is away.
    await routeForward(h.lnd);
    offerOurs(h.lnd, 3);
    await routeForward(h.lnd);
    await vi.waitFor(() => expect(bridge.status().publishBacklog).toBe(3));
    expect(bridge.status().kafka).toMatch(/^unreachable since \d{4}-\d\d-\d\dT.*Z: event log unavailable/);
    expect(bridge.status().heldHtlcs).toBe(3);
    expect(h.lnd.heldCircuitKeys().sort()).toEqual([`${CHAN}:1`, `${CHAN}:2`, `${CHAN}:3`]);

    const readyz = await probe(port, "/readyz");
    expect(readyz).toMatchObject({ status: 503, body: { ready: false, interceptorStreamOpen: true, publishBacklog: 3 } });
    expect(String(readyz.body["kafka"])).toMatch(/^unreachable since /);
    expect(await metricValue(bridge, "ic_bridge_publish_backlog", { record: "htlc-intercepted" })).toBe(3);
    expect(h.lnd.interceptorStreamEnds).toEqual([]);

    h.log.setUnavailable(false);
    await h.log.waitFor(() => h.log.intercepted.length === 3);
    expect(h.log.intercepted.map((r) => r.circuitKey.htlcId)).toEqual([1n, 2n, 3n]);
    await vi.waitFor(() => expect(bridge.status().publishBacklog).toBe(0));
    expect(bridge.status().kafka).toBe("reachable");
    expect(await probe(port, "/readyz")).toMatchObject({ status: 200, body: { ready: true, kafka: "reachable", publishBacklog: 0 } });
    expect(await metricValue(bridge, "ic_bridge_publish_backlog", { record: "htlc-intercepted" })).toBe(0);
    // The stream was never closed: no reconnect, no re-offer.
    expect(h.lnd.interceptorStreamEnds).toEqual([]);
    expect(h.lnd.interceptorStreamCount).toBe(1);

    // The published HTLCs are answered as usual.
    await h.log.deliver(settleCommand(2));
    expect(await coordinatorResolutions(h.lnd)).toMatchObject([{ action: "SETTLE", preimageMatches: true, incoming_circuit_key: { htlc_id: "2" } }]);
  });

  it("fails a new virtual HTLC at once with TEMPORARY_CHANNEL_FAILURE when the backlog is full; a later SETTLE for it is a skip", async () => {
    const h = await harness();
    const bridge = await running(h, { publishBacklogLimit: 2 });
    h.log.setUnavailable(true);
    offerOurs(h.lnd, 1);
    offerOurs(h.lnd, 2);
    await vi.waitFor(() => expect(bridge.status().publishBacklog).toBe(2));

    offerOurs(h.lnd, 3);
    expect(await coordinatorResolutions(h.lnd)).toMatchObject([
      { action: "FAIL", failure_code: "TEMPORARY_CHANNEL_FAILURE", incoming_circuit_key: { htlc_id: "3" } },
    ]);
    expect(h.lnd.heldCircuitKeys().sort()).toEqual([`${CHAN}:1`, `${CHAN}:2`]);
    expect(bridge.status()).toMatchObject({ heldHtlcs: 2, publishBacklog: 2 });
    expect(await metricValue(bridge, "ic_bridge_backlog_failed_total", { reason: "backlog_full" })).toBe(1);

    h.log.setUnavailable(false);
    await h.log.waitFor(() => h.log.intercepted.length === 2);
    expect(h.log.intercepted.map((r) => r.circuitKey.htlcId)).toEqual([1n, 2n]);
    await h.log.deliver(settleCommand(3));
    expect(h.log.outcomes).toMatchObject([{ kind: "SKIPPED_NOT_HELD", commandId: "settle-3" }]);
    expect(await coordinatorResolutions(h.lnd)).toHaveLength(1);
    expect(h.lnd.interceptorStreamEnds).toEqual([]);
  });

  it("fails a backlog entry that reaches the auto-fail margin with TEMPORARY_CHANNEL_FAILURE; a later SETTLE for it is a skip", async () => {
    const h = await harness({ block_height: 880 });
    // Only block notifications move the height in this test.
    const bridge = await running(h, { blockHeightPollMs: 600_000, backlogAutoFailMarginBlocks: 3 });
    h.log.setUnavailable(true);
    offerOurs(h.lnd, 1); // auto-fail height 887: failed from 884 on
    await vi.waitFor(() => expect(bridge.status().publishBacklog).toBe(1));
    await h.log.waitFor(() => h.log.refusedWhileUnavailable >= 1);

    h.lnd.mineBlock(883);
    await vi.waitFor(() => expect(bridge.status().blockHeight).toBe(883));
    expect(await coordinatorResolutions(h.lnd)).toEqual([]);
    expect(bridge.status().publishBacklog).toBe(1);

    h.lnd.mineBlock(884);
    await h.lnd.waitFor(() => h.lnd.heldCircuitKeys().length === 0);
    expect(await coordinatorResolutions(h.lnd)).toMatchObject([
      { action: "FAIL", failure_code: "TEMPORARY_CHANNEL_FAILURE", incoming_circuit_key: { htlc_id: "1" } },
    ]);
    expect(bridge.status()).toMatchObject({ heldHtlcs: 0, publishBacklog: 0 });
    expect(await metricValue(bridge, "ic_bridge_backlog_failed_total", { reason: "auto_fail_margin" })).toBe(1);

    // Kafka returns: nothing is published for it, and the matcher's SETTLE (say, from an earlier
    // stream's record) is not answered: the key was released when the bridge failed it.
    h.log.setUnavailable(false);
    await h.log.deliver(settleCommand(1));
    expect(h.log.outcomes).toMatchObject([{ kind: "SKIPPED_NOT_HELD", commandId: "settle-1" }]);
    expect(await coordinatorResolutions(h.lnd)).toHaveLength(1);
    expect(h.log.intercepted).toEqual([]);
    expect(h.lnd.interceptorStreamEnds).toEqual([]);
  });

  it("drops the backlog of a stream that ends; lnd offers the HTLC again and the new stream's record is published", async () => {
    const h = await harness();
    const bridge = await running(h);
    h.log.setUnavailable(true);
    offerOurs(h.lnd, 1);
    await h.log.waitFor(() => h.log.refusedWhileUnavailable >= 1);
    h.lnd.endInterceptorStream({ code: GrpcStatus.UNAVAILABLE, details: "lnd restarting" });
    await h.lnd.waitFor(() => h.lnd.interceptorConnected && h.lnd.interceptorStreamCount === 2);
    await vi.waitFor(() => expect(bridge.status()).toMatchObject({ interceptorSessions: 2, heldHtlcs: 1, publishBacklog: 1 }));

    h.log.setUnavailable(false);
    await h.log.waitFor(() => h.log.intercepted.length === 1);
    await vi.waitFor(() => expect(bridge.status().publishBacklog).toBe(0));
    expect(h.log.intercepted).toHaveLength(1);
    expect(h.log.intercepted[0]?.bridgeInstanceId).toMatch(/\/2$/);
  });

  it("keeps a FINAL outcome that cannot be published and publishes it when Kafka returns, without reopening the HTLC event stream", async () => {
    const h = await harness();
    const bridge = await running(h);
    await settleFirstOffered(h, 1);

    h.log.setUnavailable(true);
    h.lnd.pushHtlcEvent({ incoming_channel_id: CHAN, incoming_htlc_id: "1", final_htlc_event: { settled: true, offchain: true } });
    await h.log.waitFor(() => h.log.refusedWhileUnavailable >= 2);
    expect(bridge.status().outcomeBacklog).toBe(1);
    expect(await metricValue(bridge, "ic_bridge_publish_backlog", { record: "htlc-outcome" })).toBe(1);

    h.log.setUnavailable(false);
    await h.log.waitFor(() => h.log.outcomesOf("FINAL_SETTLED").length === 1);
    expect(h.log.outcomesOf("FINAL_SETTLED")[0]).toMatchObject({ commandId: "settle-1", circuitKey: { htlcId: 1n } });
    await vi.waitFor(() => expect(bridge.status().outcomeBacklog).toBe(0));
    expect(h.lnd.requests("SubscribeHtlcEvents")).toHaveLength(1);
  });
});

/** A TCP port in front of the fake lnd: nothing listens on it (connections refused) until opened. */
async function door(target: FakeLnd): Promise<{ address: string; open(): Promise<void>; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const [host, targetPort] = target.address.split(":") as [string, string];
  const port = await freePort();
  const server: Server = createServer((socket) => {
    const upstream = tcpConnect(Number(targetPort), host);
    for (const s of [socket, upstream]) {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
    }
    socket.pipe(upstream).pipe(socket);
    socket.on("error", () => upstream.destroy());
    upstream.on("error", () => socket.destroy());
  });
  return {
    address: `127.0.0.1:${port}`,
    open: () => new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve)),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe("start-up waits instead of dying", () => {
  it("lnd unreachable at start: retries, says so in the log and /readyz, and runs once lnd comes up", async () => {
    const h = await harness();
    const gate = await door(h.lnd);
    cleanups.push(() => gate.close());
    const port = await freePort();
    const bridge = h.start(
      { lnd: { grpcAddress: gate.address, tlsCertPath: "unused", macaroonPath: "unused" }, metricsPort: port, metricsHost: "127.0.0.1" },
      { connectLnd: () => connectLnd(h.lnd.connectOptions({ grpcAddress: gate.address })) },
    );
    await vi.waitFor(() => expect(h.logLines.filter((l) => l.includes(`waiting for lnd at ${gate.address}`)).length).toBeGreaterThanOrEqual(2), {
      timeout: 20_000,
    });
    expect(bridge.status()).toMatchObject({ phase: "starting" });
    expect(bridge.status().waitingFor).toContain(`lnd at ${gate.address}`);
    const readyz = await probe(port, "/readyz");
    expect(readyz).toMatchObject({ status: 503, body: { ready: false, phase: "starting" } });
    expect(String(readyz.body["waitingFor"])).toContain(`lnd at ${gate.address}`);
    expect((await probe(port, "/healthz")).status).toBe(200);

    await gate.open();
    await bridge.ready;
    await h.lnd.waitFor(() => h.lnd.interceptorConnected);
    expect(bridge.status()).toMatchObject({ phase: "running", waitingFor: undefined });
    expect(await probe(port, "/readyz")).toMatchObject({ status: 200, body: { ready: true } });
  }, 60_000);

  it("lnd not synced to the chain at start: waits for it, then runs", async () => {
    const h = await harness({ synced_to_chain: false });
    const bridge = h.start();
    await vi.waitFor(() => expect(h.logLines.some((l) => l.includes("to sync to the chain"))).toBe(true));
    expect(bridge.status().phase).toBe("starting");
    expect(bridge.status().waitingFor).toMatch(/to sync to the chain/);
    expect(h.lnd.interceptorStreamCount).toBe(0);
    h.lnd.setInfo({ synced_to_chain: true });
    await bridge.ready;
    expect(bridge.status().phase).toBe("running");
    expect(h.logLines.some((l) => l.includes("lnd is not synced to the chain"))).toBe(false);
  });

  it("Kafka unreachable at start: routing already goes on, start-up retries, /readyz says so, and it runs once Kafka answers", async () => {
    const h = await harness();
    h.log.setUnavailable(true);
    const port = await freePort();
    const bridge = h.start({ metricsPort: port, metricsHost: "127.0.0.1" });
    await h.log.waitFor(() => h.log.refusedConnects >= 2);
    expect(bridge.status().phase).toBe("starting");
    expect(bridge.status().waitingFor).toMatch(/^Kafka at 127\.0\.0\.1:1 \(connect ECONNREFUSED/);
    expect(h.logLines.some((l) => l.includes("waiting for Kafka"))).toBe(true);
    const readyz = await probe(port, "/readyz");
    expect(readyz).toMatchObject({ status: 503, body: { ready: false, phase: "starting" } });
    expect(String(readyz.body["waitingFor"])).toMatch(/^Kafka at /);

    // The interceptor is open meanwhile: lnd would otherwise hold every forward.
    await h.lnd.waitFor(() => h.lnd.interceptorConnected);
    await routeForward(h.lnd);
    offerOurs(h.lnd, 1);
    await vi.waitFor(() => expect(bridge.status().publishBacklog).toBe(1));

    h.log.setUnavailable(false);
    await bridge.ready;
    await h.log.waitFor(() => h.log.intercepted.length === 1);
    expect(h.log.consuming).toBe(true);
    expect(bridge.status()).toMatchObject({ phase: "running", waitingFor: undefined });
    await vi.waitFor(async () => expect(await probe(port, "/readyz")).toMatchObject({ status: 200, body: { ready: true, kafka: "reachable" } }));
  });

  it("still refuses a misconfiguration at once (another node): no waiting", async () => {
    const h = await harness({ identity_pubkey: "03" + "44".repeat(32) });
    h.log.setUnavailable(true);
    const bridge = h.start();
    await expect(bridge.ready).rejects.toThrow("pubkey");
    expect(h.log.refusedConnects).toBe(0);
    expect(h.lnd.interceptorStreamCount).toBe(0);
  });
});
