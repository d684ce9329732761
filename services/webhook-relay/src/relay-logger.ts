// pino JSON lines. Lines about one event carry paymentHash, eventId and the endpoint's name; an
// endpoint's URL and secret are never logged (a URL may carry a token in its path or query), and
// the redaction below censors secret-looking fields should one slip into a logged object anyway.
import { pino, type DestinationStream, type Logger } from "pino";
import type { LogLevel } from "./config.ts";

export type RelayLogger = Logger;

export const REDACTED_LOG_PATHS = [
  "secret",
  "*.secret",
  "secretValue",
  "*.secretValue",
  "password",
  "*.password",
  "*.*.password",
  "url",
  "*.url",
];

export function createRelayLogger(level: LogLevel, destination?: DestinationStream): RelayLogger {
  const options = {
    level,
    base: { service: "webhook-relay" },
    redact: { paths: REDACTED_LOG_PATHS, censor: "[redacted]" },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return destination === undefined ? pino(options) : pino(options, destination);
}
