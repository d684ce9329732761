// Checks shared by the services' config tables: each returns what is wrong with a value of the
// right kind ("must be ..., got ...") or undefined. The field name and source are added by the
// table, so the same check reads the same in every service.

const HOST_PORT = /^(?:[^\s:[\]]+|\[[0-9a-fA-F:]+\]):(\d{1,5})$/;

/** "host:port" or "[ipv6]:port", port 1-65535. */
export const hostPort = (value: string): string | undefined => {
  const match = HOST_PORT.exec(value);
  const port = Number(match?.[1]);
  return match && port >= 1 && port <= 65535 ? undefined : `must be "host:port" (port 1-65535), got ${quote(value)}`;
};

/** A non-empty list of "host:port" (Kafka's bootstrap brokers). */
export const hostPortList = (value: readonly string[]): string | undefined => {
  if (value.length === 0) return "must list at least one broker";
  const bad = value.find((entry) => hostPort(entry) !== undefined);
  return bad === undefined ? undefined : `every broker must be "host:port", got ${quote(bad)}`;
};

export const nonEmpty = (value: string): string | undefined => (value.trim().length > 0 ? undefined : "must not be empty");

export const oneOf =
  (values: readonly string[]) =>
  (value: string): string | undefined =>
    values.includes(value) ? undefined : `must be one of ${values.join(", ")}, got ${quote(value)}`;

export const atLeast =
  (min: number) =>
  (value: number): string | undefined =>
    value >= min ? undefined : `must be at least ${min}, got ${value}`;

export const inRange =
  (min: number, max: number) =>
  (value: number): string | undefined =>
    value >= min && value <= max ? undefined : `must be in ${min}..${max}, got ${value}`;

/** A value for a message: JSON-quoted, long text cut. */
export function quote(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 77)}...` : text);
}

/** A value of the wrong kind for a message. */
export function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "string") return quote(value);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return `a ${typeof value}`;
}
