// pino JSON lines. The API token and session ids are never logged: requests are logged by path
// only (no query, no headers), and the redaction below censors such fields should one slip in.
import { createServiceLogger } from "@ic/service-probes";
import type { DestinationStream, Logger } from "pino";
import type { LogLevel } from "./config.ts";

export const REDACTED_LOG_PATHS = ["authToken", "*.authToken", "token", "*.token", "authorization", "*.authorization", "cookie", "*.cookie", "password", "*.password"];

export function createConsoleLogger(level: LogLevel, destination?: DestinationStream): Logger {
  return createServiceLogger({ service: "operator-console", level, redact: REDACTED_LOG_PATHS }, destination);
}
