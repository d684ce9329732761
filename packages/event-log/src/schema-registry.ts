// The schema registry (Confluent Schema Registry API; the stack runs Apicurio Registry, see
// infra/scripts/schema-registry.sh), through @kafkajs/confluent-schema-registry. Every topic's
// records are registered under the subject `<topic>-value` with BACKWARD compatibility, from the
// files in /schemas (still the source: the registry holds copies, checked by the registry's own
// compatibility rules too).
//
// - registerTopicSubjects: provisioning. Sets BACKWARD and registers every version of each
//   topic's schema, oldest first.
// - connectSchemaRegistry: a process's start. For each subject it writes or reads, looks up the
//   id of every version of its schema and registers the current one if missing (the registry
//   refuses an incompatible one: the process does not start). The ids then go into the codec, so
//   encoding and decoding a known id never asks the registry (schema-ids.ts).
// Errors name the registry URL, the subject and the registry's reason; never a value.
import { COMPATIBILITY, SchemaRegistry, SchemaType } from "@kafkajs/confluent-schema-registry";
import { eventCodec } from "./codec.ts";
import { fingerprintOf, loadSchemaCatalog, parseSchema, type SchemaCatalog, type SchemaVersion } from "./schema-catalog.ts";
import { SchemaIdTable, type SchemaIdResolution } from "./schema-ids.ts";

/** The stack's registry (infra/scripts/schema-registry.sh): the default of every service's schemaRegistryUrl. */
export const DEFAULT_SCHEMA_REGISTRY_URL = "http://127.0.0.1:18081/apis/ccompat/v7";

/** For a service's config table: what is wrong with a registry URL, or undefined. Never quotes it. */
export function schemaRegistryUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return "must be the http(s) URL of the schema registry's Confluent-compatible API, e.g. http://127.0.0.1:18081/apis/ccompat/v7";
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return `must be an http or https URL, got a ${url.protocol} one`;
  if (url.username !== "" || url.password !== "") return "must not carry credentials";
  return undefined;
}

/** The subject of a topic's record values (Confluent's TopicNameStrategy). */
export function valueSubject(topic: string): string {
  return `${topic}-value`;
}

/** A topic and the schema (name in /schemas) its records carry. */
export interface TopicSchema {
  readonly topic: string;
  readonly schema: string;
}

export type SchemaRegistryProblem =
  /** No answer (connection refused, timeout, a 5xx): nothing can be registered or looked up. */
  | "unreachable"
  /** The registry refused a schema version under a subject (incompatible, or another compatibility level). */
  | "incompatible"
  /** Any other refusal (a bad request, a schema the registry cannot parse). */
  | "refused";

