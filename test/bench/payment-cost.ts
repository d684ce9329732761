// What a batch of payments costs each process of the stack: ms of CPU (process-cpu.ts) and, with
// the service counters loaded (service-counters.cjs), the Kafka requests and Postgres statements
// each coordinator service sent. concurrent-payments.bench.ts reads one before and one after
// every batch, native and coordinator alike, and divides by the batch's payments.
import { existsSync, readdirSync, readFileSync, renameSync } from "node:fs";
import path from "node:path";
import type { StackConfig } from "../support/stack-config.ts";
import {
  backendsForPorts,
  clockTicks,
  localPortsTo,
  pidFromFile,
  pidsWithArgument,
  processAgeSeconds,
  processTree,
  readCpu,
  readProcessTable,
  ticksBetween,
  type CpuReading,
  type ProcessGroup,
} from "./process-cpu.ts";

export const SERVICES = ["matcher", "alpha", "bravo"] as const;
export type ServiceName = (typeof SERVICES)[number];

/** Running totals one service process wrote: Kafka requests by API, Postgres statements by text. */
export interface ServiceCounts {
  kafka: Record<string, number>;
  pg: Record<string, number>;
}

export interface CostReading {
  cpu: CpuReading;
  counts: Map<ServiceName, ServiceCounts>;
}

/** A batch's cost: ms of CPU per group (and the machine's), requests and statements per service. */
export interface BatchCost {
  cpuMs: Record<string, number>;
  machineBusyMs: number;
  counts: Record<ServiceName, ServiceCounts>;
}

export interface CostProbe {
  readonly groups: readonly ProcessGroup[];
  /** The service's own process (the tsx launcher's child that runs main.ts). */
  servicePid(name: ServiceName): number;
  /**
   * CPU of every group, then (with the counters loaded) each service's counts, fresh: the services
   * are signalled to write them (which also starts or stops their profiles, if any). `countsFirst`:
   * the counts before the CPU (a batch's start), so the signal falls outside the batch's window.
   */
  read(countsFirst: boolean): Promise<CostReading>;
  between(before: CostReading, after: CostReading): BatchCost;
  /** Renames the profiles the services wrote since the last call to <service>-<label>-<n>.cpuprofile; returns the new names. */
  collectProfiles(label: string): Promise<string[]>;
}

/** Group names, in print order. "postgres.coordinator" is part of "postgres", not added to the total. */
export const GROUPS = ["lnd.payer", "lnd.alpha", "lnd.bravo", "btcd", "kafka", "postgres", "postgres.coordinator", "matcher", "bridge.alpha", "bridge.bravo", "bench"] as const;

/**
 * Finds the stack's processes (pid files) and the coordinator's (by the config files their command
 * lines name, <runDir>/bench/<deployment>/<name>.json), once; the coordinator's Postgres backends
 * are found again at every reading (the matcher's pool connections, by client port).
 */
