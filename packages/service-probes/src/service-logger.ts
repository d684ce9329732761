// The services' log lines, one format for all: pino JSON, an ISO time, `service` (and whatever else
// the service puts on every line) in each line, and the fields a service names censored as
// "[redacted]" should a secret slip into a logged object. Each service keeps its own list of
// such fields next to what it handles (preimages, tokens, endpoint secrets).
import { pino, type DestinationStream, type Logger } from "pino";

export interface ServiceLoggerOptions {
  /** The `service` field of every line: "interceptor-bridge". */
  readonly service: string;
  readonly level: string;
  /** pino redaction paths: "preimage", "*.preimage". */
  readonly redact: readonly string[];
  /** More fields on every line: { nodeName: "alpha" }. */
  readonly base?: Readonly<Record<string, string>>;
}

export function createServiceLogger(options: ServiceLoggerOptions, destination?: DestinationStream): Logger {
  const pinoOptions = {
    level: options.level,
    base: { service: options.service, ...options.base },
    redact: { paths: [...options.redact], censor: "[redacted]" },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return destination === undefined ? pino(pinoOptions) : pino(pinoOptions, destination);
}
