// infra/scripts/build-lnd.sh in a scratch copy: with lnd, lncli and btcd already in the cache
// it does nothing and needs no Go; without them and without Go it says what to install.
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const which = (tool: string): string => spawnSync("bash", ["-c", `command -v ${tool}`], { encoding: "utf8" }).stdout.trim();
const bash = which("bash");

/** A PATH with only the few tools lib.sh needs, so `go` is surely missing. */
function toolsWithoutGo(dir: string): string {
  const bin = path.join(dir, "bin");
  mkdirSync(bin);
  for (const tool of ["dirname", "date"]) symlinkSync(which(tool), path.join(bin, tool));
  return bin;
}

function buildLnd(withCachedBinaries: boolean): SpawnSyncReturns<string> {
  const dir = mkdtempSync(path.join(tmpdir(), "ic-build-lnd-"));
  dirs.push(dir);
  mkdirSync(path.join(dir, "infra/scripts"), { recursive: true });
  for (const file of ["lib.sh", "build-lnd.sh"]) copyFileSync(path.join(repo, "infra/scripts", file), path.join(dir, "infra/scripts", file));
  const cache = path.join(dir, "cache");
  if (withCachedBinaries) {
    const binDir = path.join(cache, "lnd-v0.21.2-beta/bin");
    mkdirSync(binDir, { recursive: true });
    for (const b of ["lnd", "lncli", "btcd"]) {
      writeFileSync(path.join(binDir, b), "#!/bin/sh\n");
      chmodSync(path.join(binDir, b), 0o755);
    }
  }
  return spawnSync(bash, [path.join(dir, "infra/scripts/build-lnd.sh")], {
    encoding: "utf8",
    env: { PATH: toolsWithoutGo(dir), HOME: dir, IC_CACHE_DIR: cache },
  });
}

describe("build-lnd.sh", () => {
  it("reuses cached binaries without Go", () => {
    const run = buildLnd(true);
    expect(run.stderr).toContain("already built");
    expect(run.status).toBe(0);
  });

  it("without cached binaries and without Go, says to install Go 1.25", () => {
    const run = buildLnd(false);
    expect(run.stderr).toContain("required tool 'go' is missing: install Go 1.25 or newer");
    expect(run.status).toBe(1);
  });
});
