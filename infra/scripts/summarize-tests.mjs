// Sums the vitest JSON reports of every suite (and the extra checks recorded as
// name=passed|failed lines) into the closing line CI reads: "N passed, N failed".
// A suite also counts one failure per test file that failed outside its tests (an import
// error, a failing beforeAll/afterAll), and one when vitest exited non-zero although its report
// shows no failure (an unhandled error or rejection: vitest fails the run but not a test).
import { existsSync, readFileSync } from "node:fs";

const [resultsDir, ...suites] = process.argv.slice(2);
let passed = 0;
let failed = 0;
let skipped = 0;
for (const suite of suites) {
  const file = `${resultsDir}/${suite}.json`;
  const exitFile = `${resultsDir}/${suite}.exit`;
  const exitCode = existsSync(exitFile) ? Number(readFileSync(exitFile, "utf8").trim()) : 0;
  if (!existsSync(file)) {
    console.log(`${suite}: no results (the suite crashed before reporting): counted as 1 failed`);
    failed += 1;
    continue;
  }
  const r = JSON.parse(readFileSync(file, "utf8"));
  const suiteSkipped = r.numPendingTests + (r.numTodoTests ?? 0);
  // numFailedTestSuites counts every describe block and file around a failed test, so it is
  // not used: a file counts on its own only when none of its tests failed.
  const filesFailedOutsideTests = (r.testResults ?? []).filter(
    (f) => f.status === "failed" && !f.assertionResults.some((a) => a.status === "failed"),
  );
  let suiteFailures = r.numFailedTests + filesFailedOutsideTests.length;
  const notes = filesFailedOutsideTests.map((f) => `  ${f.name}: failed outside its tests: ${f.message || "see the log above"}`);
  if (exitCode !== 0 && suiteFailures === 0) {
    suiteFailures = 1;
    notes.push(`  vitest exited with code ${exitCode} but reported no failed test (an unhandled error? see the log above): counted as 1 failed`);
  }
  console.log(
    `${suite}: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${suiteSkipped} skipped` +
      (filesFailedOutsideTests.length ? ` (${filesFailedOutsideTests.length} test files failed outside their tests)` : ""),
  );
  for (const note of notes) console.log(note);
  passed += r.numPassedTests;
  failed += suiteFailures;
  skipped += suiteSkipped;
}
const checksFile = `${resultsDir}/checks.txt`;
if (existsSync(checksFile)) {
  for (const line of readFileSync(checksFile, "utf8").split("\n").filter(Boolean)) {
    const [name, outcome] = line.split("=");
    console.log(`check ${name}: ${outcome}`);
    if (outcome === "passed") passed += 1;
    else failed += 1;
  }
}
if (passed + failed === 0) {
  console.log("no test ran: counted as 1 failed");
  failed = 1;
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(failed > 0 ? 1 : 0);
