import type { InvoiceView } from "@ic/invoice-api-client";
import { describe, expect, it } from "vitest";
import { bridgeCounter, bridgeRow, countByState, counterRate, invoiceRow, lagRows, matcherRow, perSecond, searchQuery, type Reading } from "./console-model.ts";
import { parsePrometheusText, type ParsedMetrics } from "./prometheus-text.ts";

const scrape = (text: string): Reading<ParsedMetrics> => ({ ok: true, value: parsePrometheusText(text) });
const ALPHA = `02${"a".repeat(64)}`;
const BRAVO = `03${"b".repeat(64)}`;

describe("bridgeRow", () => {
  const page = scrape(
    [
      'ic_bridge_stream_connected{stream="interceptor",node="alpha"} 1',
      'ic_bridge_stream_connected{stream="htlc_events",node="alpha"} 1',
      'ic_bridge_block_height{node="alpha"} 812',
      'ic_bridge_held_htlcs{node="alpha"} 2',
      'ic_bridge_publish_backlog{record="htlc",node="alpha"} 1',
      'ic_bridge_publish_backlog{record="outcome",node="alpha"} 4',
      'ic_bridge_commands_applied_total{action="SETTLE",node="alpha"} 9',
      'ic_bridge_commands_applied_total{action="FAIL",node="alpha"} 3',
    ].join("\n"),
  );

  it("shows what the bridge's metrics say: lnd connected, height, held HTLCs, backlog over every record type", () => {
    expect(bridgeRow("alpha", { pubkey: ALPHA, bridgeConnected: true }, page, 0)).toEqual({
      node: "alpha",
      pubkey: ALPHA,
      apiSaysConnected: true,
      commandLag: 0,
      metrics: "up",
      error: undefined,
      lndConnected: true,
      blockHeight: 812,
      heldHtlcs: 2,
      publishBacklog: 5,
      decisionsApplied: 12,
    });
  });

  it("lnd counts as connected only while both streams are open", () => {
    const oneDown = scrape('ic_bridge_stream_connected{stream="interceptor"} 1\nic_bridge_stream_connected{stream="htlc_events"} 0');
    expect(bridgeRow("alpha", undefined, oneDown, undefined).lndConnected).toBe(false);
  });

  it("an unreachable bridge is a state with its reason, every figure unknown", () => {
    const row = bridgeRow("bravo", { pubkey: BRAVO, bridgeConnected: false }, { ok: false, error: "ECONNREFUSED" }, undefined);
    expect(row).toMatchObject({ node: "bravo", metrics: "unreachable", error: "ECONNREFUSED", apiSaysConnected: false, blockHeight: undefined, heldHtlcs: undefined });
  });

  it("a node the API names but the config gives no metrics URL is 'not configured'", () => {
    expect(bridgeRow("charlie", { pubkey: ALPHA, bridgeConnected: true }, undefined, undefined).metrics).toBe("not configured");
  });
});

describe("matcherRow", () => {
  it("reads the matcher's gauges and counters, or says why it could not", () => {
    const row = matcherRow("m1", scrape('ic_matcher_tick_block_height 900\nic_matcher_stalled_partitions 0\nic_matcher_htlcs_received_total 12\nic_matcher_commands_published_total{action="SETTLE"} 5\nic_matcher_commands_published_total{action="FAIL"} 2\nic_matcher_outbox_publish_failures_total 0'));
    expect(row).toEqual({ name: "m1", metrics: "up", error: undefined, tickBlockHeight: 900, stalledPartitions: 0, htlcsDecided: 12, commandsPublished: 7, outboxPublishFailures: 0 });
    expect(matcherRow("m2", { ok: false, error: "timed out" })).toMatchObject({ metrics: "unreachable", error: "timed out", tickBlockHeight: undefined });
  });
});

describe("lagRows", () => {
  it("per topic: high watermark less the committed offset; an uncommitted partition counts from its low watermark", () => {
    const rows = lagRows(
      [
        { topic: "t.a", partition: 0, offset: "10" },
        { topic: "t.a", partition: 1, offset: "-1" },
        { topic: "t.b", partition: 0, offset: "7" },
      ],
      [
        { topic: "t.a", partition: 0, low: "0", high: "15" },
        { topic: "t.a", partition: 1, low: "3", high: "8" },
        { topic: "t.b", partition: 0, low: "0", high: "7" },
        { topic: "t.b", partition: 1, low: "2", high: "2" },
      ],
    );
    expect(rows).toEqual([
      { topic: "t.a", lag: 5 + 5, uncommittedPartitions: 1 },
      { topic: "t.b", lag: 0, uncommittedPartitions: 1 },
    ]);
  });

  it("never reports negative lag (a commit ahead of a stale watermark)", () => {
    expect(lagRows([{ topic: "t", partition: 0, offset: "12" }], [{ topic: "t", partition: 0, low: "0", high: "10" }])[0]?.lag).toBe(0);
  });
});

