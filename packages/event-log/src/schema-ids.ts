// The registry's schema ids as this process knows them: which id each known schema version has
// (the id written after the magic byte of the Confluent wire format), and what an id read from
// a record is. Filled once at start by connectSchemaRegistry (schema-registry.ts), so encoding and
// decoding a known id never asks the registry. An id nobody told us about is resolved with the
// registry in the background (the `resolve` callback); until its answer is in, decode holds the
// record (its partition waits and retries), then either decodes it or dead-letters it.

/** What the registry said about an id this process did not know at start. */
export type SchemaIdResolution =
  /** The registry has no schema of this id: the record can never be read (dead letter). */
  | { readonly kind: "unknown-to-registry" }
  /** One of our catalog's versions (registered under this id after our start, or under another subject). */
  | { readonly kind: "known"; readonly schema: string; readonly version: number }
  /** A schema the registry has but our catalog has not: a newer version (upgrade this reader). */
  | { readonly kind: "not-in-catalog"; readonly description: string };

export class SchemaIdTable {
  private readonly ids = new Map<string, number>();
  private readonly versions = new Map<number, { readonly schema: string; readonly version: number }>();
  private readonly resolutions = new Map<number, SchemaIdResolution | Promise<void>>();

  /**
   * @param resolve asks the registry about an unknown id (never on the hot path: once per
   * unknown id, and again only after a failed attempt). Without it an unknown id stays unresolved.
   */
  constructor(private readonly resolve?: (id: number) => Promise<SchemaIdResolution>) {}

  /** Records that `schema` version `version` has registry id `id`. */
  add(schema: string, version: number, id: number): void {
    if (!Number.isInteger(id) || id < 0 || id > 0xffffffff) throw new RangeError(`schema id ${id} is not a 32-bit unsigned integer`);
    this.ids.set(`${schema}@${version}`, id);
    this.versions.set(id, { schema, version });
  }

  idOf(schema: string, version: number): number | undefined {
    return this.ids.get(`${schema}@${version}`);
  }

  versionOf(id: number): { readonly schema: string; readonly version: number } | undefined {
    return this.versions.get(id);
  }

  /** The registry's answer about an id we did not know; undefined while none is in (and asks for one). */
  resolution(id: number): SchemaIdResolution | undefined {
    const found = this.resolutions.get(id);
    if (found !== undefined && !(found instanceof Promise)) return found;
    if (found === undefined) this.ask(id);
    return undefined;
  }

  /**
   * Until the registry answered about `id` (at once for a known id). Never rejects: a registry
   * that does not answer leaves the id unresolved, and decode holds its record.
   */
  async settle(id: number): Promise<void> {
    if (this.versions.has(id)) return;
    const found = this.resolutions.get(id);
    if (found !== undefined && !(found instanceof Promise)) return;
    await (found ?? this.ask(id));
  }

  private ask(id: number): Promise<void> {
    if (this.resolve === undefined) return Promise.resolve();
    const asking = this.resolve(id).then(
      (answer) => {
        if (answer.kind === "known") this.add(answer.schema, answer.version, id);
        this.resolutions.set(id, answer);
      },
      // Registry unreachable: ask again on the next attempt.
      () => {
        this.resolutions.delete(id);
      },
    );
    this.resolutions.set(id, asking);
    return asking;
  }

  /** Every known (schema, version, id), for logs. */
  entries(): { schema: string; version: number; id: number }[] {
    return [...this.versions.entries()].map(([id, v]) => ({ ...v, id }));
  }
}
