// JSON for Postgres jsonb columns: uint64 values (bigint in code) are written as decimal strings.
export function toJsonValue(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (_key, v: unknown) => (typeof v === "bigint" ? v.toString() : v)));
}
