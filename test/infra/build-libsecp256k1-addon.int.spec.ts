// infra/scripts/build-libsecp256k1-addon.sh in a scratch copy of the files it reads, with its own
// cache: a first run compiles (from the crate in the machine's cache when there, else from
// crates.io) and the result loads and computes; a second run compiles nothing; a deleted output
// comes back from the cache; a missing compiler is named.
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync } from "node:fs";
import { createRequire } from "node:module";
import { homedir, tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const machineCache = process.env["IC_CACHE_DIR"] ?? path.join(homedir(), ".cache/invoice-coordinator");
let dir = "";
let cache = "";
let output = "";

function runBuild(extraEnv: Record<string, string> = {}): SpawnSyncReturns<string> {
  return spawnSync("bash", [path.join(dir, "infra/scripts/build-libsecp256k1-addon.sh")], {
    encoding: "utf8",
    env: { PATH: process.env["PATH"] ?? "", HOME: dir, IC_CACHE_DIR: cache, ...extraEnv },
    timeout: 240_000,
  });
}

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "ic-build-addon-"));
  cache = path.join(dir, "cache");
  mkdirSync(path.join(dir, "infra/scripts"), { recursive: true });
  for (const file of ["lib.sh", "build-libsecp256k1-addon.sh"]) copyFileSync(path.join(repo, "infra/scripts", file), path.join(dir, "infra/scripts", file));
  const pkg = path.join(dir, "packages/libsecp256k1-addon");
  mkdirSync(path.join(pkg, "src"), { recursive: true });
  copyFileSync(path.join(repo, "packages/libsecp256k1-addon/src/libsecp256k1_addon.c"), path.join(pkg, "src/libsecp256k1_addon.c"));
  copyFileSync(path.join(repo, "packages/libsecp256k1-addon/package.json"), path.join(pkg, "package.json"));
  symlinkSync(path.join(repo, "packages/libsecp256k1-addon/node_modules"), path.join(pkg, "node_modules"));
  // Reuse the machine's download (checked against the pinned SHA-256 by the script) when there.
  const downloads = path.join(machineCache, "downloads");
  mkdirSync(path.join(cache, "downloads"), { recursive: true });
  if (existsSync(downloads)) {
    for (const file of readdirSync(downloads).filter((name) => name.startsWith("secp256k1-sys-") && name.endsWith(".crate"))) {
      copyFileSync(path.join(downloads, file), path.join(cache, "downloads", file));
    }
  }
  output = path.join(pkg, "build/libsecp256k1_addon.node");
});

afterAll(() => {
  if (dir !== "") rmSync(dir, { recursive: true, force: true });
});

describe("build-libsecp256k1-addon.sh", () => {
  it("compiles an addon that loads and reproduces the BOLT 4 vector's shared secret", () => {
    const run = runBuild();
    expect(run.stderr).toContain("compiling libsecp256k1");
    expect(run.status).toBe(0);
    const addon = createRequire(import.meta.url)(output) as { ecdh(k: Uint8Array, p: Uint8Array): Uint8Array | null; library: string };
    const key = new Uint8Array(32).fill(0x41);
    const point = new Uint8Array(Buffer.from("02eec7245d6b7d2ccb30380bfbe2a3648cd7a942653f5aa340edcea1f283686619", "hex"));
    expect(Buffer.from(addon.ecdh(key, point) as Uint8Array).toString("hex")).toBe("53eb63ea8a3fec3b3cd433b85cd62a4b145e1dda09391b348c4e1cd36a03ea66");
    expect(addon.library).toMatch(/^libsecp256k1 [0-9a-f]{12} \(secp256k1-sys /);
  });

  it("compiles nothing the second time, and restores a deleted output from the cache", () => {
    const before = statSync(output).mtimeMs;
    const again = runBuild();
    expect(again.status).toBe(0);
    expect(again.stderr).not.toContain("compiling");
    expect(statSync(output).mtimeMs).toBe(before);
    rmSync(output);
    const restored = runBuild();
    expect(restored.status).toBe(0);
    expect(restored.stderr).not.toContain("compiling");
    expect(existsSync(output)).toBe(true);
  });

  it("names the missing compiler", () => {
    const run = runBuild({ CC: "no-such-cc" });
    expect(run.stderr).toContain("required tool 'no-such-cc' is missing: install a C compiler (Debian package gcc)");
    expect(run.status).toBe(1);
  });
});
