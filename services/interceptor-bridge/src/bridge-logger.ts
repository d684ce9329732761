// pino JSON lines. Log fields name HTLCs by paymentHash and circuitKey ("chanId:htlcId") and
// every line carries nodeName. Preimages and failure packets are never logged: the code logs
// chosen fields only, and the redaction below censors those names should one slip into a
// logged object anyway (money-safety rule 3).
import { createServiceLogger } from "@ic/service-probes";
import type { DestinationStream, Logger } from "pino";
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
  return createServiceLogger({ service: "interceptor-bridge", level, redact: REDACTED_LOG_PATHS, base: { nodeName } }, destination);
}
