// What the Confluent wire format costs the codec against the header format, in one process with
// no I/O (the registry ids are given by hand, as connectSchemaRegistry leaves them): encode and
// decode of the matcher's hot-path records (an intercepted HTLC with its 1366-byte onion, a
// SETTLE command), the two formats interleaved in rounds so both see the same machine load.
// Prints one JSON line per record kind and format: median ns per encode and per decode.
// Run: node_modules/.bin/tsx packages/event-log/bench/codec-format.bench.ts [records per round=20000] [rounds=7]
import { EventCodec, type EventRecords } from "../src/index.ts";
import { eventRecordInvariants } from "../src/record-invariants.ts";
import { loadSchemaCatalog } from "../src/schema-catalog.ts";
import { SchemaIdTable } from "../src/schema-ids.ts";
import { sampleEvents } from "../src/sample-events.ts";

const perRound = Number(process.argv[2] ?? 20_000);
const rounds = Number(process.argv[3] ?? 7);
const catalog = loadSchemaCatalog();
const headerFormat = new EventCodec<EventRecords>(catalog, eventRecordInvariants);
const wireFormat = new EventCodec<EventRecords>(catalog, eventRecordInvariants);
const table = new SchemaIdTable();
let id = 1;
for (const name of catalog.names) for (const v of catalog.versionsOf(name)) table.add(name, v.version, id++);
wireFormat.bindSchemaIds(table);

const samples = sampleEvents();
const kinds = ["htlc-intercepted", "htlc-command"] as const;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

for (const kind of kinds) {
  const value = samples[kind];
  const results = { header: { encode: [] as number[], decode: [] as number[] }, wire: { encode: [] as number[], decode: [] as number[] } };
  for (let round = 0; round < rounds; round++) {
    for (const [format, codec] of [["header", headerFormat], ["wire", wireFormat]] as const) {
      let t = process.hrtime.bigint();
      let encoded = codec.encode(kind, value);
      for (let i = 1; i < perRound; i++) encoded = codec.encode(kind, value);
      results[format].encode.push(Number(process.hrtime.bigint() - t) / perRound);
      // As a consumer gets it: header values are Buffers.
      const consumed = { value: encoded.value, headers: Object.fromEntries(Object.entries(encoded.headers).map(([k, v]) => [k, Buffer.from(v)])) };
      t = process.hrtime.bigint();
      for (let i = 0; i < perRound; i++) codec.decode(consumed);
      results[format].decode.push(Number(process.hrtime.bigint() - t) / perRound);
    }
  }
  for (const format of ["header", "wire"] as const) {
    console.log(JSON.stringify({ record: kind, format, encodeNs: Math.round(median(results[format].encode)), decodeNs: Math.round(median(results[format].decode)), bytes: (format === "wire" ? wireFormat : headerFormat).encode(kind, value).value.length }));
  }
}
