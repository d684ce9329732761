// Tear-down of test fixtures: every step runs, in order, even after an earlier one failed, so a
// failing step does not leave the later resources (consumers, topics, schemas) behind.
export type TearDownStep = readonly [name: string, step: () => unknown];

/** Runs every step; then throws one error naming each step that failed. */
export async function runAllSteps(what: string, steps: readonly TearDownStep[]): Promise<void> {
  const failures: string[] = [];
  for (const [name, step] of steps) {
    try {
      await step();
    } catch (error) {
      failures.push(`${name}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  if (failures.length > 0) throw new Error(`${what} failed: ${failures.join("; ")}`);
}
