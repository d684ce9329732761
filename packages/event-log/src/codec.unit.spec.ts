import avro from "avsc";
import { describe, expect, it } from "vitest";
import {
  EventCodec,
  SCHEMA_FINGERPRINT_HEADER,
  SCHEMA_HEADER,
  SCHEMA_VERSION_HEADER,
  decode,
  decodeAs,
  encode,
  type EncodedEvent,
  type EventRecordBytes,
} from "./codec.ts";
import { EventDecodeError, EventEncodeError, type DecodeFailureReason } from "./errors.ts";
import { SCHEMA_NAMES, type EventRecords, type HtlcCommand, type HtlcIntercepted } from "./event-records.ts";
import { eventRecordInvariants } from "./record-invariants.ts";
import { buildSchemaCatalog, loadSchemaCatalog } from "./schema-catalog.ts";
import { PAST_2_53, UINT64_MAX, sampleEvents } from "./sample-events.ts";

const catalog = loadSchemaCatalog();

function decodeFailure(run: () => unknown): EventDecodeError {
  try {
    run();
  } catch (error) {
    if (error instanceof EventDecodeError) return error;
    throw error;
  }
  throw new Error("expected an EventDecodeError, nothing was thrown");
}

function encodeFailure(run: () => unknown): EventEncodeError {
  try {
    run();
  } catch (error) {
    if (error instanceof EventEncodeError) return error;
    throw error;
  }
  throw new Error("expected an EventEncodeError, nothing was thrown");
}

/** A record as a kafkajs consumer hands it over: header values are Buffers. */
function asConsumed(encoded: EncodedEvent): EventRecordBytes {
  return {
    value: encoded.value,
    headers: Object.fromEntries(Object.entries(encoded.headers).map(([k, v]) => [k, Buffer.from(v)])),
  };
}

describe("every schema round-trips its sample", () => {
  it.each(SCHEMA_NAMES)("%s", (schema) => {
    const sample = sampleEvents()[schema];
    const encoded = encode(schema, sample);
    const current = catalog.current(schema)!;
    expect(encoded.headers).toEqual({
      [SCHEMA_HEADER]: schema,
      [SCHEMA_VERSION_HEADER]: String(current.version),
      [SCHEMA_FINGERPRINT_HEADER]: current.fingerprint,
    });
    expect(encoded.headers[SCHEMA_FINGERPRINT_HEADER]).toMatch(/^[0-9a-f]{64}$/);
    const decoded = decode(asConsumed(encoded));
    expect(decoded.schema).toBe(schema);
    expect(decoded.writerVersion).toBe(current.version);
    expect(decoded.value).toEqual(sample);
  });
});

describe("uint64 values past 2^53", () => {
  it("stay exact through encode and decode, as canonical decimal strings on the wire", () => {
    const sample = sampleEvents()["htlc-intercepted"];
    const encoded = encode("htlc-intercepted", sample);
    const value = decodeAs("htlc-intercepted", encoded);
    expect(value.circuitKey.chanId).toBe(18446744073709551615n);
    expect(value.circuitKey.htlcId).toBe(9007199254740993n);
    expect(value.incomingAmountMsat).toBe(2n ** 60n + 7n);
    // Other Avro readers see the decimal strings: decode the bytes with the logical types ignored.
    const plain = avro.Type.forSchema(catalog.get("htlc-intercepted", 1)!.schema as avro.Schema);
    const wire = plain.fromBuffer(encoded.value) as { circuitKey: { chanId: string; htlcId: string } };
    expect(wire.circuitKey).toEqual({ chanId: "18446744073709551615", htlcId: "9007199254740993" });
  });

  it("in nullable fields and arrays too", () => {
    const value = decodeAs("invoice-event", encode("invoice-event", sampleEvents()["invoice-event"]));
    expect(value.amountMsat).toBe(PAST_2_53);
    expect(value.amountPaidMsat).toBe(PAST_2_53 + 1n);
    expect(value.htlcs[0]!.chanId).toBe(UINT64_MAX);
  });

  it("an amount-less invoice keeps amountMsat null", () => {
    const event = { ...sampleEvents()["invoice-event"], kind: "CREATED" as const, amountMsat: null, amountPaidMsat: null, htlcs: [] };
    expect(decodeAs("invoice-event", encode("invoice-event", event))).toEqual(event);
  });
});

