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
    const logFields = { kafkajs: entry.namespace, ...fields };
    logger[levelFor(entry)](logFields, String(message));
  };
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
