import { describe, expect, it } from "vitest";
import { parseQueueingOptions, queueingOf } from "./htlc-queueing.ts";

const decided = (hash: string, t: { offered: number; produced: number; received: number; committed: number }, commands = ["SettleHtlc"]): string =>
  JSON.stringify({
    time: t.committed,
    msg: "htlc decided",
    paymentHash: hash,
    circuitKey: "1:1",
    commands,
    interceptedAtMs: t.offered,
    producedAtMs: t.produced,
    receivedAtMs: t.received,
    committedAtMs: t.committed,
  });
const published = (hash: string, time: number): string => JSON.stringify({ time, msg: "htlc command published", paymentHash: hash, circuitKey: "1:1", action: "SETTLE" });

describe("queueingOf", () => {
  // a: alone. b and c offered together; b decided first, c taken only after b ended (busy), and c
  // decided in b's company. d: produced while c was under way, taken after c ended. c's command
  // went out after b's round was acknowledged; d's in a round of its own.
  const log = [
    decided("a", { offered: 0, produced: 1, received: 3, committed: 7 }),
    published("a", 10),
    decided("b", { offered: 100, produced: 101, received: 103, committed: 110 }),
    decided("c", { offered: 101, produced: 102, received: 105, committed: 118 }),
    published("b", 120),
    decided("d", { offered: 115, produced: 116, received: 122, committed: 127 }),
    published("c", 125),
    published("d", 131),
    "not json",
  ].join("\n");

  it("splits decide, producer -> matcher and outbox times by what each HTLC met", () => {
    const q = queueingOf(log);
    expect(q.htlcs).toBe(4);
    expect(q.offeredWithin2Ms).toBe(1);
    expect(q.decideByCompany.map((s) => s.n)).toEqual([3, 1, 0, 0]);
    expect(q.decideByCompany[1]).toEqual({ n: 1, p50: 13 });
    expect(q.toMatcherBusy).toEqual({ n: 1, p50: 6 });
    expect(q.busyTakenAfterLastEndMs).toBe(4);
    expect(q.toMatcherIdle.n).toBe(3);
    expect(q.outboxAfterAnotherRound).toEqual({ n: 1, p50: 7 });
    expect(q.outboxDirect.n).toBe(3);
  });

  it("takes the settle decisions skip .. skip + take only", () => {
    expect(queueingOf(log, 1, 2).htlcs).toBe(2);
    expect(queueingOf(log, 3).htlcs).toBe(1);
  });
});

describe("parseQueueingOptions", () => {
  it("needs a run directory and whole numbers", () => {
    expect(parseQueueingOptions(["dir", "--skip", "16", "--take", "96"])).toEqual({ dir: "dir", skip: 16, take: 96 });
    expect(() => parseQueueingOptions([])).toThrow(/run directory/);
    expect(() => parseQueueingOptions(["dir", "--take", "x"])).toThrow(/--take/);
    expect(() => parseQueueingOptions(["dir", "--bogus", "1"])).toThrow(/unknown argument/);
  });
});
