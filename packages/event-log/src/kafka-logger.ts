// kafkajs logs through a logCreator; we route it into a pino-compatible logger so nothing goes
// to the console behind the application's back. Without a logger kafkajs stays silent.
import { logLevel as KafkaLogLevel, type LogEntry, type logCreator } from "kafkajs";

/** The slice of a pino logger the event log uses (a pino Logger satisfies it). */
export interface EventLogLogger {
  error(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  info(fields: object, message: string): void;
  debug(fields: object, message: string): void;
}

export const silentLogger: EventLogLogger = {
  error: () => {},
  warn: () => {},
  info: () => {},
  debug: () => {},
};

export function kafkaLogCreator(logger: EventLogLogger): logCreator {
  return () => (entry: LogEntry) => {
    // kafkajs's own timestamp is dropped: the logger stamps its lines itself.
    const { message, ...fields }: Record<string, unknown> = entry.log;
    delete fields["timestamp"];
    const logFields = { kafkajs: entry.namespace, ...redactSecrets(fields) };
    logger[levelFor(entry)](logFields, String(message));
  };
}

// kafkajs logs no credentials today (its SASL authenticators log the broker only); a field that
// could hold them is censored anyway should a future version or a caller's object add one.
const SECRET_FIELD = /password|sasl|secret|credential/i;

function redactSecrets(fields: Record<string, unknown>, depth = 0): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (SECRET_FIELD.test(key)) out[key] = "[redacted]";
    else if (depth < 3 && typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Error))
      out[key] = redactSecrets(value as Record<string, unknown>, depth + 1);
    else out[key] = value;
  }
  return out;
}

// kafkajs's Connection layer logs every error response at ERROR before the layers above decide
// to retry it (CONCURRENT_TRANSACTIONS, COORDINATOR_LOAD_IN_PROGRESS, TOPIC_ALREADY_EXISTS on an
// idempotent create...). Those layers log and throw what finally fails, so these are debug.
function levelFor(entry: LogEntry): "error" | "warn" | "info" | "debug" {
  if (entry.namespace === "Connection" && entry.level <= KafkaLogLevel.WARN) return "debug";
  switch (entry.level) {
    case KafkaLogLevel.ERROR:
      return "error";
    case KafkaLogLevel.WARN:
      return "warn";
    case KafkaLogLevel.INFO:
      return "info";
    case KafkaLogLevel.DEBUG:
    case KafkaLogLevel.NOTHING:
      return "debug";
  }
}
