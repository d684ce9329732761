// The status reporter alone: one publish in flight at most, a report asked for meanwhile taken
// after it from the state as it is then, failures counted and dropped.
import { afterEach, describe, expect, it } from "vitest";
import type { BridgeStatus } from "@ic/event-log";
import { createBridgeLogger } from "./bridge-logger.ts";
import { createBridgeMetrics } from "./bridge-metrics.ts";
import { StatusReporter } from "./status-reporter.ts";

const NODE_ID = "02" + "11".repeat(32);
const controllers: AbortController[] = [];
afterEach(() => {
  for (const c of controllers.splice(0)) c.abort();
});

function setup() {
  const controller = new AbortController();
  controllers.push(controller);
  const live = { blockHeight: 100, interceptorStreamOpen: true, heldHtlcs: 0, publishBacklog: 0 };
  const lines: string[] = [];
  const metrics = createBridgeMetrics("alpha");
  const reporter = new StatusReporter({
    nodeId: NODE_ID,
    instanceId: "alpha-1",
    intervalMs: 600_000,
    snapshot: () => ({ ...live }),
    metrics,
    logger: createBridgeLogger("alpha", "debug", { write: (line: string) => void lines.push(line) }),
    now: () => 1_000,
    signal: controller.signal,
  });
  return { controller, live, lines, metrics, reporter };
}

/** A publisher whose publishes wait until released. */
function gatedPublisher() {
  const sent: BridgeStatus[] = [];
  const gates: { resolve: () => void; reject: (e: Error) => void }[] = [];
  return {
    sent,
    gates,
    publisher: {
      publishStatus: (record: BridgeStatus) =>
        new Promise<void>((resolve, reject) => {
          sent.push(record);
          gates.push({ resolve, reject });
        }),
    },
  };
}

describe("StatusReporter", () => {
  it("sends nothing before start, then the state at start", async () => {
    const { reporter, live } = setup();
    const { publisher, sent, gates } = gatedPublisher();
    reporter.report("block");
    expect(sent).toEqual([]);
    reporter.start(publisher);
    expect(sent).toEqual([{ nodeId: NODE_ID, bridgeInstanceId: "alpha-1", ...live, atMs: 1_000 }]);
    gates[0]?.resolve();
    await reporter.pending;
  });

  it("keeps one publish in flight and sends the latest state once after it, not every report", async () => {
    const { reporter, live } = setup();
    const { publisher, sent, gates } = gatedPublisher();
    reporter.start(publisher);
    for (const height of [101, 102, 103]) {
      live.blockHeight = height;
      reporter.report("block");
    }
    expect(sent.map((s) => s.blockHeight)).toEqual([100]);
    gates[0]?.resolve();
    await reporter.pending;
    expect(sent.map((s) => s.blockHeight)).toEqual([100, 103]);
    gates[1]?.resolve();
    await reporter.pending;
    expect(sent).toHaveLength(2);
  });

  it("counts a failed publish, warns once per run of failures (debug after), and does not retry it", async () => {
    const { reporter, live, lines, metrics } = setup();
    const { publisher, sent, gates } = gatedPublisher();
    reporter.start(publisher);
    gates[0]?.reject(new Error("broker gone"));
    await reporter.pending;
    live.blockHeight = 101;
    reporter.report("block");
    gates[1]?.reject(new Error("broker gone"));
    await reporter.pending;
    expect(sent.map((s) => s.blockHeight)).toEqual([100, 101]);
    const failures = (await metrics.statusPublishFailures.get()).values[0]?.value;
    expect(failures).toBe(2);
    const dropped = lines.filter((l) => l.includes("bridge status not published"));
    expect(dropped.map((l) => (JSON.parse(l) as { level: number }).level)).toEqual([40, 20]);
    reporter.report("interval");
    gates[2]?.resolve();
    await reporter.pending;
    expect(lines.some((l) => l.includes("bridge status published again"))).toBe(true);
  });

  it("stops reporting once the bridge stops", async () => {
    const { reporter, controller } = setup();
    const { publisher, sent, gates } = gatedPublisher();
    reporter.start(publisher);
    gates[0]?.resolve();
    await reporter.pending;
    controller.abort();
    reporter.report("block");
    expect(sent).toHaveLength(1);
  });
});
