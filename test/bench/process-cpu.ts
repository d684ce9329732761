// CPU time of the stack's processes, read from /proc around a batch of payments: user + system
// time of each process group (a process and everything below it, or a set of Postgres backends),
// so a benchmark can say how many ms of CPU a payment costs each process, native against
// coordinator, in the same run. Linux only.
//
// A tree's total is each live member's own time plus the time of the children it has reaped
// (cutime + cstime): a Postgres backend or a tsx child that exits between two readings still
// counts, in its parent. A set that is not a tree (the coordinator's Postgres backends) counts the
// members it sees at the end; one that exits during the batch is lost (pool connections are busy
// then, so rarely).
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";

export interface ProcessStat {
  readonly pid: number;
  readonly ppid: number;
  /** utime + stime, in clock ticks. */
  readonly ownTicks: number;
  /** cutime + cstime: children waited for, in clock ticks. */
  readonly reapedTicks: number;
}

/** One /proc/<pid>/stat line. The command name may hold spaces and parentheses: fields follow the last ")". */
export function parseProcStat(text: string): ProcessStat {
  const open = text.indexOf(" (");
  const close = text.lastIndexOf(")");
  if (open < 0 || close < open) throw new Error(`not a /proc stat line: ${text.slice(0, 80)}`);
  // After ")": field 3 (state) is index 0, so field n is index n - 3.
  const f = text
    .slice(close + 1)
    .trim()
    .split(/\s+/)
    .map(Number);
  const [ppid, utime, stime, cutime, cstime] = [f[1], f[11], f[12], f[13], f[14]];
  if ([ppid, utime, stime, cutime, cstime].some((v) => v === undefined || !Number.isFinite(v))) throw new Error(`not a /proc stat line: ${text.slice(0, 80)}`);
  return { pid: Number(text.slice(0, open)), ppid: ppid!, ownTicks: utime! + stime!, reapedTicks: cutime! + cstime! };
}

export type ProcessTable = ReadonlyMap<number, ProcessStat>;

/** Every process visible now. */
export function readProcessTable(): ProcessTable {
  const table = new Map<number, ProcessStat>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      table.set(Number(name), parseProcStat(readFileSync(`/proc/${name}/stat`, "utf8")));
    } catch {
      // Gone since the listing.
    }
  }
  return table;
}

/** The roots and every process below them that the table holds. */
export function processTree(table: ProcessTable, roots: readonly number[]): number[] {
  const children = new Map<number, number[]>();
  for (const p of table.values()) {
    const list = children.get(p.ppid);
    if (list === undefined) children.set(p.ppid, [p.pid]);
    else list.push(p.pid);
  }
  const seen = new Set<number>();
  const stack = roots.filter((pid) => table.has(pid));
  while (stack.length > 0) {
    const pid = stack.pop()!;
    if (seen.has(pid)) continue;
    seen.add(pid);
    stack.push(...(children.get(pid) ?? []));
  }
  return [...seen];
}

/** A named set of processes, found again at every reading. */
export interface ProcessGroup {
  readonly name: string;
  /** "tree": roots and their descendants (reaped children count); "set": exactly these pids. */
  readonly kind: "tree" | "set";
  members(table: ProcessTable): readonly number[];
  /** Not added into the total (a part of another group, shown apart). */
  readonly partOf?: string;
}

export interface CpuReading {
  readonly atMs: number;
  /** Ticks per pid, per group. */
  readonly groups: ReadonlyMap<string, ReadonlyMap<number, number>>;
  /** The whole machine, from /proc/stat: busy and all ticks (summed over cores). */
  readonly machineBusyTicks: number;
}

export function readCpu(groups: readonly ProcessGroup[]): CpuReading {
  const table = readProcessTable();
  const readings = new Map<string, Map<number, number>>();
  for (const group of groups) {
    const ticks = new Map<number, number>();
    for (const pid of group.kind === "tree" ? processTree(table, group.members(table)) : group.members(table)) {
      const p = table.get(pid);
      if (p !== undefined) ticks.set(pid, p.ownTicks + (group.kind === "tree" ? p.reapedTicks : 0));
    }
    readings.set(group.name, ticks);
  }
  return { atMs: Date.now(), groups: readings, machineBusyTicks: machineBusyTicks(readFileSync("/proc/stat", "utf8")) };
}

