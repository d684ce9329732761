// Checks the versioning rule of this folder (see README.md): every newer version of a schema
// reads data written by every older one, and every schema is documented.
// Run from the repository root:  node_modules/.bin/tsx schemas/check-compatibility.ts [--full]
// (--full also requires that older versions read what newer ones write.) Exit code 1 on failure.
// With --registry <url> [--deployment <name>] the same files are also checked by a real schema
// registry (its own BACKWARD rules, on throwaway subjects), and the deployment's subjects there
// against the files (checkAgainstRegistry in packages/event-log/src/schema-registry.ts).
import { fileURLToPath, pathToFileURL } from "node:url";
import { loadSchemaCatalog } from "../packages/event-log/src/schema-catalog.ts";
import type { CompatibilityMode } from "../packages/event-log/src/schema-evolution.ts";
import { checkSchemaEvolution, formatEvolutionReport } from "../packages/event-log/src/schema-evolution.ts";
import { checkAgainstRegistry } from "../packages/event-log/src/schema-registry.ts";

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
function flag(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i < 0 ? undefined : process.argv[i + 1];
}

if (invokedDirectly) {
  const mode: CompatibilityMode = process.argv.includes("--full") ? "full" : "backward";
  try {
    const { ok, text } = runCompatibilityCheck(schemaDirectory, mode);
    console.log(text);
    let registryOk = true;
    const registry = flag("--registry");
    if (registry !== undefined) {
      const deployment = flag("--deployment");
      const report = await checkAgainstRegistry({ url: registry, catalog: loadSchemaCatalog(schemaDirectory), ...(deployment === undefined ? {} : { deployment }) });
      console.log(`\nagainst the schema registry ${registry}${deployment === undefined ? "" : ` (deployment ${deployment})`}:\n${report.lines.join("\n")}`);
      registryOk = report.ok;
    }
    process.exitCode = ok && registryOk ? 0 : 1;
  } catch (error) {
    console.error(`schema check failed: ${(error as Error).message}`);
    process.exitCode = 1;
  }
}
