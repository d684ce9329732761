import { logLevel } from "kafkajs";
import { describe, expect, it } from "vitest";
import { kafkaLogCreator, type EventLogLogger } from "./kafka-logger.ts";

function recordingLogger() {
  const lines: { level: string; fields: object; message: string }[] = [];
  const at =
    (level: string) =>
    (fields: object, message: string): void => {
      lines.push({ level, fields, message });
    };
  const logger: EventLogLogger = { error: at("error"), warn: at("warn"), info: at("info"), debug: at("debug") };
  return { logger, lines };
}

const entry = (namespace: string, level: logLevel, message: string, extra: object = {}) => ({
  namespace,
  level,
  label: logLevel[level],
  log: { timestamp: "2026-01-01T00:00:00.000Z", message, ...extra },
});

describe("kafkaLogCreator", () => {
  it("passes kafkajs entries to the logger at their level, with kafkajs's fields and namespace", () => {
    const { logger, lines } = recordingLogger();
    const log = kafkaLogCreator(logger)(logLevel.DEBUG);
    log(entry("Consumer", logLevel.ERROR, "Crash", { groupId: "g" }));
    log(entry("Producer", logLevel.WARN, "retrying", { retryCount: 1 }));
    log(entry("Consumer", logLevel.INFO, "Starting"));
    log(entry("Fetcher", logLevel.DEBUG, "fetching"));
    expect(lines).toEqual([
      { level: "error", fields: { kafkajs: "Consumer", groupId: "g" }, message: "Crash" },
      { level: "warn", fields: { kafkajs: "Producer", retryCount: 1 }, message: "retrying" },
      { level: "info", fields: { kafkajs: "Consumer" }, message: "Starting" },
      { level: "debug", fields: { kafkajs: "Fetcher" }, message: "fetching" },
    ]);
  });

  it("logs the Connection layer's per-response errors at debug: the layers above retry them or throw", () => {
    const { logger, lines } = recordingLogger();
    kafkaLogCreator(logger)(logLevel.WARN)(
      entry("Connection", logLevel.ERROR, "Response AddPartitionsToTxn(key: 24, version: 1)", { error: "CONCURRENT_TRANSACTIONS" }),
    );
    expect(lines.map((l) => l.level)).toEqual(["debug"]);
  });

  it("censors fields that could hold credentials, also nested ones", () => {
    const { logger, lines } = recordingLogger();
    kafkaLogCreator(logger)(logLevel.DEBUG)(
      entry("SaslAuthenticator-SCRAM-SHA-512", logLevel.DEBUG, "Authenticate", {
        broker: "127.0.0.1:9092",
        sasl: { mechanism: "scram-sha-512", username: "u", password: "hunter2" },
        request: { password: "hunter2", size: 3 },
      }),
    );
    expect(JSON.stringify(lines)).not.toContain("hunter2");
    expect(lines[0]?.fields).toEqual({
      kafkajs: "SaslAuthenticator-SCRAM-SHA-512",
      broker: "127.0.0.1:9092",
      sasl: "[redacted]",
      request: { password: "[redacted]", size: 3 },
    });
  });
});
