// A service's configuration as a table of fields: each is read from the JSON config file or from
// one environment variable, <PREFIX>_<PATH> (the dotted path's camelCase segments in
// SCREAMING_SNAKE, joined by "_": lnd.grpcAddress -> IC_BRIDGE_LND_GRPC_ADDRESS; lists are
// comma-separated, JSON fields are JSON text). The variable wins over the file; an empty variable
// counts as unset. Every problem names the field and where its value came from, and all of them
// are reported in one pass, so an operator fixes a config at once. Both services word their
// problems the same way because both go through here. Pure: the caller reads the file.
import { describe } from "./field-checks.ts";

/** json: any JSON value, checked by the field's check (a list of objects, say). */
export type FieldKind = "string" | "int" | "number" | "list" | "boolean" | "json";

/** The values read so far, by dotted path (a check sees the fields above it in the table). */
export type ConfigValues = Readonly<Record<string, unknown>>;

export interface FieldSpec {
  /** Dotted path in the config file, e.g. "lnd.grpcAddress". */
  readonly path: string;
  readonly kind: FieldKind;
  /** undefined: required (unless optional). A function: derived from the fields above it. */
  readonly default?: string | number | boolean | ((values: ConfigValues) => unknown);
  /** Neither required nor defaulted: an absent field stays undefined. */
  readonly optional?: boolean;
  /** What is wrong with a value of the right kind, or undefined. Never quotes a secret. */
  readonly check?: (value: never, values: ConfigValues) => string | undefined;
  /** Never quoted in a message (keys, seeds, tokens, passwords, URLs that may hold one). */
  readonly secret?: boolean;
  /** Set only by its variable: the field in the file is refused, for this reason. */
  readonly envOnly?: string;
  /** Its variable when that is not the derived name (a name kept from earlier versions). */
  readonly env?: string;
}

export interface ConfigTable {
  /** "IC_BRIDGE": variables are IC_BRIDGE_<PATH>. */
  readonly envPrefix: string;
  readonly fields: readonly FieldSpec[];
  /** Fields of earlier versions, with what replaced them: refused, saying so. */
  readonly removed?: Readonly<Record<string, string>>;
  /**
   * refuse: a field of the file that the table does not know is a problem (a misspelt key would
   * otherwise be ignored and its default used silently); ignore: it is skipped.
   */
  readonly unknownFields: "refuse" | "ignore";
}

export interface ConfigProblem {
  /** Dotted field path, e.g. "lnd.grpcAddress"; "" for the file as a whole. */
  readonly field: string;
  readonly message: string;
}

type Result<T, E> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: E };

/** IC_BRIDGE_LND_GRPC_ADDRESS for ("IC_BRIDGE", "lnd.grpcAddress"). */
export function envNameFor(envPrefix: string, path: string): string {
  return `${envPrefix}_${path
    .split(".")
    .map((segment) => segment.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase())
    .join("_")}`;
}

function variableOf(table: ConfigTable, spec: FieldSpec): string {
  return spec.env ?? envNameFor(table.envPrefix, spec.path);
}

/** Every field with its variable, in table order: for --help, the README and its check. */
export function configEnvironmentVariables(table: ConfigTable): { name: string; field: string }[] {
  return table.fields.map((spec) => ({ name: variableOf(table, spec), field: spec.path }));
}

/**
 * Reads every field of the table from the config file's parsed JSON (undefined: no file) and the
 * environment, fills in the defaults and runs each field's check. The values are keyed by path.
 */
export function parseConfigTable(
  table: ConfigTable,
  file: unknown,
  env: Readonly<Record<string, string | undefined>>,
): Result<ConfigValues, ConfigProblem[]> {
  const { values, problems } = readConfigTable(table, file, env);
  return problems.length === 0 ? { ok: true, value: values } : { ok: false, error: problems };
}

/**
 * parseConfigTable's reading, with the values of the good fields kept beside the problems of the
 * others: a service whose cross-field checks (one that spans several fields) run whenever their
 * own fields are good lists their problems with the rest, all at once. A file that is no object
 * gives no values and the problem of field "".
 */