describe("encode rejects a wrong value in a field, naming the field and what it expects", () => {
  const intercepted = () => sampleEvents()["htlc-intercepted"];
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ["a number where a uint64 bigint belongs (precision may be lost already)", { incomingAmountMsat: 1000 }, /incomingAmountMsat: expected a uint64 bigint .* got an integer number/],
    ["a decimal string where a bigint belongs", { outgoingRequestedChanId: "123" }, /outgoingRequestedChanId: expected a uint64 bigint/],
    ["a negative amount", { outgoingAmountMsat: -1n }, /outgoingAmountMsat: expected a uint64 bigint .* got a negative bigint/],
    ["a value of 2^64", { incomingAmountMsat: 2n ** 64n }, /incomingAmountMsat: .* got a bigint out of range/],
    ["a nested chanId that is not a bigint", { circuitKey: { chanId: 5, htlcId: 1n } }, /circuitKey\.chanId: expected a uint64 bigint/],
    ["an upper-case payment hash", { paymentHash: "5F".repeat(32) }, /paymentHash: expected a lowercase hex string of 32 bytes, got a string of length 64/],
    ["a node id of 32 bytes", { nodeId: "ab".repeat(32) }, /nodeId: expected a lowercase hex string of 33 bytes/],
    ["an onion of 1365 bytes", { onionBlob: Buffer.alloc(1365) }, /onionBlob: expected a Buffer of exactly 1366 bytes, got a Buffer of 1365 bytes/],
    ["an onion as a Uint8Array", { onionBlob: new Uint8Array(1366) }, /onionBlob: .* got a Uint8Array that is not a Buffer/],
    ["a non-integer expiry", { incomingExpiry: 1.5 }, /incomingExpiry: expected a 32-bit integer, got a non-integer number/],
    ["a missing field", { blockHeight: undefined }, /blockHeight: expected a 32-bit integer, got nothing \(missing\)/],
    ["an undeclared field", { amountMsats: 1n }, /unknown field\(s\) amountMsats/],
    ["a custom record key that is not a uint64", { customRecords: { abc: Buffer.alloc(1) } }, /customRecords: keys must be TLV types/],
  ];
  it.each(cases)("%s", (_name, change, message) => {
    const value = { ...intercepted(), ...change } as HtlcIntercepted;
    const error = encodeFailure(() => encode("htlc-intercepted", value));
    expect(error.schema).toBe("htlc-intercepted v1");
    expect(error.message).toMatch(message);
  });

  it("a number in a nullable uint64 field", () => {
    const value = { ...sampleEvents()["invoice-event"], amountMsat: 1000 } as unknown as EventRecords["invoice-event"];
    expect(() => encode("invoice-event", value)).toThrow(/amountMsat: expected null or a uint64 bigint .*, got an integer number/);
  });

  it("an unknown enum symbol", () => {
    const value = { ...sampleEvents()["htlc-outcome"], kind: "SETTLED" } as unknown as EventRecords["htlc-outcome"];
    expect(() => encode("htlc-outcome", value)).toThrow(/kind: expected one of SETTLE_SENT\|FAIL_SENT\|RESUMED/);
  });

  it("never puts the value into the message (a misplaced preimage must not reach a log)", () => {
    const secret = Buffer.from("c0ffee".repeat(5) + "ab", "hex"); // 16 bytes: wrong length
    const command = { ...sampleEvents()["htlc-command"], preimage: secret };
    const error = encodeFailure(() => encode("htlc-command", command));
    expect(error.message).toMatch(/preimage: expected a Buffer of exactly 32 bytes, got a Buffer of 16 bytes/);
    expect(error.message).not.toContain(secret.toString("hex"));
    expect(error.message).not.toContain("c0ffee");
  });
});

