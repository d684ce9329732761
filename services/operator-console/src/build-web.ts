// Builds the page (web/ -> dist/) with Vite, only when its sources changed: a stamp in dist/
// holds a hash of every file the bundle is made from (web/, src/view/, package.json, the lock
// file), so the test command and the demo call this every run at the cost of a hash (~50 ms)
// and a real build (a few seconds) only after a change. `tsx src/build-web.ts [--force]`.
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { DIST_DIR_DEFAULT } from "./dist-dir.ts";

export const CONSOLE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const WEB_DIR = path.join(CONSOLE_DIR, "web");
export const DIST_DIR = DIST_DIR_DEFAULT;
const STAMP = path.join(DIST_DIR, ".build-stamp");

function filesUnder(dir: string): string[] {
  return readdirSync(dir)
    .flatMap((name) => {
      const full = path.join(dir, name);
      return statSync(full).isDirectory() ? filesUnder(full) : [full];
    })
    .filter((file) => !file.endsWith(".spec.ts"))
    .sort();
}

export function webSourceHash(): string {
  const hash = createHash("sha256");
  const files = [...filesUnder(WEB_DIR), ...filesUnder(path.join(CONSOLE_DIR, "src", "view")), path.join(CONSOLE_DIR, "package.json"), path.resolve(CONSOLE_DIR, "../../pnpm-lock.yaml")];
  for (const file of files) hash.update(path.relative(CONSOLE_DIR, file)).update("\0").update(readFileSync(file)).update("\0");
  return hash.digest("hex");
}

/** Builds dist/ unless its stamp matches the sources; says which. */
export async function ensureWebBuilt(options: { force?: boolean } = {}): Promise<{ built: boolean; distDir: string; ms: number }> {
  const started = performance.now();
  const want = webSourceHash();
  if (options.force !== true && existsSync(STAMP) && readFileSync(STAMP, "utf8") === want && existsSync(path.join(DIST_DIR, "index.html")))
    return { built: false, distDir: DIST_DIR, ms: Math.round(performance.now() - started) };
  const { build } = await import("vite");
  await build({ configFile: path.join(WEB_DIR, "vite.config.ts"), logLevel: "warn" });
  writeFileSync(STAMP, want);
  return { built: true, distDir: DIST_DIR, ms: Math.round(performance.now() - started) };
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const result = await ensureWebBuilt({ force: process.argv.includes("--force") });
  process.stdout.write(`operator console page: ${result.built ? "built" : "up to date"} in ${result.distDir} (${result.ms} ms)\n`);
}
