import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { readmeConfigProblems } from "@ic/service-config";
import { describe, expect, it } from "vitest";
import { CONSOLE_CONFIG_TABLE, isLoopbackListen, parseConsoleConfig, type ConfigProblem } from "./config.ts";

const TOKEN = "t".repeat(40);
const env = { IC_CONSOLE_API_AUTH_TOKEN: TOKEN };

function problems(file: unknown, environment: Record<string, string> = env): ConfigProblem[] {
  const parsed = parseConsoleConfig(file, environment);
  if (parsed.ok) throw new Error("expected problems");
  return parsed.error;
}

describe("console config", () => {
  it("needs only the token: loopback, the default API address, nothing polled", () => {
    const parsed = parseConsoleConfig(undefined, env);
    expect(parsed.ok && parsed.value).toEqual({
      listen: "127.0.0.1:9480",
      tls: undefined,
      api: { address: "127.0.0.1:10200", authToken: TOKEN, tlsCertPath: "" },
      deployment: "ic",
      bridges: [],
      matchers: [],
      kafka: undefined,
      pollIntervalMs: 1000,
      invoiceScanLimit: 2000,
      recentEvents: 200,
      sessionTtlMs: 43_200_000,
      logLevel: "info",
    });
  });

  it("reads bridges, matchers and Kafka from the file, or the lists from JSON variables", () => {
    const parsed = parseConsoleConfig(
      {
        bridges: [{ node: "alpha", metricsUrl: "http://127.0.0.1:9470/metrics" }],
        kafka: { brokers: ["127.0.0.1:9092"], credentialsFile: "/run/secrets/matcher.json" },
      },
      { ...env, IC_CONSOLE_MATCHERS: '[{"name":"m1","metricsUrl":"http://127.0.0.1:9464/metrics"}]' },
    );
    expect(parsed.ok && parsed.value.bridges).toEqual([{ name: "alpha", metricsUrl: "http://127.0.0.1:9470/metrics" }]);
    expect(parsed.ok && parsed.value.matchers).toEqual([{ name: "m1", metricsUrl: "http://127.0.0.1:9464/metrics" }]);
    expect(parsed.ok && parsed.value.kafka).toEqual({ brokers: ["127.0.0.1:9092"], credentialsFile: "/run/secrets/matcher.json" });
  });

  it("the token only from its variable, at least 32 characters, never quoted", () => {
    expect(problems({ api: { authToken: TOKEN } }).map((p) => p.message).join("\n")).toMatch(/IC_CONSOLE_API_AUTH_TOKEN/);
    const short = problems({}, { IC_CONSOLE_API_AUTH_TOKEN: "short-secret" });
    expect(short.map((p) => p.field)).toEqual(["api.authToken"]);
    expect(JSON.stringify(short)).not.toContain("short-secret");
    expect(problems({}, {}).map((p) => p.field)).toEqual(["api.authToken"]);
  });

  it("refuses cleartext beyond loopback, and half a TLS pair", () => {
    expect(problems({ listen: "0.0.0.0:9480" }).map((p) => p.field)).toEqual(["listen"]);
    // Listed with the table's own problems, all at once.
    expect(problems({ listen: "0.0.0.0:9480", pollIntervalMs: 1 }).map((p) => p.field)).toEqual(["pollIntervalMs", "listen"]);
    expect(problems({}, { IC_CONSOLE_LISTEN: "10.0.0.5:9480" }).map((p) => p.field)).toEqual(["api.authToken", "listen"]);
    expect(parseConsoleConfig({ listen: "0.0.0.0:9480", tls: { certPath: "/c.pem", keyPath: "/k.pem" } }, env).ok).toBe(true);
    expect(problems({ tls: { certPath: "/c.pem" } }).map((p) => p.field)).toEqual(["tls"]);
    expect(isLoopbackListen("127.0.0.1:1")).toBe(true);
    expect(isLoopbackListen("localhost:1")).toBe(true);
    expect(isLoopbackListen("[::1]:1")).toBe(true);
    expect(isLoopbackListen("10.0.0.5:1")).toBe(false);
    expect(isLoopbackListen("[::]:1")).toBe(false);
  });

  it("checks each metrics target and Kafka's pair of fields", () => {
    const fields = (file: unknown) => problems(file).map((p) => p.field);
    expect(fields({ bridges: [{ node: "alpha" }] })).toEqual(["bridges"]);
    expect(fields({ bridges: [{ node: "alpha", metricsUrl: "ftp://x/metrics" }] })).toEqual(["bridges"]);
    expect(fields({ bridges: [{ node: "alpha", metricsUrl: "http://u:p@x/metrics" }] })).toEqual(["bridges"]);
    expect(fields({ matchers: [{ name: "m", metricsUrl: "http://x/m" }, { name: "m", metricsUrl: "http://y/m" }] })).toEqual(["matchers"]);
    expect(fields({ matchers: [{ name: "m", metricsUrl: "http://x/m", extra: 1 }] })).toEqual(["matchers"]);
    expect(fields({ kafka: { brokers: ["127.0.0.1:9092"] } })).toEqual(["kafka.credentialsFile"]);
    expect(fields({ pollIntervalMs: 10 })).toEqual(["pollIntervalMs"]);
    expect(fields({ colour: "blue" })).toEqual(["colour"]);
  });

  it("the README has a row with every field and its variable", () => {
    const readme = readFileSync(path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../README.md"), "utf8");
    expect(readmeConfigProblems(readme, CONSOLE_CONFIG_TABLE)).toEqual([]);
  });
});