export function costProbe(stack: StackConfig, deployment: string, countersDir?: string): CostProbe {
  const pidOf = (file: string): number => pidFromFile(file);
  const postmaster = pidOf(path.join(stack.runDir, "postgres", "data", "postmaster.pid"));
  const pgPort = Number(new URL(stack.postgresUrl).port || 5432);
  const kafkaPids = [path.join(stack.runDir, "kafka", "kafka.pid"), ...brokerPidFiles(stack.runDir)].filter(existsSync).map(pidOf);
  const serviceRoots = new Map<ServiceName, number[]>();
  for (const name of SERVICES) {
    const config = path.join(stack.runDir, "bench", deployment, `${name}.json`);
    const pids = pidsWithArgument(config);
    if (pids.length === 0) throw new Error(`no process runs with ${config}`);
    serviceRoots.set(name, pids);
  }
  const roots = (name: ServiceName): number[] => serviceRoots.get(name)!;
  const tree = (name: string, pids: () => number[]): ProcessGroup => ({ name, kind: "tree", members: () => pids() });
  const groups: ProcessGroup[] = [
    tree("lnd.payer", () => [pidOf(stack.cluster.nodes.payer.pidFile)]),
    tree("lnd.alpha", () => [pidOf(stack.cluster.nodes.alpha.pidFile)]),
    tree("lnd.bravo", () => [pidOf(stack.cluster.nodes.bravo.pidFile)]),
    tree("btcd", () => [pidOf(path.join(stack.runDir, "btcd", "btcd.pid"))]),
    tree("kafka", () => kafkaPids),
    tree("postgres", () => [postmaster]),
    {
      name: "postgres.coordinator",
      kind: "set",
      partOf: "postgres",
      members: (table) => backendsForPorts(table, postmaster, localPortsTo(processTree(table, roots("matcher")), pgPort)),
    },
    tree("matcher", () => roots("matcher")),
    tree("bridge.alpha", () => roots("alpha")),
    tree("bridge.bravo", () => roots("bravo")),
    // This process alone: the services are its children, counted above.
    { name: "bench", kind: "set", members: () => [process.pid] },
  ];
  // Of the processes naming the service's config (the tsx launcher and the node process it
  // starts), the one that starts none of the others. Not simply a leaf of the tree: tsx's esbuild
  // service runs as a child of the service while sources are being compiled.
  function servicePid(name: ServiceName): number {
    const table = readProcessTable();
    const named = new Set(roots(name).filter((pid) => table.has(pid)));
    const parents = new Set([...named].map((pid) => table.get(pid)?.ppid));
    const services = [...named].filter((pid) => !parents.has(pid));
    if (services.length !== 1) throw new Error(`${name}: expected one service process, found ${services.join(", ") || "none"}`);
    return services[0]!;
  }
  const pids = new Map<ServiceName, number>(SERVICES.map((name) => [name, servicePid(name)]));
  const flushed = new Map<ServiceName, number>();
  // Signals every service to write its counts and waits until each file says it did.
  const readCounts = async (): Promise<Map<ServiceName, ServiceCounts>> => {
    const counts = new Map<ServiceName, ServiceCounts>();
    if (countersDir === undefined) return counts;
    for (const pid of pids.values()) process.kill(pid, "SIGUSR2");
    const deadline = Date.now() + 10_000;
    for (const [name, pid] of pids) {
      const file = path.join(countersDir, `${pid}.counts.json`);
      for (;;) {
        const written = existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as ServiceCounts & { flushes: number }) : undefined;
        if (written !== undefined && written.flushes > (flushed.get(name) ?? 0)) {
          flushed.set(name, written.flushes);
          counts.set(name, { kafka: written.kafka, pg: written.pg });
          break;
        }
        if (Date.now() > deadline) throw new Error(`${name} (pid ${pid}) did not write its counts to ${file}: are the service counters loaded?`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
    return counts;
  };
  const collected = new Set<string>();
  const msPerTick = 1000 / clockTicks();
  return {
    groups,
    servicePid,
    async read(countsFirst) {
      if (countsFirst) {
        const counts = await readCounts();
        return { cpu: readCpu(groups), counts };
      }
      const cpu = readCpu(groups);
      return { cpu, counts: await readCounts() };
    },
    async collectProfiles(label) {
      if (countersDir === undefined) return [];
      const names: string[] = [];
      // A stopped profile is written a moment after the signal: wait for the ones now due.
      for (const [name, pid] of pids) {
        const pattern = new RegExp(`^${pid}-(\\d+)\\.cpuprofile$`);
        const found = readdirSync(countersDir).filter((f) => pattern.test(f) && !collected.has(f));
        for (const file of found) {
          const target = `${name}-${label}-${pattern.exec(file)![1]}.cpuprofile`;
          renameSync(path.join(countersDir, file), path.join(countersDir, target));
          collected.add(file);
          names.push(target);
        }
      }
      return names;
    },
    between(before, after) {
      const ticks = ticksBetween(groups, before.cpu, after.cpu);
      const cpuMs = Object.fromEntries([...ticks].map(([name, t]) => [name, t * msPerTick]));
      const counts = {} as Record<ServiceName, ServiceCounts>;
      for (const name of SERVICES) counts[name] = countsBetween(before.counts.get(name), after.counts.get(name));
      return { cpuMs, machineBusyMs: (after.cpu.machineBusyTicks - before.cpu.machineBusyTicks) * msPerTick, counts };
    },
  };
}

/** A broker warms up for minutes after it starts (the JVM compiles its hot paths under load). */
export const BROKER_WARM_AFTER_S = 300;

/**
 * A line for the bench to print when a Kafka broker of the stack started less than
 * BROKER_WARM_AFTER_S ago, else undefined. Measured 2026-12-03: right after `infra/stack up`, Kafka
 * took 27 ms of CPU per coordinator payment at 8 in flight (4.7 ms once warm) and the HTLC's path
 * was three times as long.
 */
export function coldBrokerWarning(runDir: string): string | undefined {
  const files = [path.join(runDir, "kafka", "kafka.pid"), ...brokerPidFiles(runDir)].filter(existsSync);
  let youngest = Number.POSITIVE_INFINITY;
  for (const file of files) {
    try {
      youngest = Math.min(youngest, processAgeSeconds(pidFromFile(file)));
    } catch {
      // A stale pid file: no broker to judge.
    }
  }
  if (!Number.isFinite(youngest) || youngest >= BROKER_WARM_AFTER_S) return undefined;
  return `Kafka started ${Math.round(youngest)} s ago and is still warming up: figures taken now are pessimistic (run again after ${BROKER_WARM_AFTER_S} s of traffic)`;
}

/** Pid files of a multi-node Kafka (<runDir>/kafka/node-<n>/kafka.pid, as infra/scripts/kafka.sh lays it out), if any. */
function brokerPidFiles(runDir: string): string[] {
  const dir = path.join(runDir, "kafka");
  return readdirSync(dir)
    .filter((n) => /^node-\d+$/.test(n))
    .map((n) => path.join(dir, n, "kafka.pid"));
}

export function countsBetween(before: ServiceCounts | undefined, after: ServiceCounts | undefined): ServiceCounts {
  const out: ServiceCounts = { kafka: {}, pg: {} };
  for (const side of ["kafka", "pg"] as const) {
    for (const [key, n] of Object.entries(after?.[side] ?? {})) {
      const d = n - (before?.[side][key] ?? 0);
      if (d !== 0) out[side][key] = d;
    }
  }
  return out;
}

/** Adds b into a (per group, per service and key). */
export function addCosts(a: BatchCost | undefined, b: BatchCost): BatchCost {
  if (a === undefined) return structuredClone(b);
  const sum = structuredClone(a);
  for (const [name, ms] of Object.entries(b.cpuMs)) sum.cpuMs[name] = (sum.cpuMs[name] ?? 0) + ms;
  sum.machineBusyMs += b.machineBusyMs;
  for (const name of SERVICES)
    for (const side of ["kafka", "pg"] as const) for (const [key, n] of Object.entries(b.counts[name][side])) sum.counts[name][side][key] = (sum.counts[name][side][key] ?? 0) + n;
  return sum;
}

/** The statement's kind for a short summary: begin, commit, rollback, select, insert, update, delete, with (one statement writing several tables), other. */
export function statementKind(text: string): string {
  const word = /^\s*(\w+)/.exec(text)?.[1]?.toLowerCase() ?? "other";
  return ["begin", "commit", "rollback", "select", "insert", "update", "delete", "with"].includes(word) ? word : "other";
}
