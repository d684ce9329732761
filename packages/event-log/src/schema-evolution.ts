// The versioning rule of /schemas, as a check that CI runs (schemas/check-compatibility.ts)
// and a unit test exercises:
//   - versions of a schema are 1..N without gaps;
//   - backward compatibility: every newer version can read data written by every older one
//     (an avsc resolver from the older writer type into the newer reader type builds), so a
//     consumer upgraded to vN still decodes the whole log from offset 0;
//   - with mode "full", also forward: every older version can read data the newer writes,
//     which lets readers that hold only old schema files (other teams on the public topic)
//     keep up while producers move first;
//   - documentation: each schema is a record with a namespace and a doc, and every record
//     field at any depth has a doc.
import type { SchemaCatalog, SchemaVersion } from "./schema-catalog.ts";

export type CompatibilityMode = "backward" | "full";

export interface EvolutionProblem {
  readonly schema: string;
  readonly message: string;
}

export interface EvolutionCheck {
  readonly schema: string;
  readonly writer: number;
  readonly reader: number;
}

export interface EvolutionReport {
  readonly ok: boolean;
  readonly problems: readonly EvolutionProblem[];
  /** Every writer -> reader resolution that was built successfully. */
  readonly passed: readonly EvolutionCheck[];
}

export function checkSchemaEvolution(
  catalog: SchemaCatalog,
  options: { mode?: CompatibilityMode } = {},
): EvolutionReport {
  const mode = options.mode ?? "backward";
  const problems: EvolutionProblem[] = [];
  const passed: EvolutionCheck[] = [];
  for (const name of catalog.names) {
    const versions = catalog.versionsOf(name);
    for (const version of versions) problems.push(...documentationProblems(version));
    versions.forEach((version, index) => {
      if (version.version !== index + 1) {
        problems.push({
          schema: name,
          message: `versions are ${versions.map((v) => v.version).join(", ")}: expected 1..${versions.length} without gaps (missing v${index + 1})`,
        });
      }
    });
    for (let newer = 1; newer < versions.length; newer++) {
      for (let older = 0; older < newer; older++) {
        const pairs: [SchemaVersion, SchemaVersion][] = [[versions[older]!, versions[newer]!]];
        if (mode === "full") pairs.push([versions[newer]!, versions[older]!]);
        for (const [writer, reader] of pairs) {
          const problem = resolutionProblem(writer, reader);
          if (problem === undefined) passed.push({ schema: name, writer: writer.version, reader: reader.version });
          else problems.push({ schema: name, message: problem });
        }
      }
    }
  }
  return { ok: problems.length === 0, problems, passed };
}

function resolutionProblem(writer: SchemaVersion, reader: SchemaVersion): string | undefined {
  try {
    reader.type.createResolver(writer.type);
    return undefined;
  } catch (error) {
    const direction = reader.version > writer.version ? "not backward compatible" : "not forward compatible";
    return (
      `${direction}: v${reader.version} (${reader.source}) cannot read data written by ` +
      `v${writer.version} (${writer.source}): ${(error as Error).message}`
    );
  }
}

function documentationProblems(version: SchemaVersion): EvolutionProblem[] {
  const problems: EvolutionProblem[] = [];
  const report = (message: string) => problems.push({ schema: version.name, message: `${version.source}: ${message}` });
  const root = version.schema as { type?: unknown; name?: unknown; namespace?: unknown; doc?: unknown };
  if (root.type !== "record") report("the top-level type must be a record");
  const hasNamespace =
    (typeof root.namespace === "string" && root.namespace !== "") ||
    (typeof root.name === "string" && root.name.includes("."));
  if (!hasNamespace) report("the top-level record needs a namespace");
  if (!isNonEmptyString(root.doc)) report("the top-level record needs a doc");
  visitRecords(version.schema, (record, path) => {
    for (const field of record.fields) {
      if (!isNonEmptyString(field.doc)) report(`field ${path}${String(field.name)} needs a doc`);
    }
  });
  return problems;
}

interface RecordSchemaJson {
  readonly fields: readonly { readonly name?: unknown; readonly doc?: unknown; readonly type?: unknown }[];
}

function visitRecords(schema: unknown, visit: (record: RecordSchemaJson, path: string) => void, path = ""): void {
  if (Array.isArray(schema)) {
    for (const branch of schema) visitRecords(branch, visit, path);
    return;
  }
  if (typeof schema !== "object" || schema === null) return;
  const node = schema as { type?: unknown; fields?: unknown; items?: unknown; values?: unknown };
  if (node.type === "record" || node.type === "error") {
    const fields = Array.isArray(node.fields) ? (node.fields as RecordSchemaJson["fields"]) : [];
    visit({ fields }, path);
    for (const field of fields) visitRecords(field.type, visit, `${path}${String(field.name)}.`);
  } else if (node.type === "array") {
    visitRecords(node.items, visit, `${path}[].`);
  } else if (node.type === "map") {
    visitRecords(node.values, visit, `${path}{}.`);
  } else if (typeof node.type === "object") {
    visitRecords(node.type, visit, path);
  }
}

function isNonEmptyString(value: unknown): boolean {
  return typeof value === "string" && value.trim() !== "";
}

/** Human-readable lines for a report, one per problem or passed check. */
export function formatEvolutionReport(catalog: SchemaCatalog, report: EvolutionReport): string {
  const lines: string[] = [];
  for (const name of catalog.names) {
    const versions = catalog.versionsOf(name).map((v) => `v${v.version}`);
    const checks = report.passed.filter((c) => c.schema === name).map((c) => `v${c.writer}->v${c.reader}`);
    lines.push(`${name}: ${versions.join(", ")}${checks.length > 0 ? `; readable: ${checks.join(", ")}` : ""}`);
  }
  for (const problem of report.problems) lines.push(`FAIL ${problem.schema}: ${problem.message}`);
  lines.push(report.ok ? "schemas OK" : `${report.problems.length} schema problem(s)`);
  return lines.join("\n");
}
