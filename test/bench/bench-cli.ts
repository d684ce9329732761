// What every benchmark's command line shares: whole-number flags checked with a message that
// names the flag and shows the usage, and a main that reports its error and exits 1.
import path from "node:path";
import { fileURLToPath } from "node:url";

/** A comma list of whole numbers from 1 to max, or an error naming the flag. */
export function wholeNumbers(flag: string, text: string | undefined, max: number, usage: string): number[] {
  const values = (text ?? "").split(",").map(Number);
  if (text === undefined || values.some((v) => !Number.isInteger(v) || v < 1 || v > max)) {
    throw new Error(`${flag} takes whole numbers from 1 to ${max}, got ${text ?? "nothing"}\n${usage}`);
  }
  return values;
}

/** Runs main when the file is the entry point (not when a test imports its parser). */
export function runWhenMain(moduleUrl: string, main: () => Promise<void>): void {
  if (process.argv[1] === undefined || fileURLToPath(moduleUrl) !== path.resolve(process.argv[1])) return;
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
