// What the schema registry's wire format costs per record (issue 12), against the header format it
// replaced, in one process: the same sample record of each hot-path schema encoded and decoded with
// a codec bound to registry ids (magic byte, 4-byte id, Avro body; two headers) and with an unbound
// one (bare Avro body; three headers, the fingerprint among them). Rounds alternate the two so both
// see the same machine. Needs no stack: the ids are given by hand, as a process gets them from the
// registry once at start (no registry round trip is ever on the per-record path).
// Prints JSON lines {"name","value","unit"}: per schema and format the median ns per encode + decode
// and the bytes a record puts on the wire (value plus header keys and values), then the ratios.
// Usage: tsx test/bench/wire-format.bench.ts [--records 20000] [--rounds 7]
import { EventCodec, eventRecordInvariants, loadSchemaCatalog, SchemaIdTable, type EncodedEvent, type EventRecords } from "@ic/event-log";
import { sampleEvents } from "../../packages/event-log/src/sample-events.ts";
import { runWhenMain, wholeNumbers } from "./bench-cli.ts";

const USAGE = "usage: tsx test/bench/wire-format.bench.ts [--records 20000] [--rounds 7]";

/** The records one HTLC's trip writes or reads: intercepted, command, outcome, matcher and public events. */
export const HOT_PATH_SCHEMAS = ["htlc-intercepted", "htlc-command", "htlc-outcome", "matcher-event", "invoice-event"] as const;

export interface WireFormatOptions {
  readonly records: number;
  readonly rounds: number;
}

export function parseWireFormatOptions(argv: readonly string[]): WireFormatOptions {
  const options = { records: 20_000, rounds: 7 };
  for (let i = 0; i < argv.length; i += 2) {
    const flag = argv[i]!;
    if (flag === "--records") options.records = wholeNumbers(flag, argv[i + 1], 10_000_000, USAGE)[0]!;
    else if (flag === "--rounds") options.rounds = wholeNumbers(flag, argv[i + 1], 1_000, USAGE)[0]!;
    else throw new Error(`unknown argument ${flag}\n${USAGE}`);
  }
  return options;
}

/** Value bytes plus every header's key and value, as a record carries them to the broker. */
export function wireBytes(encoded: EncodedEvent): number {
  let bytes = encoded.value.length;
  for (const [key, value] of Object.entries(encoded.headers)) bytes += Buffer.byteLength(key) + Buffer.byteLength(value);
  return bytes;
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

async function main(): Promise<void> {
  const { records, rounds } = parseWireFormatOptions(process.argv.slice(2));
  const catalog = loadSchemaCatalog();
  const table = new SchemaIdTable();
  let id = 1;
  for (const name of catalog.names) for (const v of catalog.versionsOf(name)) table.add(name, v.version, id++);
  const header = new EventCodec<EventRecords>(catalog, eventRecordInvariants);
  const wire = new EventCodec<EventRecords>(catalog, eventRecordInvariants);
  wire.bindSchemaIds(table);
  const samples = sampleEvents();
  const print = (name: string, value: number, unit: string) => process.stdout.write(`${JSON.stringify({ name, value: Number(value.toFixed(3)), unit })}\n`);

  const timeRound = (codec: EventCodec<EventRecords>, schema: (typeof HOT_PATH_SCHEMAS)[number]): number => {
    const value = samples[schema];
    const started = process.hrtime.bigint();
    for (let i = 0; i < records; i++) codec.decode(codec.encode(schema, value));
    return Number(process.hrtime.bigint() - started) / records;
  };

  process.stderr.write(`[wire-format] ${records} encode + decode per round, ${rounds} rounds per format, alternating\n`);
  for (const schema of HOT_PATH_SCHEMAS) {
    const ns = { header: [] as number[], wire: [] as number[] };
    timeRound(header, schema);
    timeRound(wire, schema);
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 === 0 ? (["header", "wire"] as const) : (["wire", "header"] as const);
      for (const format of order) ns[format].push(timeRound(format === "header" ? header : wire, schema));
    }
    const bytes = { header: wireBytes(header.encode(schema, samples[schema])), wire: wireBytes(wire.encode(schema, samples[schema])) };
    print(`wire_format.${schema}.header_format_ns_per_record`, median(ns.header), "ns");
    print(`wire_format.${schema}.wire_format_ns_per_record`, median(ns.wire), "ns");
    print(`wire_format.${schema}.time_ratio_wire_vs_header`, median(ns.wire) / median(ns.header), "ratio");
    print(`wire_format.${schema}.header_format_bytes`, bytes.header, "bytes");
    print(`wire_format.${schema}.wire_format_bytes`, bytes.wire, "bytes");
  }
}

runWhenMain(import.meta.url, main);