/** Busy ticks of the "cpu" line of /proc/stat: user nice system irq softirq steal (not idle, iowait). */
export function machineBusyTicks(procStat: string): number {
  const line = procStat.split("\n").find((l) => l.startsWith("cpu "));
  if (line === undefined) throw new Error("no cpu line in /proc/stat");
  const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
  return [user, nice, system, irq, softirq, steal].reduce<number>((sum, v) => sum + (v ?? 0), 0);
}

/**
 * Ticks each group used between two readings. A tree's members that exited meanwhile are counted
 * by the parent that reaped them, so their earlier ticks are taken off; a set's are lost.
 */
export function ticksBetween(groups: readonly ProcessGroup[], before: CpuReading, after: CpuReading): Map<string, number> {
  const used = new Map<string, number>();
  for (const group of groups) {
    const a = before.groups.get(group.name) ?? new Map<number, number>();
    const b = after.groups.get(group.name) ?? new Map<number, number>();
    let sum = 0;
    for (const [pid, ticks] of b) sum += ticks - (a.get(pid) ?? 0);
    if (group.kind === "tree") for (const [pid, ticks] of a) if (!b.has(pid)) sum -= ticks;
    used.set(group.name, sum);
  }
  return used;
}

let clockTicksPerSecond: number | undefined;
/** USER_HZ (100 on Linux almost always; asked once). */
export function clockTicks(): number {
  clockTicksPerSecond ??= Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  return clockTicksPerSecond;
}

/**
 * Seconds since a process started, from its /proc stat line (field 22: start time in clock ticks
 * after boot) and /proc/uptime's first figure.
 */
export function ageFromStat(stat: string, uptime: string, ticksPerSecond: number): number {
  const close = stat.lastIndexOf(")");
  const start = Number(stat.slice(close + 1).trim().split(/\s+/)[19]);
  const up = Number(uptime.trim().split(/\s+/)[0]);
  if (close < 0 || !Number.isFinite(start) || !Number.isFinite(up)) throw new Error(`not a /proc stat line and uptime: ${stat.slice(0, 80)}`);
  return up - start / ticksPerSecond;
}

export function processAgeSeconds(pid: number): number {
  return ageFromStat(readFileSync(`/proc/${pid}/stat`, "utf8"), readFileSync("/proc/uptime", "utf8"), clockTicks());
}

export function pidFromFile(file: string): number {
  const pid = Number(readFileSync(file, "utf8").split("\n")[0]?.trim());
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`${file} holds no process id`);
  return pid;
}

/** Processes whose command line holds `needle` (a service's config file path, say). */
export function pidsWithArgument(needle: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/cmdline`, "utf8").split("\0").some((arg) => arg.includes(needle))) pids.push(Number(name));
    } catch {
      // Gone since the listing.
    }
  }
  return pids;
}

/** Local ports of the TCP connections that `pids` hold to `remotePort` (read from their sockets and /proc/net/tcp*). */
export function localPortsTo(pids: readonly number[], remotePort: number): Set<number> {
  const inodes = new Set<string>();
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
        const m = /^socket:\[(\d+)\]$/.exec(target);
        if (m) inodes.add(m[1]!);
      } catch {
        // Closed since the listing.
      }
    }
  }
  const ports = new Set<number>();
  for (const file of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch {
      continue;
    }
    for (const connection of parseTcpTable(text)) {
      if (connection.remotePort === remotePort && inodes.has(connection.inode)) ports.add(connection.localPort);
    }
  }
  return ports;
}

/** Rows of /proc/net/tcp (or tcp6): local and remote port, socket inode. */
export function parseTcpTable(text: string): { localPort: number; remotePort: number; inode: string }[] {
  return text
    .split("\n")
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((f) => f.length > 9)
    .map((f) => ({ localPort: parseInt(f[1]!.split(":")[1]!, 16), remotePort: parseInt(f[2]!.split(":")[1]!, 16), inode: f[9]! }));
}

/** Postgres backends (children of the postmaster) serving a client on one of `clientPorts` ("... 127.0.0.1(54321) ..." in their title). */
export function backendsForPorts(table: ProcessTable, postmaster: number, clientPorts: ReadonlySet<number>): number[] {
  const backends: number[] = [];
  for (const p of table.values()) {
    if (p.ppid !== postmaster) continue;
    try {
      const title = readFileSync(`/proc/${p.pid}/cmdline`, "utf8");
      const m = /\((\d+)\)/.exec(title);
      if (m && clientPorts.has(Number(m[1]))) backends.push(p.pid);
    } catch {
      // Gone since the listing.
    }
  }
  return backends;
}
