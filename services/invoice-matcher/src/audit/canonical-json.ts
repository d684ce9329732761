// One text per JSON value, whatever order its object keys came in: Postgres jsonb stores keys
// sorted by length then bytes, while serializeState writes them in declaration order, so the
// projection row and the rebuilt state are compared in this form. Array order is kept: it is
// meaningful (HTLCs in arrival order).
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== "object") return value;
  const object = value as Record<string, unknown>;
  return Object.fromEntries(
    Object.keys(object)
      .sort()
      .map((key) => [key, sortKeys(object[key])]),
  );
}
