// Where HTLCs queue inside the coordinator (issue 9), read off one concurrent-payments run's
// matcher log (.run/bench/bench-<run>/matcher.log, info level). The HTLC trace (htlc-trace.ts)
// says how long each segment took; this says why one took longer under concurrency:
// - bursts: how many HTLCs lnd offered within 2 ms of the one before (a commitment's batch);
// - decide by company: an HTLC's decide time (taken off the topic -> committed) against how many
//   other decisions were under way when it was taken (they share the matcher's one thread and
//   its Postgres connections);
// - waited for the consumer: an HTLC produced while the matcher was busy (some decision ended
//   between its produce and its receipt) against one that found it idle; kafkajs fetches again
//   only when every batch of the last fetch was handled, so a record arriving meanwhile waits
//   for the slowest decision of that fetch plus a fetch round trip;
// - waited for an outbox round: a command whose publish came after another round's
//   acknowledgement (a round was in flight when its decision committed) against one that did not.
// Usage: tsx test/bench/htlc-queueing.ts <run dir> [--skip 16] [--take 96]
//   --skip / --take: which settle decisions, in log order (the bench's warm-up comes first, then
//   its levels in order, each level's coordinator payments one after another).
import { readFileSync } from "node:fs";
import path from "node:path";
import { runWhenMain, wholeNumbers } from "./bench-cli.ts";

const USAGE = "usage: tsx test/bench/htlc-queueing.ts <run dir> [--skip 16] [--take 96]";

export interface QueueingOptions {
  dir: string;
  skip: number;
  take: number | undefined;
}

export function parseQueueingOptions(argv: readonly string[]): QueueingOptions {
  const [dir, ...rest] = argv;
  if (dir === undefined || dir.startsWith("--")) throw new Error(`a run directory first (the one holding matcher.log)\n${USAGE}`);
  const options: QueueingOptions = { dir, skip: 0, take: undefined };
  for (let i = 0; i < rest.length; i += 2) {
    const [flag, value] = [rest[i], rest[i + 1]];
    if (flag === "--skip") options.skip = value === "0" ? 0 : wholeNumbers(flag, value, 100_000, USAGE)[0]!;
    else if (flag === "--take") options.take = wholeNumbers(flag, value, 100_000, USAGE)[0]!;
    else throw new Error(`unknown argument ${flag}\n${USAGE}`);
  }
  return options;
}

interface Decided {
  readonly key: string;
  readonly interceptedAtMs: number;
  readonly producedAtMs: number;
  readonly receivedAtMs: number;
  readonly committedAtMs: number;
}

export interface Split {
  readonly n: number;
  readonly p50: number;
}

export interface Queueing {
  readonly htlcs: number;
  /** HTLCs lnd offered within 2 ms of the one offered before them. */
  readonly offeredWithin2Ms: number;
  /** Decide ms (p50) by other decisions under way when the HTLC was taken: 0, 1, 2, 3 or more. */
  readonly decideByCompany: readonly Split[];
  /** Producer -> matcher ms of HTLCs that found the matcher busy / idle. */
  readonly toMatcherBusy: Split;
  readonly toMatcherIdle: Split;
  /** For the busy ones: the matcher's last decision end before the HTLC was taken -> taken, p50 ms. */
  readonly busyTakenAfterLastEndMs: number;
  /** Commit -> command acknowledged, ms: another round acknowledged in between / none. */
  readonly outboxAfterAnotherRound: Split;
  readonly outboxDirect: Split;
}

const p50 = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(sorted.length / 2) - 1)] ?? Number.NaN;
};
const split = (values: readonly number[]): Split => ({ n: values.length, p50: p50(values) });

function lines(text: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const line of text.split("\n")) {
    if (!line.startsWith("{")) continue;
    try {
      out.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // a line cut by the process's end
    }
  }
  return out;
}

