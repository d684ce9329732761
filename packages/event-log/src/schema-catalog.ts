// The set of schema versions a process knows: parsed once from /schemas (or from in-memory
// definitions in tests), each with its avsc Type and fingerprint.
//
// File rule: `<name>.v<N>.avsc`, name in kebab-case, N = 1, 2, ... A published version is
// immutable (its fingerprint travels in every record's headers); a change is a new file
// v<N+1> that can read everything v<N> wrote (schemas/check-compatibility.ts enforces it).
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import avro from "avsc";
import type { Schema, Type } from "avsc";
import { SchemaDefinitionError } from "./errors.ts";
import { logicalTypes } from "./logical-types.ts";

export const SCHEMA_FILE_PATTERN = /^([a-z][a-z0-9]*(?:-[a-z0-9]+)*)\.v([1-9][0-9]*)\.avsc$/;

/** The repository's /schemas folder, found from this file's location in the monorepo. */
export const defaultSchemaDirectory = fileURLToPath(new URL("../../../schemas/", import.meta.url));

export interface SchemaDefinition {
  readonly name: string;
  readonly version: number;
  /** The parsed JSON of the .avsc file. */
  readonly schema: unknown;
  /** Where it came from, for messages (a file name, or "memory"). */
  readonly source: string;
}

export interface SchemaVersion extends SchemaDefinition {
  readonly type: Type;
  /** SHA-256 of the Avro Parsing Canonical Form, hex (docs and logical types do not change it). */
  readonly fingerprint: string;
}

export interface SchemaCatalog {
  /** Known schema names, sorted. */
  readonly names: readonly string[];
  /** Every version of a schema, oldest first; empty if unknown. */
  versionsOf(name: string): readonly SchemaVersion[];
  get(name: string, version: number): SchemaVersion | undefined;
  /** The newest version: the one this process writes and reads into. */
  current(name: string): SchemaVersion | undefined;
}

/** Parses one schema with the event log's logical types. Throws SchemaDefinitionError. */
export function parseSchema(schema: unknown, source: string): Type {
  try {
    return avro.Type.forSchema(schema as Schema, {
      logicalTypes: logicalTypes as never,
      // Each file is self-contained: named types (e.g. CircuitKey) are re-declared per file.
      registry: {},
      wrapUnions: "auto",
    });
  } catch (error) {
    throw new SchemaDefinitionError(`${source}: not a valid Avro schema: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

export function fingerprintOf(type: Type): string {
  return type.fingerprint("sha256").toString("hex");
}

export function buildSchemaCatalog(definitions: readonly SchemaDefinition[]): SchemaCatalog {
  const byName = new Map<string, SchemaVersion[]>();
  for (const definition of definitions) {
    if (!Number.isInteger(definition.version) || definition.version < 1) {
      throw new SchemaDefinitionError(`${definition.source}: version must be a positive integer`);
    }
    const type = parseSchema(definition.schema, definition.source);
    const versions = byName.get(definition.name) ?? [];
    if (versions.some((v) => v.version === definition.version)) {
      throw new SchemaDefinitionError(`${definition.source}: ${definition.name} v${definition.version} is defined twice`);
    }
    versions.push({ ...definition, type, fingerprint: fingerprintOf(type) });
    byName.set(definition.name, versions);
  }
  for (const versions of byName.values()) versions.sort((a, b) => a.version - b.version);
  const names = [...byName.keys()].sort();
  return {
    names,
    versionsOf: (name) => byName.get(name) ?? [],
    get: (name, version) => byName.get(name)?.find((v) => v.version === version),
    current: (name) => byName.get(name)?.at(-1),
  };
}

/** Reads every `*.avsc` of a folder; a .avsc file whose name breaks the file rule is an error. */
export function readSchemaDirectory(directory: string = defaultSchemaDirectory): SchemaDefinition[] {
  const definitions: SchemaDefinition[] = [];
  for (const fileName of readdirSync(directory).sort()) {
    if (!fileName.endsWith(".avsc")) continue;
    const match = SCHEMA_FILE_PATTERN.exec(fileName);
    if (!match) {
      throw new SchemaDefinitionError(`${fileName}: schema files are named <kebab-name>.v<N>.avsc (N >= 1)`);
    }
    let schema: unknown;
    try {
      schema = JSON.parse(readFileSync(`${directory}/${fileName}`, "utf8"));
    } catch (error) {
      throw new SchemaDefinitionError(`${fileName}: not valid JSON: ${(error as Error).message}`, { cause: error });
    }
    definitions.push({ name: match[1]!, version: Number(match[2]), schema, source: fileName });
  }
  return definitions;
}

export function loadSchemaCatalog(directory: string = defaultSchemaDirectory): SchemaCatalog {
  return buildSchemaCatalog(readSchemaDirectory(directory));
}
