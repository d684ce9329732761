// TLV custom records (map<uint64, bytes>): record types are uint64, so keys are bigint.
import { u64FromWire, u64ToWire } from "./uint64.ts";

export type CustomRecords = ReadonlyMap<bigint, Buffer>;

export function customRecordsFromWire(wire: Record<string, Buffer>, field: string): CustomRecords {
  const records = new Map<bigint, Buffer>();
  for (const [type, value] of Object.entries(wire)) records.set(u64FromWire(type, field), value);
  return records;
}

export function customRecordsToWire(records: ReadonlyMap<bigint, Uint8Array>, field: string): Record<string, Buffer> {
  const wire: Record<string, Buffer> = {};
  for (const [type, value] of records) wire[u64ToWire(type, field)] = Buffer.from(value);
  return wire;
}
