import { describe, expect, it } from "vitest";
import { parsePrometheusText, sumOf } from "./prometheus-text.ts";

// The shape prom-client serves a bridge's registry in (default label node, one labelled gauge).
const BRIDGE_PAGE = `# HELP ic_bridge_stream_connected 1 while the lnd stream is open
# TYPE ic_bridge_stream_connected gauge
ic_bridge_stream_connected{stream="interceptor",node="alpha"} 1
ic_bridge_stream_connected{stream="htlc_events",node="alpha"} 0

# HELP ic_bridge_block_height lnd's best block height
# TYPE ic_bridge_block_height gauge
ic_bridge_block_height{node="alpha"} 1234
ic_bridge_held_htlcs{node="alpha"} 3
ic_bridge_publish_backlog{record="htlc",node="alpha"} 2
ic_bridge_publish_backlog{record="outcome",node="alpha"} 5
ic_bridge_commands_applied_total{action="SETTLE",node="alpha"} 7 1700000000000
ic_bridge_settle_latency_seconds_bucket{le="+Inf",node="alpha"} 7
`;

describe("parsePrometheusText", () => {
  it("reads every sample with its labels and skips comments and blank lines", () => {
    const parsed = parsePrometheusText(BRIDGE_PAGE);
    expect(parsed.unreadableLines).toBe(0);
    expect(parsed.samples).toHaveLength(8);
    expect(parsed.samples[0]).toEqual({ name: "ic_bridge_stream_connected", labels: { stream: "interceptor", node: "alpha" }, value: 1 });
    expect(parsed.samples.find((s) => s.name === "ic_bridge_commands_applied_total")?.value).toBe(7);
    expect(parsed.samples.find((s) => s.name === "ic_bridge_settle_latency_seconds_bucket")?.labels).toEqual({ le: "+Inf", node: "alpha" });
  });

  it("sums a metric over its series, optionally only those with some labels", () => {
    const { samples } = parsePrometheusText(BRIDGE_PAGE);
    expect(sumOf(samples, "ic_bridge_publish_backlog")).toBe(7);
    expect(sumOf(samples, "ic_bridge_publish_backlog", { record: "outcome" })).toBe(5);
    expect(sumOf(samples, "ic_bridge_commands_applied_total", { action: "FAIL" })).toBeUndefined();
    expect(sumOf(samples, "no_such_metric")).toBeUndefined();
  });

  it("unescapes label values and reads special values", () => {
    const { samples } = parsePrometheusText('m{a="x\\"y",b="l1\\nl2",c="back\\\\slash"} +Inf\nn NaN\no -Inf\np 1e3\n');
    expect(samples[0]).toEqual({ name: "m", labels: { a: 'x"y', b: "l1\nl2", c: "back\\slash" }, value: Infinity });
    expect(Number.isNaN(samples[1]?.value)).toBe(true);
    expect(samples[2]?.value).toBe(-Infinity);
    expect(samples[3]?.value).toBe(1000);
  });

  it("counts lines it cannot read instead of failing the whole page", () => {
    const parsed = parsePrometheusText('good 1\n{no_name="x"} 1\nbad{a="unterminated} 1\nnovalue\ntoo many 1 2 3\nbad_value{a="b"} twelve\n<html>\nalso_good{x="y"} 2\n');
    expect(parsed.samples.map((s) => s.name)).toEqual(["good", "also_good"]);
    expect(parsed.unreadableLines).toBe(6);
  });
});