describe("invoiceRow", () => {
  const invoice: InvoiceView = {
    paymentHash: "ab".repeat(32),
    externalRef: "order-1",
    bolt11: "lnbcrt1...",
    status: "SETTLED",
    mode: "auto",
    amountMsat: 1_500_000_000n,
    amountPaidMsat: 1_500_000_000n,
    createdAtMs: 1,
    expiresAtMs: 2,
    htlcs: [
      { nodeId: BRAVO, chanId: 2n ** 63n + 5n, htlcId: 1n, amountMsat: 500_000_000n, status: "SETTLED" },
      { nodeId: ALPHA, chanId: 7n, htlcId: 0n, amountMsat: 1_000_000_000n, status: "SETTLED" },
      { nodeId: ALPHA, chanId: 7n, htlcId: 2n, amountMsat: 0n, status: "SETTLED" },
    ],
  };

  it("names the node each part arrived through and keeps uint64 values exact as strings (bigint is not JSON)", () => {
    const row = invoiceRow(invoice, new Map([[ALPHA, "alpha"], [BRAVO, "bravo"]]));
    expect(row.parts.map((p) => [p.node, p.chanId, p.amountMsat])).toEqual([
      ["bravo", "9223372036854775813", "500000000"],
      ["alpha", "7", "1000000000"],
      ["alpha", "7", "0"],
    ]);
    expect(row.nodes).toEqual(["alpha", "bravo"]);
    expect(row.amountMsat).toBe("1500000000");
    expect(JSON.parse(JSON.stringify(row))).toEqual(row);
  });

  it("a part from a node the API did not name shows its pubkey; an amount-less invoice has amount null", () => {
    const row = invoiceRow({ ...invoice, amountMsat: null }, new Map());
    expect(row.nodes).toEqual([ALPHA, BRAVO]);
    expect(row.amountMsat).toBeNull();
  });
});

describe("small rules", () => {
  it("countByState lists every state, zero included", () => {
    expect(countByState([{ status: "SETTLED" }, { status: "OPEN" }, { status: "SETTLED" }])).toEqual({
      OPEN: 1,
      ACCEPTED: 0,
      SETTLE_REQUESTED: 0,
      SETTLED: 2,
      SETTLE_FAILED: 0,
      CANCELLED: 0,
      EXPIRED: 0,
    });
  });

  it("searchQuery: 64 hex characters are a payment hash (lowercased), anything else a reference, blank nothing", () => {
    expect(searchQuery(` ${"AB".repeat(32)} `)).toEqual({ paymentHash: "ab".repeat(32) });
    expect(searchQuery("order-42")).toEqual({ externalRef: "order-42" });
    expect(searchQuery("ab".repeat(31))).toEqual({ externalRef: "ab".repeat(31) });
    expect(searchQuery("   ")).toBeUndefined();
  });

  it("counterRate: per second between readings; none before the second reading; a reset counts from zero", () => {
    expect(counterRate(undefined, 10, 1)).toBe(0);
    expect(counterRate(10, 16, 2)).toBe(3);
    expect(counterRate(10, 4, 2)).toBe(2);
    expect(counterRate(10, undefined, 1)).toBe(0);
    expect(perSecond(3, 1500)).toBe(2);
    expect(perSecond(3, 0)).toBe(0);
  });

  it("bridgeCounter sums a labelled counter over the bridges that answered", () => {
    const a = scrape('ic_bridge_commands_applied_total{action="SETTLE"} 4\nic_bridge_commands_applied_total{action="FAIL"} 1');
    const b = scrape('ic_bridge_commands_applied_total{action="SETTLE"} 6');
    expect(bridgeCounter([a, b, { ok: false, error: "x" }, undefined], "ic_bridge_commands_applied_total", { action: "SETTLE" })).toBe(10);
    expect(bridgeCounter([{ ok: false, error: "x" }], "ic_bridge_commands_applied_total", { action: "SETTLE" })).toBeUndefined();
    // Before a bridge's first settle its labelled counter has no series: 0, so the first settle is a rise.
    expect(bridgeCounter([scrape("ic_bridge_held_htlcs 0")], "ic_bridge_commands_applied_total", { action: "SETTLE" })).toBe(0);
  });
});
