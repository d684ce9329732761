// The CLI's output is JSON: 64-bit integers as decimal strings (a JSON number would lose
// digits past 2^53 in most readers), bytes as hex.

export function toJson(value: unknown, pretty: boolean): string {
  return JSON.stringify(value, replacer, pretty ? 2 : undefined);
}

function replacer(_key: string, value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString("hex");
  return value;
}
