// The /proc readings the CPU breakdown is built from, and the sums over a batch.
import { describe, expect, it } from "vitest";
import { ageFromStat, machineBusyTicks, parseProcStat, parseTcpTable, processTree, ticksBetween, type CpuReading, type ProcessGroup, type ProcessStat } from "./process-cpu.ts";
import { addCosts, countsBetween, statementKind, type BatchCost } from "./payment-cost.ts";
import { packageOf, selfTimes } from "./cpu-profile-summary.ts";

const table = (...stats: ProcessStat[]): Map<number, ProcessStat> => new Map(stats.map((s) => [s.pid, s]));
const stat = (pid: number, ppid: number, own: number, reaped = 0): ProcessStat => ({ pid, ppid, ownTicks: own, reapedTicks: reaped });
const reading = (groups: Record<string, Record<number, number>>, machine = 0): CpuReading => ({
  atMs: 0,
  groups: new Map(Object.entries(groups).map(([name, pids]) => [name, new Map(Object.entries(pids).map(([pid, t]) => [Number(pid), t]))])),
  machineBusyTicks: machine,
});

describe("process CPU readings", () => {
  it("reads utime+stime and cutime+cstime after the last parenthesis of the command name", () => {
    const line = "4242 (tsx (child) x) S 17 4242 4242 0 -1 4194304 5172 21545 0 3 120 30 7 2 20 0 1 0 2305851 227250176 8117";
    expect(parseProcStat(line)).toEqual({ pid: 4242, ppid: 17, ownTicks: 150, reapedTicks: 9 });
    expect(() => parseProcStat("garbage")).toThrow(/not a \/proc stat line/);
  });

  it("a process's age: the machine's uptime less its start time (field 22, clock ticks after boot)", () => {
    const line = "4242 (tsx (child) x) S 17 4242 4242 0 -1 4194304 5172 21545 0 3 120 30 7 2 20 0 1 0 2305851 227250176 8117";
    expect(ageFromStat(line, "23358.51 40000.00\n", 100)).toBeCloseTo(23358.51 - 23058.51, 6);
    expect(() => ageFromStat("garbage", "1.0 2.0", 100)).toThrow(/not a \/proc stat line/);
  });

  it("a tree is its roots and every descendant, once", () => {
    const t = table(stat(1, 0, 0), stat(10, 1, 0), stat(11, 10, 0), stat(12, 11, 0), stat(20, 1, 0));
    expect(processTree(t, [10, 11]).sort()).toEqual([10, 11, 12]);
    expect(processTree(t, [99])).toEqual([]);
  });

  it("a tree's member that exited is counted by its parent's reaped time, a set's is lost", () => {
    const groups: ProcessGroup[] = [
      { name: "pg", kind: "tree", members: () => [] },
      { name: "backends", kind: "set", members: () => [] },
    ];
    // Backend 11 used 5 ticks before the batch, 8 in all, then exited: the postmaster (10) reaped 8.
    const before = reading({ pg: { 10: 100, 11: 5 }, backends: { 11: 5, 12: 1 } }, 1000);
    const after = reading({ pg: { 10: 108 + 2, 13: 4 }, backends: { 12: 3, 13: 4 } }, 1100);
    const used = ticksBetween(groups, before, after);
    expect(used.get("pg")).toBe(2 + 3 + 4); // postmaster's own 2, the rest of 11 (8 - 5), new 13
    expect(used.get("backends")).toBe(2 + 4);
  });

  it("the machine's busy ticks leave idle and iowait out", () => {
    expect(machineBusyTicks("cpu  10 1 5 900 40 2 3 4 0 0\ncpu0 1 1 1 1 1 1 1 1 0 0\n")).toBe(10 + 1 + 5 + 2 + 3 + 4);
  });

  it("reads ports and inodes from /proc/net/tcp", () => {
    const text = [
      "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode",
      "   0: 0100007F:D431 0100007F:3C28 01 00000000:00000000 00:00000000 00000000     0        0 123456 1 0000000000000000 20 4 30 10 -1",
    ].join("\n");
    expect(parseTcpTable(text)).toEqual([{ localPort: 0xd431, remotePort: 15400, inode: "123456" }]);
  });
});

describe("batch costs", () => {
  it("counts between two readings keep only what changed", () => {
    expect(countsBetween({ kafka: { Produce: 3, Fetch: 9 }, pg: { begin: 1 } }, { kafka: { Produce: 5, Fetch: 9, Heartbeat: 1 }, pg: { begin: 4 } })).toEqual({
      kafka: { Produce: 2, Heartbeat: 1 },
      pg: { begin: 3 },
    });
  });

  it("adds batches per group, service and key", () => {
    const empty = { kafka: {}, pg: {} };
    const a: BatchCost = { cpuMs: { kafka: 10 }, machineBusyMs: 50, counts: { matcher: { kafka: { Produce: 1 }, pg: {} }, alpha: empty, bravo: empty } };
    const b: BatchCost = { cpuMs: { kafka: 5, matcher: 2 }, machineBusyMs: 20, counts: { matcher: { kafka: { Produce: 2, Fetch: 1 }, pg: {} }, alpha: empty, bravo: empty } };
    const sum = addCosts(addCosts(undefined, a), b);
    expect(sum.cpuMs).toEqual({ kafka: 15, matcher: 2 });
    expect(sum.machineBusyMs).toBe(70);
    expect(sum.counts.matcher.kafka).toEqual({ Produce: 3, Fetch: 1 });
    expect(a.counts.matcher.kafka).toEqual({ Produce: 1 });
  });

  it("sorts statements by their first word", () => {
    expect(statementKind("with noted as ( insert into htlc_onions")).toBe("with");
    expect(statementKind("COMMIT")).toBe("commit");
    expect(statementKind("select pg_try_advisory_lock($1)")).toBe("select");
    expect(statementKind("listen x")).toBe("other");
  });
});

describe("CPU profile summary", () => {
  it("names a frame's package", () => {
    expect(packageOf("file:///w/node_modules/.pnpm/kafkajs@2.2.4/node_modules/kafkajs/src/x.js", "f")).toBe("kafkajs");
    expect(packageOf("file:///w/node_modules/.pnpm/@grpc+grpc-js@1/node_modules/@grpc/grpc-js/build/a.js", "f")).toBe("@grpc/grpc-js");
    expect(packageOf("node:internal/streams/readable", "f")).toBe("node:internals");
    expect(packageOf("", "(garbage collector)")).toBe("(garbage collector)");
  });

  it("self and inclusive time, idle left out", () => {
    const frame = (functionName: string, url: string) => ({ functionName, url, lineNumber: 0 });
    const profile = {
      nodes: [
        { id: 1, callFrame: frame("(root)", ""), children: [2, 4] },
        { id: 2, callFrame: frame("send", "file:///w/node_modules/kafkajs/src/c.js"), children: [3] },
        { id: 3, callFrame: frame("write", "node:net"), children: [] },
        { id: 4, callFrame: frame("(idle)", ""), children: [] },
      ],
      samples: [3, 3, 2, 4, 3],
      timeDeltas: [0, 100, 100, 100, 100],
    };
    const { busyUs, byPackage, inclusive } = selfTimes([profile]);
    // Sample i lasts timeDeltas[i + 1]; the last sample has no length; the idle one is left out.
    expect(busyUs).toBe(300);
    expect(byPackage.get("node:internals")).toBe(200);
    expect(byPackage.get("kafkajs")).toBe(100);
    expect(inclusive.get("kafkajs")).toBe(300);
  });
});
