// pino JSON lines. Lines about one event carry paymentHash, eventId and the endpoint's name; an
// endpoint's URL and secret are never logged (a URL may carry a token in its path or query), and
// the redaction below censors secret-looking fields should one slip into a logged object anyway.
import { createServiceLogger } from "@ic/service-probes";
import type { DestinationStream, Logger } from "pino";
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
  return createServiceLogger({ service: "webhook-relay", level, redact: REDACTED_LOG_PATHS }, destination);
}