export class SchemaRegistryError extends Error {
  override readonly name = "SchemaRegistryError";
  constructor(
    readonly problem: SchemaRegistryProblem,
    message: string,
    readonly subject?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface SchemaRegistryOptions {
  /** The Confluent-compatible API root, e.g. http://127.0.0.1:18081/apis/ccompat/v7. */
  readonly url: string;
  readonly clientId?: string;
  /** Default: the repository's /schemas. */
  readonly catalog?: SchemaCatalog;
}

interface HttpError {
  readonly status?: unknown;
  readonly message?: unknown;
}

function httpStatus(error: unknown): number | undefined {
  const status = (error as HttpError | null)?.status;
  return typeof status === "number" ? status : undefined;
}

// The client (mappersmith) reports a connection that failed as an HTTP 400 whose message is the
// socket error: those are "no answer", not a refusal.
const NO_ANSWER = /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|socket hang up|[Tt]imeout/;

function reasonOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  // The client prefixes its id ("<clientId> - <registry message>").
  return text.replace(/^[^ ]+ - /, "");
}

function client(options: SchemaRegistryOptions): SchemaRegistry {
  return new SchemaRegistry({
    host: options.url.replace(/\/+$/, ""),
    clientId: options.clientId ?? "invoice-coordinator",
    // A few quick retries, then a clear error: a process must not hang at start.
    retry: { retries: 2, initialRetryTimeInSecs: 0.2, maxRetryTimeInSecs: 2 },
  });
}

function unreachable(url: string, error: unknown, subject?: string): SchemaRegistryError {
  return new SchemaRegistryError(
    "unreachable",
    `the schema registry at ${url} did not answer (${reasonOf(error)}): start it (infra/stack up) or correct the schema registry URL`,
    subject,
    { cause: error },
  );
}

// An error of a call about `subject`, classified.
function registryError(url: string, subject: string, what: string, error: unknown): SchemaRegistryError {
  if (error instanceof SchemaRegistryError) return error;
  const status = httpStatus(error);
  if (status === undefined && (error as Error | null)?.name === "ConfluentSchemaRegistryCompatibilityError") {
    return new SchemaRegistryError("incompatible", `schema registry ${url}, subject ${subject}: ${what}: ${reasonOf(error)}`, subject, { cause: error });
  }
  if (status === undefined || status >= 500 || NO_ANSWER.test(reasonOf(error))) return unreachable(url, error, subject);
  const problem: SchemaRegistryProblem = status === 409 ? "incompatible" : "refused";
  return new SchemaRegistryError(problem, `schema registry ${url}, subject ${subject}: ${what} refused (HTTP ${status}): ${reasonOf(error)}`, subject, { cause: error });
}

function registrySchema(version: SchemaVersion) {
  return { type: SchemaType.AVRO, schema: JSON.stringify(version.schema) } as const;
}

// The id of `version` under `subject`, or undefined if it was never registered there.
async function lookUp(registry: SchemaRegistry, url: string, subject: string, version: SchemaVersion): Promise<number | undefined> {
  try {
    return await registry.getRegistryIdBySchema(subject, registrySchema(version));
  } catch (error) {
    // The client turns the registry's 404 into a ConfluentSchemaRegistryError without a status.
    if ((error as Error | null)?.name === "ConfluentSchemaRegistryError") return undefined;
    throw registryError(url, subject, `looking up ${version.name} v${version.version}`, error);
  }
}

async function register(registry: SchemaRegistry, url: string, subject: string, version: SchemaVersion): Promise<number> {
  try {
    const { id } = await registry.register(registrySchema(version), { subject, compatibility: COMPATIBILITY.BACKWARD });
    return id;
  } catch (error) {
    throw registryError(url, subject, `registering ${version.name} v${version.version} (${version.source}) with BACKWARD compatibility`, error);
  }
}

function versionsOf(catalog: SchemaCatalog, schema: string): readonly SchemaVersion[] {
  const versions = catalog.versionsOf(schema);
  if (versions.length === 0) throw new SchemaRegistryError("refused", `no schema ${JSON.stringify(schema)} in /schemas`);
  return versions;
}

/** What connectSchemaRegistry needs of a codec (an EventCodec of any record map). */
export interface SchemaIdsHolder {
  readonly boundSchemaIds: SchemaIdTable | undefined;
  bindSchemaIds(table: SchemaIdTable): void;
}

export interface RegisteredSubject {
  readonly subject: string;
  readonly schema: string;
  readonly ids: readonly { readonly version: number; readonly id: number }[];
}

/**
 * Provisioning: each topic's subject gets every version of its schema, oldest first, under
 * BACKWARD compatibility (idempotent: a registered version keeps its id; versions older than one
 * the subject already holds are left out). Throws SchemaRegistryError.
 */
export async function registerTopicSubjects(options: SchemaRegistryOptions, topics: readonly TopicSchema[]): Promise<RegisteredSubject[]> {
  const catalog = options.catalog ?? loadSchemaCatalog();
  const registry = client(options);
  const registered: RegisteredSubject[] = [];
  for (const { topic, schema } of topics) {
    const subject = valueSubject(topic);
    const versions = versionsOf(catalog, schema);
    const found = await Promise.all(versions.map((version) => lookUp(registry, options.url, subject, version)));
    // A subject that already holds a newer version (a process registered its current one first)
    // does not get the older ones: nothing was written with them under it, and BACKWARD would
    // refuse them after the newer one.
    const newestFound = found.reduce<number>((newest, id, i) => (id === undefined ? newest : i), -1);
    const ids: { version: number; id: number }[] = [];
    for (const [i, version] of versions.entries()) {
      const id = found[i] ?? (i > newestFound ? await register(registry, options.url, subject, version) : undefined);
      if (id !== undefined) ids.push({ version: version.version, id });
    }
    registered.push({ subject, schema, ids });
  }
  return registered;
}

/**
 * A process's start: the ids of every version of the schemas of `topics` (the current version
 * registered if the subject lacks it, which the registry refuses if incompatible), bound into the
 * codec (default: the process's codec) so it writes and reads the Confluent wire format from now
 * on. Ids met later that were not learnt here are resolved with the registry in the background.
 * Several services in one process (tests, the demo) share the codec's table: each adds its ids.
 * Throws SchemaRegistryError (unreachable, or incompatible naming the subject and the reason).
 */
export async function connectSchemaRegistry(
  options: SchemaRegistryOptions & { readonly topics: readonly TopicSchema[]; readonly codec?: SchemaIdsHolder },
): Promise<SchemaIdTable> {
  const catalog = options.catalog ?? loadSchemaCatalog();
  const registry = client(options);
  const codec = options.codec ?? eventCodec();
  const table = codec.boundSchemaIds ?? new SchemaIdTable((id) => resolveId(registry, options.url, catalog, id));
  for (const { topic, schema } of options.topics) {
    const subject = valueSubject(topic);
    const versions = versionsOf(catalog, schema);
    for (const version of versions) {
      const id = await lookUp(registry, options.url, subject, version);
      if (id !== undefined) table.add(version.name, version.version, id);
    }
    const current = versions.at(-1)!;
    if (table.idOf(current.name, current.version) === undefined) {
      table.add(current.name, current.version, await register(registry, options.url, subject, current));
    }
  }
  codec.bindSchemaIds(table);
  return table;
}

// What the registry says about an id this process did not learn at start.
async function resolveId(registry: SchemaRegistry, url: string, catalog: SchemaCatalog, id: number): Promise<SchemaIdResolution> {
  let fingerprint: string;
  try {
    const type = await registry.getSchema(id);
    fingerprint = fingerprintOf(type as Parameters<typeof fingerprintOf>[0]);
  } catch (error) {
    if (httpStatus(error) === 404 && !NO_ANSWER.test(reasonOf(error))) return { kind: "unknown-to-registry" };
    throw registryError(url, `(schema id ${id})`, "fetching the schema", error);
  }
  for (const name of catalog.names) {
    const match = catalog.versionsOf(name).find((v) => v.fingerprint === fingerprint);
    if (match !== undefined) return { kind: "known", schema: match.name, version: match.version };
  }
  return { kind: "not-in-catalog", description: `fingerprint ${fingerprint.slice(0, 16)}…` };
}

export interface RegistryCheckReport {
  readonly ok: boolean;
  /** One line per finding, for people. */
  readonly lines: readonly string[];
}

/**
 * The compatibility check against a real registry (schemas/check-compatibility.ts --registry):
 * 1. every schema's versions, oldest first, go under a throwaway subject with BACKWARD: the
 *    registry's own compatibility rules must accept each next version (then the subjects are
 *    deleted);
 * 2. for each subject of `deployment` the registry holds: every version registered there is one
 *    of our files (same Parsing Canonical Form: nobody registered a schema that /schemas lacks),
 *    and our current version is compatible with its latest (what the next start would register).
 */
export async function checkAgainstRegistry(options: SchemaRegistryOptions & { readonly deployment?: string }): Promise<RegistryCheckReport> {
  const catalog = options.catalog ?? loadSchemaCatalog();
  const root = options.url.replace(/\/+$/, "");
  const lines: string[] = [];
  let ok = true;
  const run = `ic-compat-check.${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
  const throwaway = catalog.names.map((schema) => ({ topic: `${run}.${schema}`, schema }));
  try {
    for (const registered of await registerTopicSubjects({ ...options, catalog }, throwaway)) {
      lines.push(`ok   ${registered.schema}: v${registered.ids.map((v) => v.version).join(" -> v")} accepted by the registry under BACKWARD`);
    }
  } catch (error) {
    ok = false;
    lines.push(`FAIL ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    for (const { topic } of throwaway) {
      for (const suffix of ["", "?permanent=true"]) await fetch(`${root}/subjects/${encodeURIComponent(valueSubject(topic))}${suffix}`, { method: "DELETE" }).catch(() => undefined);
    }
  }
  if (options.deployment === undefined) return { ok, lines };

