// Checks the versioning rule of this folder (see README.md): every newer version of a schema
// reads data written by every older one, and every schema is documented.
// Run from the repository root:  node_modules/.bin/tsx schemas/check-compatibility.ts [--full]
// (--full also requires that older versions read what newer ones write.) Exit code 1 on failure.
import { fileURLToPath, pathToFileURL } from "node:url";
import { loadSchemaCatalog } from "../packages/event-log/src/schema-catalog.ts";
import type { CompatibilityMode } from "../packages/event-log/src/schema-evolution.ts";
import { checkSchemaEvolution, formatEvolutionReport } from "../packages/event-log/src/schema-evolution.ts";

export const schemaDirectory = fileURLToPath(new URL("./", import.meta.url));

export function runCompatibilityCheck(
  directory: string = schemaDirectory,
  mode: CompatibilityMode = "backward",
): { ok: boolean; text: string } {
  const catalog = loadSchemaCatalog(directory);
  const report = checkSchemaEvolution(catalog, { mode });
  return { ok: report.ok, text: formatEvolutionReport(catalog, report) };
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (invokedDirectly) {
  const mode: CompatibilityMode = process.argv.includes("--full") ? "full" : "backward";
  try {
    const { ok, text } = runCompatibilityCheck(schemaDirectory, mode);
    console.log(text);
    process.exitCode = ok ? 0 : 1;
  } catch (error) {
    console.error(`schema check failed: ${(error as Error).message}`);
    process.exitCode = 1;
  }
}
