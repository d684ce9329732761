// Sums the vitest JSON reports of every suite (and the extra checks recorded as
// name=passed|failed lines) into the closing line CI reads: "N passed, N failed".
import { existsSync, readFileSync } from "node:fs";

const [resultsDir, ...suites] = process.argv.slice(2);
let passed = 0;
let failed = 0;
let skipped = 0;
for (const suite of suites) {
  const file = `${resultsDir}/${suite}.json`;
  if (!existsSync(file)) {
    console.log(`${suite}: no results (the suite crashed before reporting): counted as 1 failed`);
    failed += 1;
    continue;
  }
  const r = JSON.parse(readFileSync(file, "utf8"));
  const suiteFailures = r.numFailedTests + (r.numFailedTestSuites ?? 0);
  console.log(
    `${suite}: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + (r.numTodoTests ?? 0)} skipped` +
      (r.numFailedTestSuites ? ` (${r.numFailedTestSuites} test files failed to run)` : ""),
  );
  passed += r.numPassedTests;
  failed += suiteFailures;
  skipped += r.numPendingTests + (r.numTodoTests ?? 0);
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
