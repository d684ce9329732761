// The Confluent wire format (magic byte 0, 4-byte big-endian schema id, Avro body) and reading
// both formats during the transition. Schema ids are given by hand here (SchemaIdTable); the
// int test (schema-registry.int.spec.ts) gets them from the real registry.
import avro from "avsc";
import { describe, expect, it } from "vitest";
import { EventCodec, SCHEMA_FINGERPRINT_HEADER, SCHEMA_HEADER, SCHEMA_VERSION_HEADER, type EventRecordBytes } from "./codec.ts";
import { EventDecodeError, EventEncodeError, isPermanentDecodeFailure } from "./errors.ts";
import type { EventRecords } from "./event-records.ts";
import { eventRecordInvariants } from "./record-invariants.ts";
import { loadSchemaCatalog } from "./schema-catalog.ts";
import { SchemaIdTable, type SchemaIdResolution } from "./schema-ids.ts";
import { PAST_2_53, sampleEvents } from "./sample-events.ts";

const catalog = loadSchemaCatalog();

function codecWith(table?: SchemaIdTable): EventCodec<EventRecords> {
  const codec = new EventCodec<EventRecords>(catalog, eventRecordInvariants);
  if (table !== undefined) codec.bindSchemaIds(table);
  return codec;
}

// Every version of every schema gets an id: 100, 101, ...
function fullTable(resolve?: (id: number) => Promise<SchemaIdResolution>): SchemaIdTable {
  const table = new SchemaIdTable(resolve);
  let id = 100;
  for (const name of catalog.names) for (const v of catalog.versionsOf(name)) table.add(name, v.version, id++);
  return table;
}

function decodeFailure(run: () => unknown): EventDecodeError {
  try {
    run();
  } catch (error) {
    if (error instanceof EventDecodeError) return error;
    throw error;
  }
  throw new Error("expected an EventDecodeError, nothing was thrown");
}

