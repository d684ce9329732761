import { describe, expect, it } from "vitest";
import { concurrencySpec, matcherLatencySpec, renderSvg } from "./draw-charts.ts";

describe("benchmark charts", () => {
  it("renders latency against offered load as SVG, with a line per matcher count and percentile", async () => {
    const svg = await renderSvg(
      matcherLatencySpec([
        { matchers: 1, offeredPerS: 50, decisionsPerS: 50, p50Ms: 12, p99Ms: 30 },
        { matchers: 1, offeredPerS: 100, decisionsPerS: 99, p50Ms: 14, p99Ms: 45 },
        { matchers: 2, offeredPerS: 50, decisionsPerS: 50, p50Ms: 13, p99Ms: 31 },
      ]),
    );
    expect(svg.startsWith("<svg")).toBe(true);
    for (const label of ["1 matcher, p50", "1 matcher, p99", "2 matchers, p50", "offered HTLC records per second"]) expect(svg).toContain(label);
  });

  it("renders payments per second against concurrency for both kinds", async () => {
    const svg = await renderSvg(
      concurrencySpec([
        { level: 1, nativePerS: 8, coordinatorPerS: 7, nativeP50: 120, coordinatorP50: 130, nativeP99: 150, coordinatorP99: 170 },
        { level: 8, nativePerS: 30, coordinatorPerS: 27, nativeP50: 220, coordinatorP50: 250, nativeP99: 300, coordinatorP99: 350 },
      ]),
    );
    expect(svg).toContain("native lnd invoice");
    expect(svg).toContain("coordinator invoice");
  });
});