describe("htlc-command invariants (what lnd accepts per action)", () => {
  const settle = (): HtlcCommand => sampleEvents()["htlc-command"];
  const fail = (): HtlcCommand => ({ ...settle(), action: "FAIL", preimage: null, failureCode: "TEMPORARY_CHANNEL_FAILURE" });

  it("accepts SETTLE with a preimage, FAIL with a failure code, FAIL with a 292-byte failure packet", () => {
    for (const command of [settle(), fail(), { ...fail(), failureCode: null, failureMessage: Buffer.alloc(292, 1) }]) {
      expect(decodeAs("htlc-command", encode("htlc-command", command))).toEqual(command);
    }
  });
  it("rejects SETTLE without a preimage", () => {
    expect(() => encode("htlc-command", { ...settle(), preimage: null })).toThrow(/preimage: required when action is SETTLE/);
  });
  it("rejects SETTLE that also carries a failure", () => {
    expect(() => encode("htlc-command", { ...settle(), failureCode: "INVALID_ONION_KEY" })).toThrow(/failureCode: must be null when action is SETTLE/);
  });
  it("rejects FAIL with a preimage", () => {
    expect(() => encode("htlc-command", { ...fail(), preimage: Buffer.alloc(32) })).toThrow(/preimage: must be null when action is FAIL/);
  });
  it("rejects FAIL with both a failure message and a failure code, or with neither", () => {
    expect(() => encode("htlc-command", { ...fail(), failureMessage: Buffer.alloc(292) })).toThrow(/exactly one of failureMessage and failureCode/);
    expect(() => encode("htlc-command", { ...fail(), failureCode: null })).toThrow(/exactly one of failureMessage and failureCode/);
  });
  it("rejects a failure message that is not 292 bytes", () => {
    expect(() => encode("htlc-command", { ...fail(), failureCode: null, failureMessage: Buffer.alloc(256) })).toThrow(
      /failureMessage: expected a Buffer of exactly 292 bytes, got a Buffer of 256 bytes/,
    );
  });
  it("decode applies the invariants to records from other producers", () => {
    const lax = new EventCodec(catalog); // no invariants: stands for a buggy foreign producer
    const encoded = lax.encode("htlc-command", { ...settle(), preimage: null });
    const error = decodeFailure(() => decode(encoded));
    expect(error.reason).toBe("invalid-value");
    expect(error.message).toMatch(/preimage: required when action is SETTLE/);
  });
});

