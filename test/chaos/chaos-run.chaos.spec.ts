// The short chaos run in the test command (issue 10, item 9): infra/run-chaos.sh brings the stack
// up with three Kafka brokers and runs test/chaos/chaos-run.ts with 60 payments and 6 faults (one
// of each kind). This test passes only if the run's own checks found nothing (its exit code) and
// its JSON line says so; the line is printed for the record.
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

it("60 payments with 6 faults on three brokers: nothing underpaid, settled twice, lost, held too long, mismatched or leaked", async () => {
  const child = spawn("bash", [path.join(repo, "infra/run-chaos.sh"), "60", "6"], { cwd: repo, stdio: ["ignore", "pipe", "inherit"] });
  let stdout = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  const line = stdout.trim().split("\n").at(-1) ?? "";
  console.log(line);
  const result = JSON.parse(line) as Record<string, unknown>;
  expect(result).toMatchObject({ payments: 60, faults: 6, underpaidSettles: 0, doubleSettles: 0, lostSettlements: 0, heldPastTimeout: 0, auditMismatches: 0, secretLeaks: 0 });
  expect(result["succeeded"]).toBeGreaterThan(0);
  expect(code).toBe(0);
}, 1_500_000);
