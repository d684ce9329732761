// Where a service's CPU went, from .cpuprofile files (concurrent-payments.bench.ts --profile, or
// node --cpu-prof): self time by package (a node_modules package, a folder of this repository,
// or V8's own: garbage collector, program) and by function, as a share of the busy time (idle
// left out). Several files add up.
// Usage: tsx test/bench/cpu-profile-summary.ts [--top 25] <file.cpuprofile>...
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { runWhenMain, wholeNumbers } from "./bench-cli.ts";

const USAGE = "usage: tsx test/bench/cpu-profile-summary.ts [--top 25] <file.cpuprofile>...";
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** The package a script belongs to: "<name>" under node_modules, a repository folder (two levels), or V8's bucket. */
export function packageOf(url: string, functionName: string): string {
  if (url === "") return functionName.startsWith("(") ? functionName : "(native)";
  const file = url.startsWith("file://") ? fileURLToPath(url) : url;
  const modules = file.lastIndexOf("/node_modules/");
  if (modules >= 0) {
    const parts = file.slice(modules + "/node_modules/".length).split("/");
    return parts[0]!.startsWith("@") ? `${parts[0]}/${parts[1]}` : parts[0]!;
  }
  if (file.startsWith("node:") || !file.startsWith("/")) return "node:internals";
  const relative = path.relative(repo, file);
  if (relative.startsWith("..")) return file;
  return relative.split("/").slice(0, 2).join("/");
}

/** A script's path from its package's root (or the repository's), for function names. */
export function scriptName(url: string): string {
  const file = url.startsWith("file://") ? fileURLToPath(url) : url;
  const modules = file.lastIndexOf("/node_modules/");
  if (modules >= 0) return file.slice(modules + "/node_modules/".length);
  return file.startsWith("/") ? path.relative(repo, file) : file;
}

/**
 * Self time in microseconds by package and by function ("name url:line"); inclusive time by
 * package (a sample counts for every package on its stack, once); and the busy total.
 */
export function selfTimes(profiles: readonly CpuProfile[]): { busyUs: number; byPackage: Map<string, number>; byFunction: Map<string, number>; inclusive: Map<string, number> } {
  const byPackage = new Map<string, number>();
  const byFunction = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let busyUs = 0;
  for (const profile of profiles) {
    const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
    const parent = new Map<number, number>();
    for (const n of profile.nodes) for (const child of n.children ?? []) parent.set(child, n.id);
    profile.samples.forEach((id, i) => {
      const node = nodes.get(id);
      // A sample's time is the delta to the next sample (the last one's is unknown: skipped).
      const us = profile.timeDeltas[i + 1];
      if (node === undefined || us === undefined) return;
      const { functionName, url, lineNumber } = node.callFrame;
      if (functionName === "(idle)") return;
      busyUs += us;
      const pkg = packageOf(url, functionName);
      byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + us);
      const fn = `${functionName || "(anonymous)"} ${url === "" ? "" : `${scriptName(url)}:${lineNumber + 1}`}`.trim();
      byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
      const onStack = new Set<string>();
      for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
        const frame = nodes.get(at)?.callFrame;
        if (frame !== undefined && frame.url !== "") onStack.add(packageOf(frame.url, frame.functionName));
      }
      for (const p of onStack) inclusive.set(p, (inclusive.get(p) ?? 0) + us);
    });
  }
  return { busyUs, byPackage, byFunction, inclusive };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  let top = 25;
  const files: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--top") top = wholeNumbers("--top", args[++i], 1000, USAGE)[0]!;
    else if (args[i]!.startsWith("--")) throw new Error(`unknown argument ${args[i]}\n${USAGE}`);
    else files.push(args[i]!);
  }
  if (files.length === 0) throw new Error(`no profile given\n${USAGE}`);
  const { busyUs, byPackage, byFunction, inclusive } = selfTimes(files.map((f) => JSON.parse(readFileSync(f, "utf8")) as CpuProfile));
  const table = (title: string, map: Map<string, number>): void => {
    console.log(`\n${title} (self time, share of ${(busyUs / 1000).toFixed(0)} ms busy)`);
    for (const [name, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) {
      console.log(`${((100 * us) / busyUs).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(6)} ms  ${name}`);
    }
  };
  table("by package", byPackage);
  console.log("\n(inclusive: the share of busy samples with the package anywhere on the stack)");
  table("by package, inclusive", inclusive);
  table("by function", byFunction);
}

runWhenMain(import.meta.url, main);
