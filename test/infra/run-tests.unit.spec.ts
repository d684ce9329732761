// infra/run-tests.sh in a scratch copy whose tools are stubs (no stack, no vitest run): which
// suites run, when the stack is stopped, and the closing line.
import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function stub(file: string, body: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `#!/usr/bin/env bash\n${body}\n`);
  chmodSync(file, 0o755);
}

/** A scratch repo: the real run-tests.sh, lib.sh and summary; stubbed bootstrap, stack and tools. */
function scratch(stackUp: "ok" | "fails"): string {
  const dir = mkdtempSync(path.join(tmpdir(), "ic-run-tests-"));
  dirs.push(dir);
  for (const file of ["infra/run-tests.sh", "infra/scripts/lib.sh", "infra/scripts/summarize-tests.mjs"]) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    copyFileSync(path.join(repo, file), path.join(dir, file));
  }
  stub(path.join(dir, "infra/scripts/bootstrap-node.sh"), "echo pnpm");
  stub(path.join(dir, "infra/stack"), `echo "$1" >> "${dir}/stack-calls"; [[ "$1" != up || "${stackUp}" == ok ]]`);
  for (const tool of ["tsc", "eslint"]) stub(path.join(dir, "node_modules/.bin", tool), "exit 0");
  stub(
    path.join(dir, "node_modules/.bin/vitest"),
    `for a in "$@"; do case "$a" in --outputFile=*) out="\${a#--outputFile=}";; esac; done
echo '{"numPassedTests":1,"numFailedTests":0,"numPendingTests":0,"testResults":[]}' > "$out"`,
  );
  return dir;
}

function runTests(dir: string, env: Record<string, string>): { lastLine: string; status: number | null; stackCalls: string[] } {
  const run = spawnSync("bash", [path.join(dir, "infra/run-tests.sh")], {
    encoding: "utf8",
    env: { PATH: process.env.PATH ?? "", HOME: dir, IC_RUN_DIR: path.join(dir, ".run"), ...env },
  });
  const calls = path.join(dir, "stack-calls");
  return {
    lastLine: run.stdout.trim().split("\n").at(-1) ?? "",
    status: run.status,
    stackCalls: existsSync(calls) ? readFileSync(calls, "utf8").trim().split("\n") : [],
  };
}

describe("infra/run-tests.sh", () => {
  it("in CI, stops the stack after the suites", () => {
    const result = runTests(scratch("ok"), { CI: "true" });
    expect(result.stackCalls).toEqual(["up", "down"]);
    // typecheck, lint + the unit, int, e2e, container and chaos suites.
    expect(result.lastLine).toBe("7 passed, 0 failed");
    expect(result.status).toBe(0);
  });

  it("in CI, stops what a failed stack start left running, and counts the suites it could not run", () => {
    const result = runTests(scratch("fails"), { CI: "true" });
    expect(result.stackCalls).toEqual(["up", "down"]);
    // int, e2e, container and chaos never ran, plus the failed stack start.
    expect(result.lastLine).toBe("3 passed, 5 failed");
    expect(result.status).toBe(1);
  });

  it("keeps the stack up outside CI and with IC_KEEP_STACK=1", () => {
    expect(runTests(scratch("ok"), {}).stackCalls).toEqual(["up"]);
    expect(runTests(scratch("ok"), { CI: "true", IC_KEEP_STACK: "1" }).stackCalls).toEqual(["up"]);
  });

  it("IC_SUITES=unit does not touch the stack", () => {
    const result = runTests(scratch("ok"), { CI: "true", IC_SUITES: "unit" });
    expect(result.stackCalls).toEqual([]);
    expect(result.lastLine).toBe("3 passed, 0 failed");
  });
});