// Lets the resolver's answer (a settled promise) land in the table.
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe("a codec bound to registry ids writes the Confluent wire format", () => {
  const table = fullTable();
  const codec = codecWith(table);

  it("magic byte 0, the current version's id big-endian, then the Avro body; name and version headers, no fingerprint", () => {
    const sample = sampleEvents()["invoice-event"];
    const encoded = codec.encode("invoice-event", sample);
    const current = catalog.current("invoice-event")!;
    const id = table.idOf("invoice-event", current.version)!;
    expect(encoded.value[0]).toBe(0);
    expect(encoded.value.readUInt32BE(1)).toBe(id);
    expect(encoded.value.subarray(5)).toEqual(current.type.toBuffer(sample));
    expect(encoded.headers).toEqual({ [SCHEMA_HEADER]: "invoice-event", [SCHEMA_VERSION_HEADER]: String(current.version) });
  });

  it("round-trips every schema's sample, uint64 past 2^53 exact", () => {
    const samples = sampleEvents();
    for (const name of catalog.names as (keyof EventRecords)[]) {
      const decoded = codec.decode(codec.encode(name, samples[name]));
      expect(decoded.schema).toBe(name);
      expect(decoded.value).toEqual(samples[name]);
    }
    const big = { ...samples["htlc-intercepted"], incomingAmountMsat: PAST_2_53 };
    expect(codec.decodeAs("htlc-intercepted", codec.encode("htlc-intercepted", big)).incomingAmountMsat).toBe(PAST_2_53);
  });

  it("reads a record with no headers at all (a foreign producer): the id alone says what it is", () => {
    const encoded = codec.encode("bridge-status", sampleEvents()["bridge-status"]);
    expect(codec.decodeAs("bridge-status", { value: encoded.value })).toEqual(sampleEvents()["bridge-status"]);
  });

  it("a plain Avro library reads the body after the 5-byte prefix with the registered schema (no logical types)", () => {
    const sample = sampleEvents()["invoice-event"];
    const encoded = codec.encode("invoice-event", sample);
    const plain = avro.Type.forSchema(catalog.current("invoice-event")!.schema as avro.Schema, { wrapUnions: "auto" });
    const read = plain.fromBuffer(encoded.value.subarray(5)) as { paymentHash: string; amountMsat: string | null };
    expect(read.paymentHash).toBe(sample.paymentHash);
    expect(read.amountMsat).toBe(sample.amountMsat === null ? null : String(sample.amountMsat));
  });

  it("refuses to encode a schema it has no id for, naming it", () => {
    const partial = new SchemaIdTable();
    partial.add("bridge-status", 1, 7);
    const error = (() => {
      try {
        codecWith(partial).encode("invoice-event", sampleEvents()["invoice-event"]);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(EventEncodeError);
    expect((error as Error).message).toMatch(/invoice-event v\d+: has no schema registry id/);
  });
});

describe("both formats are read during the transition", () => {
  const sample = sampleEvents()["htlc-command"];
  const headerFormat = codecWith().encode("htlc-command", sample);

  it("an unbound codec (no registry) still writes the header format with its fingerprint", () => {
    expect(headerFormat.headers[SCHEMA_FINGERPRINT_HEADER]).toBe(catalog.current("htlc-command")!.fingerprint);
    expect(headerFormat.value).toEqual(catalog.current("htlc-command")!.type.toBuffer(sample));
  });

  it("a bound codec reads a header-format record (written before the registry)", () => {
    expect(codecWith(fullTable()).decodeAs("htlc-command", headerFormat)).toEqual(sample);
  });

  it("an unbound codec (a test harness, a tool) reads a wire-format record by its name and version headers", () => {
    const wire = codecWith(fullTable()).encode("htlc-command", sample);
    expect(codecWith().decodeAs("htlc-command", wire)).toEqual(sample);
  });

  it("an unbound codec holds a wire-format record without those headers (it cannot tell the schema; nothing is lost)", () => {
    const wire = codecWith(fullTable()).encode("htlc-command", sample);
    const error = decodeFailure(() => codecWith().decode({ value: wire.value }));
    expect(error.reason).toBe("unresolved-schema-id");
    expect(isPermanentDecodeFailure(error.reason)).toBe(false);
  });

  it("an older version's id decodes into the current version", () => {
    const table = fullTable();
    const v1 = catalog.get("htlc-outcome", 1)!;
    const v1Sample = { ...sampleEvents()["htlc-outcome"] } as Record<string, unknown>;
    delete v1Sample["reason"];
    const body = v1.type.toBuffer(v1Sample);
    const value = Buffer.concat([Buffer.from([0, 0, 0, 0, 0]), body]);
    value.writeUInt32BE(table.idOf("htlc-outcome", 1)!, 1);
    const decoded = codecWith(table).decode({ value });
    expect(decoded.writerVersion).toBe(1);
    expect(decoded.value).toEqual({ ...v1Sample, reason: null });
  });
});

describe("what cannot be read is a typed error, held or dead-lettered", () => {
  const codec = codecWith(fullTable());
  const wire = () => codec.encode("htlc-outcome", sampleEvents()["htlc-outcome"]);

  it("a value without the magic byte and without a fingerprint header is corrupt (dead letter)", () => {
    const error = decodeFailure(() => codec.decode({ value: Buffer.from([1, 0, 0, 0, 1, 2]) }));
    expect(error.reason).toBe("corrupt-payload");
    expect(error.message).toMatch(/not in the Confluent wire format .*first byte 1/);
    expect(decodeFailure(() => codec.decode({ value: Buffer.from([0, 0]) })).reason).toBe("corrupt-payload");
  });

  it("no value is missing-value", () => {
    expect(decodeFailure(() => codec.decode({ value: null })).reason).toBe("missing-value");
  });

  it("a name header that contradicts the id is bad-header", () => {
    const record = wire();
    const error = decodeFailure(() => codec.decode({ value: record.value, headers: { ...record.headers, [SCHEMA_HEADER]: "invoice-event" } }));
    expect(error.reason).toBe("bad-header");
    expect(error.message).toMatch(/says "invoice-event" but schema id \d+ is htlc-outcome/);
  });

  it("a body that is not valid Avro after a known id is corrupt-payload", () => {
    const record = wire();
    expect(decodeFailure(() => codec.decode({ value: record.value.subarray(0, 12) })).reason).toBe("corrupt-payload");
  });
});

describe("an id not learnt at start is resolved with the registry once, in the background", () => {
  function withId(id: number): EventRecordBytes {
    const encoded = codecWith(fullTable()).encode("bridge-status", sampleEvents()["bridge-status"]);
    const value = Buffer.from(encoded.value);
    value.writeUInt32BE(id, 1);
    return { value };
  }

  function resolverAnswering(answer: () => Promise<SchemaIdResolution>) {
    const asked: number[] = [];
    return { asked, resolve: (id: number) => (asked.push(id), answer()) };
  }

  it("unknown to the registry: held while asking, then dead-lettered as unknown-schema-id", async () => {
    const resolver = resolverAnswering(async () => ({ kind: "unknown-to-registry" }));
    const codec = codecWith(fullTable(resolver.resolve));
    const first = decodeFailure(() => codec.decode(withId(9999)));
    expect(first.reason).toBe("unresolved-schema-id");
    expect(isPermanentDecodeFailure(first.reason)).toBe(false);
    await settle();
    const second = decodeFailure(() => codec.decode(withId(9999)));
    expect(second.reason).toBe("unknown-schema-id");
    expect(second.message).toBe("schema id 9999 is unknown to the schema registry: no reader can decode this record");
    expect(isPermanentDecodeFailure(second.reason)).toBe(true);
    decodeFailure(() => codec.decode(withId(9999)));
    expect(resolver.asked).toEqual([9999]);
  });

  it("one of our versions under an id registered later: decodes after the answer, and the id is kept", async () => {
    const resolver = resolverAnswering(async () => ({ kind: "known", schema: "bridge-status", version: 1 }));
    const table = fullTable(resolver.resolve);
    const codec = codecWith(table);
    expect(decodeFailure(() => codec.decode(withId(4242))).reason).toBe("unresolved-schema-id");
    await settle();
    expect(codec.decodeAs("bridge-status", withId(4242))).toEqual(sampleEvents()["bridge-status"]);
    expect(table.versionOf(4242)).toEqual({ schema: "bridge-status", version: 1 });
  });

  it("a schema the registry has and our catalog lacks (a newer writer) is held as unknown-version", async () => {
    const resolver = resolverAnswering(async () => ({ kind: "not-in-catalog", description: "fingerprint abcd" }));
    const codec = codecWith(fullTable(resolver.resolve));
    decodeFailure(() => codec.decode(withId(77)));
    await settle();
    const error = decodeFailure(() => codec.decode(withId(77)));
    expect(error.reason).toBe("unknown-version");
    expect(isPermanentDecodeFailure(error.reason)).toBe(false);
  });

  it("a registry that does not answer leaves the id unresolved and is asked again on the next attempt", async () => {
    let fail = true;
    const resolver = resolverAnswering(async () => {
      if (fail) throw new Error("ECONNREFUSED");
      return { kind: "unknown-to-registry" };
    });
    const codec = codecWith(fullTable(resolver.resolve));
    decodeFailure(() => codec.decode(withId(5)));
    await settle();
    fail = false;
    expect(decodeFailure(() => codec.decode(withId(5))).reason).toBe("unresolved-schema-id");
    await settle();
    expect(decodeFailure(() => codec.decode(withId(5))).reason).toBe("unknown-schema-id");
    expect(resolver.asked).toEqual([5, 5]);
  });
});

describe("resolveSchemaIds: a batch's unknown ids are answered before decode", () => {
  it("waits for the registry's answer, so the first decode already dead-letters (no hold, no redelivery)", async () => {
    const asked: number[] = [];
    const codec = codecWith(fullTable(async (id) => (asked.push(id), { kind: "unknown-to-registry" })));
    const known = codec.encode("bridge-status", sampleEvents()["bridge-status"]);
    const unknown = Buffer.from(known.value);
    unknown.writeUInt32BE(31337, 1);
    await codec.resolveSchemaIds([known, { value: unknown }, { value: unknown }, { value: Buffer.from("x") }, { value: null }]);
    expect(asked).toEqual([31337]);
    expect(decodeFailure(() => codec.decode({ value: unknown })).reason).toBe("unknown-schema-id");
  });

  it("a registry that does not answer: the ids stay unresolved (held), nothing throws", async () => {
    const codec = codecWith(fullTable(async () => Promise.reject(new Error("ECONNREFUSED"))));
    const value = codec.encode("bridge-status", sampleEvents()["bridge-status"]).value;
    value.writeUInt32BE(31338, 1);
    await codec.resolveSchemaIds([{ value }]);
    expect(decodeFailure(() => codec.decode({ value })).reason).toBe("unresolved-schema-id");
  });
});