describe("header-driven decode", () => {
  it("picks the schema from the headers, whatever the topic", () => {
    const samples = sampleEvents();
    const records = [encode("htlc-outcome", samples["htlc-outcome"]), encode("matcher-event", samples["matcher-event"])];
    expect(records.map((r) => decode(asConsumed(r)).schema)).toEqual(["htlc-outcome", "matcher-event"]);
  });

  it("decodeAs refuses a record of another schema", () => {
    const encoded = encode("htlc-outcome", sampleEvents()["htlc-outcome"]);
    const error = decodeFailure(() => decodeAs("invoice-event", encoded));
    expect(error.reason).toBe("unexpected-schema");
    expect(error.message).toBe("expected a invoice-event record, got htlc-outcome");
  });

  const outcome = () => encode("htlc-outcome", sampleEvents()["htlc-outcome"]);
  const withHeaders = (changes: Record<string, string | undefined>): EventRecordBytes => {
    const encoded = outcome();
    return { value: encoded.value, headers: { ...encoded.headers, ...changes } };
  };
  const failures: [string, () => EventRecordBytes, DecodeFailureReason, RegExp][] = [
    ["an unknown version", () => withHeaders({ [SCHEMA_VERSION_HEADER]: "99" }), "unknown-version", /htlc-outcome v99 is unknown to this reader \(it knows up to v2\)/],
    ["an unknown schema", () => withHeaders({ [SCHEMA_HEADER]: "htlc-teleported" }), "unknown-schema", /unknown schema "htlc-teleported"/],
    ["no schema header", () => withHeaders({ [SCHEMA_HEADER]: undefined }), "missing-header", /no ic-schema header/],
    // Without the fingerprint header a record is read as the Confluent wire format (codec-wire-format.unit.spec.ts).
    ["no fingerprint header, bare Avro", () => withHeaders({ [SCHEMA_FINGERPRINT_HEADER]: undefined }), "corrupt-payload", /not in the Confluent wire format/],
    ["a version that is not a number", () => withHeaders({ [SCHEMA_VERSION_HEADER]: "one" }), "bad-header", /not a positive integer/],
    ["a repeated header", () => ({ value: outcome().value, headers: { ...outcome().headers, [SCHEMA_HEADER]: ["a", "b"] } }), "bad-header", /repeated/],
    ["another fingerprint (a published version edited in place)", () => withHeaders({ [SCHEMA_FINGERPRINT_HEADER]: "00".repeat(32) }), "fingerprint-mismatch", /changed in place/],
    ["no value (a tombstone)", () => ({ ...withHeaders({}), value: null }), "missing-value", /no value/],
    ["truncated bytes", () => ({ ...withHeaders({}), value: outcome().value.subarray(0, 40) }), "corrupt-payload", /not valid Avro/],
    ["trailing bytes", () => ({ ...withHeaders({}), value: Buffer.concat([outcome().value, Buffer.from([0])]) }), "corrupt-payload", /not valid Avro/],
    ["random bytes", () => ({ ...withHeaders({}), value: Buffer.from("ffffffffffffffffffff", "hex") }), "corrupt-payload", /not valid Avro/],
  ];
  it.each(failures)("%s is a typed error", (_name, record, reason, message) => {
    const error = decodeFailure(() => decode(record()));
    expect(error).toBeInstanceOf(EventDecodeError);
    expect(error.reason).toBe(reason);
    expect(error.message).toMatch(message);
  });

  it("a foreign producer's malformed uint64 string is a decode error, not a wrong number", () => {
    // The same schema without our logical types: what a plain Avro library would write.
    const json = JSON.parse(JSON.stringify(catalog.get("htlc-outcome", 1)!.schema).replaceAll('"logicalType":"decimal-uint64"', '"x":0'));
    const foreign = avro.Type.forSchema(json as avro.Schema);
    const sample = sampleEvents()["htlc-outcome"];
    const value = foreign.toBuffer({ ...sample, circuitKey: { chanId: "0123", htlcId: "1" } });
    const error = decodeFailure(() => decode({ value, headers: outcome().headers }));
    expect(error.reason).toBe("corrupt-payload");
    expect(error.message).toMatch(/decimal-uint64/);
  });
});

describe("schema versions", () => {
  // The repository's current htlc-outcome, as version 1 of a test catalog that adds a v2.
  const v1 = catalog.current("htlc-outcome")!;
  const v2Schema = {
    ...(v1.schema as { fields: unknown[] }),
    fields: [
      ...(v1.schema as { fields: unknown[] }).fields,
      { name: "detail", doc: "Added in v2.", type: ["null", "string"], default: null },
    ],
  };
  const onlyV1 = new EventCodec<{ "htlc-outcome": EventRecords["htlc-outcome"] }>(
    buildSchemaCatalog([{ name: "htlc-outcome", version: 1, schema: v1.schema, source: "v1" }]),
    eventRecordInvariants,
  );
  const v1AndV2 = new EventCodec<{ "htlc-outcome": EventRecords["htlc-outcome"] & { detail: string | null } }>(
    buildSchemaCatalog([
      { name: "htlc-outcome", version: 1, schema: v1.schema, source: "v1" },
      { name: "htlc-outcome", version: 2, schema: v2Schema, source: "v2" },
    ]),
  );

  it("a record written with an older version decodes into the current version", () => {
    const sample = sampleEvents()["htlc-outcome"];
    const decoded = v1AndV2.decode(onlyV1.encode("htlc-outcome", sample));
    expect(decoded.writerVersion).toBe(1);
    expect(decoded.value).toEqual({ ...sample, detail: null });
  });

  it("a writer uses the newest version; a reader that does not know it says so", () => {
    const encoded = v1AndV2.encode("htlc-outcome", { ...sampleEvents()["htlc-outcome"], detail: "x" });
    expect(encoded.headers[SCHEMA_VERSION_HEADER]).toBe("2");
    expect(decodeFailure(() => onlyV1.decode(encoded)).reason).toBe("unknown-version");
  });
});