export function readConfigTable(
  table: ConfigTable,
  file: unknown,
  env: Readonly<Record<string, string | undefined>>,
): { values: ConfigValues; problems: ConfigProblem[] } {
  if (file !== undefined && !isPlainObject(file)) {
    return { values: {}, problems: [{ field: "", message: "the config file must hold a JSON object" }] };
  }
  const fileObject: Record<string, unknown> = file ?? {};
  const problems: ConfigProblem[] = fileStructureProblems(table, fileObject);
  const values: Record<string, unknown> = {};
  for (const spec of table.fields) {
    const envName = variableOf(table, spec);
    const envText = env[envName];
    const fromEnv = envText !== undefined && envText !== "";
    const raw = fromEnv ? envText : spec.envOnly === undefined ? valueAt(fileObject, spec.path) : undefined;
    const problem = (message: string) =>
      problems.push({
        field: spec.path,
        message: fromEnv ? `${spec.path} (from ${envName}): ${message}` : `config field "${spec.path}": ${message}`,
      });

    if (raw === undefined) {
      if (spec.optional === true) continue;
      if (spec.default === undefined) {
        problems.push({
          field: spec.path,
          message:
            spec.envOnly === undefined
              ? `config field "${spec.path}" is required (set it in the config file or ${envName})`
              : `config field "${spec.path}" is required (set ${envName})`,
        });
        continue;
      }
      values[spec.path] = typeof spec.default === "function" ? spec.default(values) : spec.default;
      continue;
    }
    const typed = fromEnv ? fromEnvText(spec.kind, raw as string) : ofKind(spec.kind, raw);
    if (typed === undefined) {
      problem(`must be ${KIND_NAMES[spec.kind]}${spec.secret === true ? "" : `, got ${describe(raw)}`}`);
      continue;
    }
    const complaint = spec.check?.(typed.value as never, values);
    if (complaint !== undefined) {
      problem(complaint);
      continue;
    }
    values[spec.path] = typed.value;
  }
  return { values, problems };
}

const KIND_NAMES: Record<FieldKind, string> = {
  string: "a string",
  int: "an integer",
  number: "a number",
  list: "a list of strings",
  boolean: "true or false",
  json: "JSON",
};

// Number("") and Number(" ") are 0: only digits (and one dot) count as a number.
const NUMERIC = /^-?\d+(\.\d+)?$/;

/** A variable's text as the field's kind; undefined when it cannot be read as one. */
function fromEnvText(kind: FieldKind, text: string): { value: unknown } | undefined {
  switch (kind) {
    case "string":
      return { value: text };
    case "int":
    case "number":
      return NUMERIC.test(text.trim()) ? ofKind(kind, Number(text)) : undefined;
    case "list":
      return {
        value: text
          .split(",")
          .map((item) => item.trim())
          .filter((item) => item.length > 0),
      };
    case "boolean":
      return text === "true" ? { value: true } : text === "false" ? { value: false } : undefined;
    case "json":
      try {
        return { value: JSON.parse(text) as unknown };
      } catch {
        return undefined;
      }
  }
}

/**
 * A file value as the field's kind; undefined when it is not one. A number written as a string
 * ("9100", as a templated file may hold) is read like the same text in a variable.
 */
function ofKind(kind: FieldKind, value: unknown): { value: unknown } | undefined {
  switch (kind) {
    case "string":
      return typeof value === "string" ? { value } : undefined;
    case "int":
      if (typeof value === "string") return NUMERIC.test(value.trim()) ? ofKind(kind, Number(value)) : undefined;
      return Number.isSafeInteger(value) ? { value } : undefined;
    case "number":
      if (typeof value === "string") return NUMERIC.test(value.trim()) ? ofKind(kind, Number(value)) : undefined;
      return typeof value === "number" && Number.isFinite(value) ? { value } : undefined;
    case "list":
      return Array.isArray(value) && value.every((item) => typeof item === "string") ? { value } : undefined;
    case "boolean":
      return typeof value === "boolean" ? { value } : undefined;
    case "json":
      return { value };
  }
}

/** The value at a dotted path of a parsed JSON object; undefined when a step is missing. */
export function valueAt(object: unknown, path: string): unknown {
  let current: unknown = object;
  for (const segment of path.split(".")) {
    if (!isPlainObject(current)) return undefined;
    current = current[segment];
  }
  return current;
}

/**
 * Removed fields, fields set only by their variable, groups that are not objects and (when the
 * table refuses them) fields it does not know, in the file's order.
 */
function fileStructureProblems(table: ConfigTable, file: Record<string, unknown>): ConfigProblem[] {
  const specs = new Map(table.fields.map((spec) => [spec.path, spec]));
  const groups = new Set<string>();
  for (const path of [...specs.keys(), ...Object.keys(table.removed ?? {})]) {
    const segments = path.split(".");
    for (let i = 1; i < segments.length; i++) groups.add(segments.slice(0, i).join("."));
  }
  const refuseUnknown = table.unknownFields === "refuse";
  const problems: ConfigProblem[] = [];
  const walk = (object: Record<string, unknown>, prefix: string): void => {
    for (const [key, value] of Object.entries(object)) {
      const path = prefix === "" ? key : `${prefix}.${key}`;
      const removed = table.removed?.[path];
      const spec = specs.get(path);
      if (removed !== undefined) {
        problems.push({ field: path, message: `config field "${path}" is no longer used: ${removed}` });
      } else if (spec !== undefined) {
        if (spec.envOnly !== undefined && value !== undefined)
          problems.push({ field: path, message: `config field "${path}" is not read from the config file: ${spec.envOnly}` });
      } else if (groups.has(path)) {
        if (isPlainObject(value)) walk(value, path);
        else if (refuseUnknown) problems.push({ field: path, message: `config field "${path}" must be an object, got ${describe(value)}` });
      } else if (refuseUnknown) {
        problems.push({ field: path, message: `unknown config field "${path}"` });
      }
    }
  };
  walk(file, "");
  return problems;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
