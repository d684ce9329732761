// pino JSON lines. Log fields name HTLCs by paymentHash and circuitKey ("chanId:htlcId") and
// every line carries nodeName. Preimages and failure packets are never logged: the code logs
// chosen fields only, and the redaction below censors those names should one slip into a
// logged object anyway (money-safety rule 3).
import { pino, type DestinationStream, type Logger } from "pino";
import type { LogLevel } from "./config.ts";

export type BridgeLogger = Logger;

export const REDACTED_LOG_PATHS = [
  "preimage",
  "*.preimage",
  "failureMessage",
  "*.failureMessage",
  "onionBlob",
  "*.onionBlob",
  "password",
  "*.password",
  "*.*.password",
];

export function createBridgeLogger(nodeName: string, level: LogLevel, destination?: DestinationStream): BridgeLogger {
  const options = {
    level,
    base: { service: "interceptor-bridge", nodeName },
    redact: { paths: REDACTED_LOG_PATHS, censor: "[redacted]" },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return destination === undefined ? pino(options) : pino(options, destination);
}
