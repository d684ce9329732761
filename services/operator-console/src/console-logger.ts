// pino JSON lines. The API token and session ids are never logged: requests are logged by path
// only (no query, no headers), and the redaction below censors such fields should one slip in.
import { pino, type DestinationStream, type Logger } from "pino";
import type { LogLevel } from "./config.ts";

export const REDACTED_LOG_PATHS = ["authToken", "*.authToken", "token", "*.token", "authorization", "*.authorization", "cookie", "*.cookie", "password", "*.password"];

export function createConsoleLogger(level: LogLevel, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { service: "operator-console" },
    redact: { paths: REDACTED_LOG_PATHS, censor: "[redacted]" },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return destination === undefined ? pino(options) : pino(options, destination);
}