describe("htlc-command v2 and htlc-outcome v2 read what v1 wrote", () => {
  // A v1 writer: only the repository's v1 file of the schema.
  const v1Writer = (schema: "htlc-command" | "htlc-outcome" | "invoice-event") =>
    new EventCodec<Record<string, object>>(
      buildSchemaCatalog([{ name: schema, version: 1, schema: catalog.get(schema, 1)!.schema, source: `${schema}.v1.avsc` }]),
    );

  it("a v1 SETTLE decodes with no expected values (null), which the bridge refuses", () => {
    const v1Fields: Record<string, unknown> = { ...sampleEvents()["htlc-command"] };
    delete v1Fields.expectedIncomingAmountMsat;
    delete v1Fields.expectedIncomingExpiry;
    const decoded = decode(v1Writer("htlc-command").encode("htlc-command", v1Fields));
    expect(decoded.writerVersion).toBe(1);
    expect(decoded.value).toEqual({ ...v1Fields, expectedIncomingAmountMsat: null, expectedIncomingExpiry: null });
  });

  it("a v2 SETTLE keeps its expected amount exact past 2^53", () => {
    const command = { ...sampleEvents()["htlc-command"], expectedIncomingAmountMsat: PAST_2_53, expectedIncomingExpiry: 800_160 };
    expect(decodeAs("htlc-command", encode("htlc-command", command))).toEqual(command);
  });

  it("a v1 outcome decodes with reason null; the refused kind round-trips with its reason", () => {
    const v1Fields: Record<string, unknown> = { ...sampleEvents()["htlc-outcome"] };
    delete v1Fields.reason;
    expect(decodeAs("htlc-outcome", v1Writer("htlc-outcome").encode("htlc-outcome", v1Fields))).toEqual({ ...v1Fields, reason: null });
    const refused = { ...sampleEvents()["htlc-outcome"], kind: "SETTLE_REFUSED_MISMATCH" as const, reason: "incoming amount differs" };
    expect(decodeAs("htlc-outcome", encode("htlc-outcome", refused))).toEqual(refused);
  });

  it("a v1 invoice event decodes with the v2 settle-failure fields null; a v2 SETTLE_FAILED round-trips with its parts and amounts", () => {
    const sample = sampleEvents()["invoice-event"];
    const v1Fields: Record<string, unknown> = { ...sample, htlcs: sample.htlcs.map(({ settled: _settled, ...htlc }) => htlc) };
    delete v1Fields.amountSettledMsat;
    delete v1Fields.amountFailedMsat;
    const decoded = decode(v1Writer("invoice-event").encode("invoice-event", v1Fields));
    expect(decoded.writerVersion).toBe(1);
    expect(decoded.value).toEqual(sample);
    const settleFailed = {
      ...sample,
      kind: "SETTLE_FAILED" as const,
      htlcs: [
        { ...sample.htlcs[0]!, settled: true },
        { ...sample.htlcs[1]!, settled: false },
      ],
      amountSettledMsat: PAST_2_53,
      amountFailedMsat: 1n,
      reason: "lnd failed 1 of 2 parts it was told to settle",
    };
    expect(decodeAs("invoice-event", encode("invoice-event", settleFailed))).toEqual(settleFailed);
  });
});