  const subjects = (await getJson(root, "/subjects")) as string[];
  const prefix = `${options.deployment}.`;
  const byFingerprint = new Map(catalog.names.flatMap((name) => catalog.versionsOf(name).map((v) => [v.fingerprint, v] as const)));
  const mine = subjects.filter((s) => s.startsWith(prefix) && s.endsWith("-value")).sort();
  if (mine.length === 0) lines.push(`note the registry holds no subject of deployment ${options.deployment}`);
  for (const subject of mine) {
    const versions = (await getJson(root, `/subjects/${encodeURIComponent(subject)}/versions`)) as number[];
    let schemaName: string | undefined;
    for (const n of versions) {
      const { schema } = (await getJson(root, `/subjects/${encodeURIComponent(subject)}/versions/${n}`)) as { schema: string };
      const fingerprint = buildSchemaCatalogFingerprint(schema);
      const ours = byFingerprint.get(fingerprint);
      if (ours === undefined) {
        ok = false;
        lines.push(`FAIL ${subject} version ${n}: a schema none of /schemas has (fingerprint ${fingerprint.slice(0, 16)}…)`);
      } else schemaName = ours.name;
    }
    if (schemaName === undefined) continue;
    const current = catalog.current(schemaName)!;
    const answer = (await postJson(root, `/compatibility/subjects/${encodeURIComponent(subject)}/versions/latest`, { schema: JSON.stringify(current.schema) })) as { is_compatible?: boolean };
    if (answer.is_compatible === true) lines.push(`ok   ${subject}: ${current.source} is compatible with its latest version`);
    else {
      ok = false;
      lines.push(`FAIL ${subject}: ${current.source} is not BACKWARD compatible with its latest version`);
    }
  }
  return { ok, lines };
}

function buildSchemaCatalogFingerprint(schemaText: string): string {
  return fingerprintOf(parseSchema(JSON.parse(schemaText), "registry"));
}

async function getJson(root: string, path: string): Promise<unknown> {
  const response = await fetch(`${root}${path}`).catch((error: unknown) => {
    throw unreachable(root, error);
  });
  if (!response.ok) throw new SchemaRegistryError("refused", `schema registry ${root}: GET ${path}: HTTP ${response.status}`);
  return response.json();
}

async function postJson(root: string, path: string, body: unknown): Promise<unknown> {
  const response = await fetch(`${root}${path}`, { method: "POST", headers: { "content-type": "application/vnd.schemaregistry.v1+json" }, body: JSON.stringify(body) }).catch((error: unknown) => {
    throw unreachable(root, error);
  });
  if (!response.ok) throw new SchemaRegistryError("refused", `schema registry ${root}: POST ${path}: HTTP ${response.status}: ${await response.text()}`);
  return response.json();
}