/** The queueing figures of the settle decisions skip .. skip + take of a matcher log. */
export function queueingOf(matcherLog: string, skip = 0, take?: number): Queueing {
  const all = lines(matcherLog);
  const key = (l: Record<string, unknown>): string => `${String(l.paymentHash)}/${String(l.circuitKey)}`;
  const settles: Decided[] = all
    .filter((l) => l.msg === "htlc decided" && Array.isArray(l.commands) && l.commands.includes("SettleHtlc"))
    .map((l) => ({
      key: key(l),
      interceptedAtMs: Number(l.interceptedAtMs),
      producedAtMs: Number(l.producedAtMs),
      receivedAtMs: Number(l.receivedAtMs),
      committedAtMs: Number(l.committedAtMs),
    }));
  const chosen = settles.slice(skip, take === undefined ? undefined : skip + take);
  // Every decision the matcher took: all HTLC decisions (any command) and the outcome decisions
  // that settled an invoice (their line is written as their commit ends; no start is logged).
  const decisions = all
    .filter((l) => l.msg === "htlc decided")
    .map((l) => ({ start: Number(l.receivedAtMs), end: Number(l.committedAtMs) }));
  const ends = [...decisions.map((d) => d.end), ...all.filter((l) => l.msg === "invoice settled (lnd reports every HTLC final)").map((l) => Number(l.time))].sort((a, b) => a - b);
  const published = new Map<string, number>();
  for (const l of all) if (l.msg === "htlc command published" && l.action === "SETTLE" && !published.has(key(l))) published.set(key(l), Number(l.time));
  const acks = [...new Set(published.values())].sort((a, b) => a - b);

  const offered = chosen.map((d) => d.interceptedAtMs).sort((a, b) => a - b);
  const offeredWithin2Ms = offered.slice(1).filter((t, i) => t - offered[i]! <= 2).length;

  const byCompany: number[][] = [[], [], [], []];
  const busy: number[] = [];
  const idle: number[] = [];
  const afterLastEnd: number[] = [];
  const afterRound: number[] = [];
  const direct: number[] = [];
  for (const d of chosen) {
    const company = decisions.filter((o) => o.start <= d.receivedAtMs && o.end > d.receivedAtMs).length - 1;
    byCompany[Math.min(3, Math.max(0, company))]!.push(d.committedAtMs - d.receivedAtMs);
    const endsBetween = ends.filter((e) => e > d.producedAtMs && e <= d.receivedAtMs);
    if (endsBetween.length > 0) {
      busy.push(d.receivedAtMs - d.producedAtMs);
      afterLastEnd.push(d.receivedAtMs - endsBetween.at(-1)!);
    } else idle.push(d.receivedAtMs - d.producedAtMs);
    const at = published.get(d.key);
    if (at === undefined) continue;
    (acks.some((t) => t > d.committedAtMs && t < at) ? afterRound : direct).push(at - d.committedAtMs);
  }
  return {
    htlcs: chosen.length,
    offeredWithin2Ms,
    decideByCompany: byCompany.map(split),
    toMatcherBusy: split(busy),
    toMatcherIdle: split(idle),
    busyTakenAfterLastEndMs: p50(afterLastEnd),
    outboxAfterAnotherRound: split(afterRound),
    outboxDirect: split(direct),
  };
}

runWhenMain(import.meta.url, async () => {
  const options = parseQueueingOptions(process.argv.slice(2));
  const q = queueingOf(readFileSync(path.join(options.dir, "matcher.log"), "utf8"), options.skip, options.take);
  const print = (name: string, value: number, unit: string): void => console.log(JSON.stringify({ name: `htlc_queueing.${name}`, value, unit }));
  print("htlcs", q.htlcs, "count");
  print("offered_within_2ms", q.offeredWithin2Ms, "count");
  q.decideByCompany.forEach((s, i) => {
    print(`decide_ms.p50.company_${i === 3 ? "3_or_more" : i}`, s.p50, "ms");
    print(`decide_ms.n.company_${i === 3 ? "3_or_more" : i}`, s.n, "count");
  });
  for (const [name, s] of [["to_matcher_ms.busy", q.toMatcherBusy], ["to_matcher_ms.idle", q.toMatcherIdle], ["outbox_ms.after_another_round", q.outboxAfterAnotherRound], ["outbox_ms.direct", q.outboxDirect]] as const) {
    print(`${name}.p50`, s.p50, "ms");
    print(`${name}.n`, s.n, "count");
  }
  print("to_matcher_ms.busy.taken_after_last_end.p50", q.busyTakenAfterLastEndMs, "ms");
});
