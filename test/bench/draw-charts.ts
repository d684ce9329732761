// Draws the benchmarks' results (.run/bench/*.json, written by matcher-load.bench.ts and
// concurrent-payments.bench.ts) as SVG charts for docs/performance.md, with Vega-Lite (compiled
// to a Vega view and rendered headless to SVG; no browser).
// Usage: tsx test/bench/draw-charts.ts [results dir, default .run/bench] [output dir, default docs/performance]
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as vega from "vega";
import * as vegaLite from "vega-lite";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

interface MatcherStep {
  matchers: number;
  offeredPerS: number;
  decisionsPerS: number;
  p50Ms: number;
  p99Ms: number;
}

interface ConcurrencyLevel {
  level: number;
  nativePerS: number;
  coordinatorPerS: number;
  nativeP50: number;
  coordinatorP50: number;
  nativeP99: number;
  coordinatorP99: number;
}

export async function renderSvg(spec: vegaLite.TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Latency against offered load, one line per matcher count and percentile (log scale: saturation jumps). */
export function matcherLatencySpec(steps: readonly MatcherStep[]): vegaLite.TopLevelSpec {
  const rows = steps.flatMap((s) => [
    { offered: s.offeredPerS, latency: s.p50Ms, series: `${s.matchers} matcher${s.matchers > 1 ? "s" : ""}, p50` },
    { offered: s.offeredPerS, latency: s.p99Ms, series: `${s.matchers} matcher${s.matchers > 1 ? "s" : ""}, p99` },
  ]);
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: "Matcher: publish -> command latency against offered load",
    width: 520,
    height: 300,
    data: { values: rows },
    mark: { type: "line", point: true },
    encoding: {
      x: { field: "offered", type: "quantitative", title: "offered HTLC records per second" },
      y: { field: "latency", type: "quantitative", title: "latency (ms, log scale)", scale: { type: "log" } },
      color: { field: "series", type: "nominal", title: null },
    },
  };
}

/** Payments per second against concurrency, native lnd and the coordinator through the same node. */
export function concurrencySpec(levels: readonly ConcurrencyLevel[]): vegaLite.TopLevelSpec {
  const rows = levels.flatMap((l) => [
    { concurrency: l.level, perS: l.nativePerS, kind: "native lnd invoice" },
    { concurrency: l.level, perS: l.coordinatorPerS, kind: "coordinator invoice" },
  ]);
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: "Payments per second through alpha",
    width: 520,
    height: 300,
    data: { values: rows },
    mark: { type: "line", point: true },
    encoding: {
      x: { field: "concurrency", type: "quantitative", title: "payments in flight", scale: { type: "log", base: 2 } },
      y: { field: "perS", type: "quantitative", title: "payments per second" },
      color: { field: "kind", type: "nominal", title: null },
    },
  };
}

async function main(): Promise<void> {
  const resultsDir = path.resolve(process.argv[2] ?? path.join(repo, ".run/bench"));
  const outDir = path.resolve(process.argv[3] ?? path.join(repo, "docs/performance"));
  mkdirSync(outDir, { recursive: true });
  let drawn = 0;
  const matcherFile = path.join(resultsDir, "matcher-load.json");
  if (existsSync(matcherFile)) {
    const { steps } = JSON.parse(readFileSync(matcherFile, "utf8")) as { steps: MatcherStep[] };
    writeFileSync(path.join(outDir, "matcher-latency.svg"), await renderSvg(matcherLatencySpec(steps)));
    drawn++;
  }
  const concurrencyFile = path.join(resultsDir, "concurrent-payments.json");
  if (existsSync(concurrencyFile)) {
    const { levels } = JSON.parse(readFileSync(concurrencyFile, "utf8")) as { levels: ConcurrencyLevel[] };
    writeFileSync(path.join(outDir, "payments-per-second.svg"), await renderSvg(concurrencySpec(levels)));
    drawn++;
  }
  if (drawn === 0) throw new Error(`no results in ${resultsDir}: run test/bench/matcher-load.bench.ts or test/bench/concurrent-payments.bench.ts first`);
  process.stderr.write(`[draw-charts] ${drawn} chart(s) written to ${path.relative(repo, outDir)}\n`);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
