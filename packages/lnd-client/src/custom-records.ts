// TLV custom records (map<uint64, bytes>): record types are uint64, so keys are bigint.
import { u64FromWire, u64ToWire } from "./uint64.ts";

export type CustomRecords = ReadonlyMap<bigint, Buffer>;

// protobufjs keys decoded uint64 maps by an 8-character "long hash" (each char one byte,
// little-endian), not by a decimal string, whatever `longs` option is set; found against real
// lnd, which sends record 106823 (0x01A147, the endorsement signal) in in_wire_custom_records.
function mapKeyToU64(key: string, field: string): bigint {
  if (/^\d+$/.test(key)) return u64FromWire(key, field);
  if (key.length !== 8) throw new TypeError(`${field}: unreadable uint64 map key of length ${key.length}`);
  let value = 0n;
  for (let i = 7; i >= 0; i--) value = (value << 8n) | BigInt(key.charCodeAt(i) & 0xff);
  return value;
}

export function customRecordsFromWire(wire: Record<string, Buffer>, field: string): CustomRecords {
  const records = new Map<bigint, Buffer>();
  for (const [type, value] of Object.entries(wire)) records.set(mapKeyToU64(type, field), value);
  return records;
}

export function customRecordsToWire(
  records: ReadonlyMap<bigint, Uint8Array>,
  field: string,
): Record<string, Buffer> {
  const wire: Record<string, Buffer> = {};
  for (const [type, value] of records) wire[u64ToWire(type, field)] = Buffer.from(value);
  return wire;
}
