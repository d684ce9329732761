// The closing "N passed, N failed" line of infra/run-tests.sh (infra/scripts/summarize-tests.mjs),
// run on hand-made vitest JSON reports.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";

const script = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../infra/scripts/summarize-tests.mjs");
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

interface FileReport {
  name: string;
  status: "passed" | "failed";
  message?: string;
  tests: ("passed" | "failed" | "skipped")[];
}

/** A report shaped like vitest 3's JSON reporter: numFailedTestSuites counts files and describes. */
function report(files: FileReport[]): object {
  const tests = files.flatMap((f) => f.tests);
  const failedFiles = files.filter((f) => f.status === "failed").length;
  return {
    numFailedTestSuites: failedFiles * 2,
    numFailedTests: tests.filter((t) => t === "failed").length,
    numPassedTests: tests.filter((t) => t === "passed").length,
    numPendingTests: tests.filter((t) => t === "skipped").length,
    numTodoTests: 0,
    testResults: files.map((f) => ({
      name: f.name,
      status: f.status,
      message: f.message ?? "",
      assertionResults: f.tests.map((status) => ({ status })),
    })),
  };
}

function summarize(suites: Record<string, { report?: object; exitCode?: number }>, checks = ""): { lines: string[]; status: number | null } {
  const dir = mkdtempSync(path.join(tmpdir(), "ic-summary-"));
  dirs.push(dir);
  for (const [suite, { report: r, exitCode }] of Object.entries(suites)) {
    if (r) writeFileSync(path.join(dir, `${suite}.json`), JSON.stringify(r));
    if (exitCode !== undefined) writeFileSync(path.join(dir, `${suite}.exit`), `${exitCode}\n`);
  }
  if (checks) writeFileSync(path.join(dir, "checks.txt"), checks);
  const run = spawnSync(process.execPath, [script, dir, ...Object.keys(suites)], { encoding: "utf8" });
  return { lines: run.stdout.trim().split("\n"), status: run.status };
}

describe("summarize-tests", () => {
  it("counts a failed test inside a describe block once, not once more per enclosing suite", () => {
    const r = report([
      { name: "a.unit.spec.ts", status: "failed", tests: ["passed", "failed"] },
      { name: "b.unit.spec.ts", status: "passed", tests: ["passed"] },
    ]);
    const { lines, status } = summarize({ unit: { report: r, exitCode: 1 } });
    expect(lines.at(-1)).toBe("2 passed, 1 failed");
    expect(status).toBe(1);
  });

  it("counts a file that failed outside its tests (a failing beforeAll) as one failure", () => {
    const r = report([{ name: "c.e2e.spec.ts", status: "failed", message: "no stack config", tests: ["skipped", "skipped"] }]);
    const { lines } = summarize({ e2e: { report: r, exitCode: 1 } });
    expect(lines.some((l) => l.includes("c.e2e.spec.ts: failed outside its tests: no stack config"))).toBe(true);
    expect(lines.at(-1)).toBe("0 passed, 1 failed, 2 skipped");
  });

  it("counts a non-zero vitest exit with no failure in its report (an unhandled rejection) as one failure", () => {
    const r = report([{ name: "d.int.spec.ts", status: "passed", tests: ["passed", "passed"] }]);
    const { lines, status } = summarize({ int: { report: r, exitCode: 1 } });
    expect(lines.at(-1)).toBe("2 passed, 1 failed");
    expect(status).toBe(1);
  });

  it("passes a clean run, adds the checks and counts a suite without a report as failed", () => {
    const clean = report([{ name: "e.unit.spec.ts", status: "passed", tests: ["passed"] }]);
    expect(summarize({ unit: { report: clean, exitCode: 0 } }, "typecheck=passed\n")).toEqual({
      lines: ["unit: 1 passed, 0 failed, 0 skipped", "check typecheck: passed", "2 passed, 0 failed"],
      status: 0,
    });
    const { lines } = summarize({ unit: { report: clean, exitCode: 0 }, e2e: { exitCode: 1 } }, "lint=failed\n");
    expect(lines.at(-1)).toBe("1 passed, 2 failed");
  });
});
