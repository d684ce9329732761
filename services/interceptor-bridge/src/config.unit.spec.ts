import { readFileSync } from "node:fs";
import { readmeConfigProblems } from "@ic/service-config";
import { describe, expect, it } from "vitest";
import {
  BRIDGE_CONFIG_TABLE,
  bridgeConfig,
  BridgeConfigError,
  bridgeKafkaAuth,
  configEnvironmentVariables,
  envNameFor,
  parseBridgeConfig,
} from "./config.ts";

const PUBKEY = "02" + "ab".repeat(32);

const minimal = () => ({
  nodeName: "alpha",
  lnd: { grpcAddress: "127.0.0.1:10009", tlsCertPath: "/lnd/tls.cert", macaroonPath: "/lnd/admin.macaroon" },
  expectedPubkey: PUBKEY,
  network: "regtest",
  kafka: { brokers: ["127.0.0.1:9092"], credentialsFile: "/run/kafka/bridge-alpha.json" },
});

function problemsOf(file: unknown, env: Record<string, string> = {}): string[] {
  const result = parseBridgeConfig(file, env);
  if (result.ok) throw new Error("expected problems");
  return result.error.map((p) => p.message);
}

describe("bridge config", () => {
  it("fills in the defaults of a minimal file", () => {
    const result = parseBridgeConfig(minimal());
    expect(result).toEqual({
      ok: true,
      value: {
        ...minimal(),
        deployment: "ic",
        kafka: {
          brokers: ["127.0.0.1:9092"],
          clientId: "ic-bridge-alpha",
          credentialsFile: "/run/kafka/bridge-alpha.json",
          username: "",
          password: "",
          allowUnauthenticated: false,
        },
        schemaRegistryUrl: "http://127.0.0.1:18081/apis/ccompat/v7",
        metricsPort: 0,
        metricsHost: "0.0.0.0",
        minLndVersion: "0.19.3",
        logLevel: "info",
        reconnect: { initialDelayMs: 100, maxDelayMs: 5000 },
        blockHeightPollMs: 5000,
        statusIntervalMs: 10_000,
        lndFilesRequired: false,
        lndStartupTimeoutMs: 0,
        lndSyncWaitMs: 300_000,
        publishBacklogLimit: 1000,
        backlogAutoFailMarginBlocks: 3,
        settleRecoveryLookbackHours: 0,
      },
    });
  });

  it("lowercases the pinned pubkey so it compares with lnd's", () => {
    const config = bridgeConfig({ ...minimal(), network: "regtest", expectedPubkey: PUBKEY.toUpperCase().replace("0X", "0x") });
    expect(config.expectedPubkey).toBe(PUBKEY);
  });

  it("names every missing required field with its environment variable", () => {
    expect(problemsOf({})).toEqual([
      'config field "nodeName" is required (set it in the config file or IC_BRIDGE_NODE_NAME)',
      'config field "lnd.grpcAddress" is required (set it in the config file or IC_BRIDGE_LND_GRPC_ADDRESS)',
      'config field "lnd.tlsCertPath" is required (set it in the config file or IC_BRIDGE_LND_TLS_CERT_PATH)',
      'config field "lnd.macaroonPath" is required (set it in the config file or IC_BRIDGE_LND_MACAROON_PATH)',
      'config field "expectedPubkey" is required (set it in the config file or IC_BRIDGE_EXPECTED_PUBKEY)',
      'config field "network" is required (set it in the config file or IC_BRIDGE_NETWORK)',
      'config field "kafka.brokers" is required (set it in the config file or IC_BRIDGE_KAFKA_BROKERS)',
    ]);
  });

  it.each([
    ["nodeName", { nodeName: "a b" }, 'config field "nodeName": must be 1-64 chars of [A-Za-z0-9._-], got "a b"'],
    [
      "lnd.grpcAddress without port",
      { lnd: { ...minimal().lnd, grpcAddress: "localhost" } },
      'config field "lnd.grpcAddress": must be "host:port" (port 1-65535), got "localhost"',
    ],
    [
      "lnd.grpcAddress port out of range",
      { lnd: { ...minimal().lnd, grpcAddress: "localhost:70000" } },
      'config field "lnd.grpcAddress": must be "host:port" (port 1-65535), got "localhost:70000"',
    ],
    ["lnd.tlsCertPath", { lnd: { ...minimal().lnd, tlsCertPath: " " } }, 'config field "lnd.tlsCertPath": must not be empty'],
    ["lnd.macaroonPath type", { lnd: { ...minimal().lnd, macaroonPath: 5 } }, 'config field "lnd.macaroonPath": must be a string, got 5'],
    [
      "expectedPubkey uncompressed",
      { expectedPubkey: "04" + "ab".repeat(32) },
      `config field "expectedPubkey": must be the node's 33-byte compressed pubkey as 66 hex chars (lncli getinfo: identity_pubkey), got "04${"ab".repeat(32)}"`,
    ],
    [
      "network",
      { network: "bitcoin" },
      'config field "network": must be one of mainnet, testnet, testnet4, signet, simnet, regtest, got "bitcoin"',
    ],
    ["kafka.brokers empty", { kafka: { ...minimal().kafka, brokers: [] } }, 'config field "kafka.brokers": must list at least one broker'],
    [
      "kafka.brokers entry",
      { kafka: { ...minimal().kafka, brokers: ["127.0.0.1:9092", "kafka"] } },
      'config field "kafka.brokers": every broker must be "host:port", got "kafka"',
    ],
    [
      "kafka.brokers type",
      { kafka: { ...minimal().kafka, brokers: "127.0.0.1:9092" } },
      'config field "kafka.brokers": must be a list of strings, got "127.0.0.1:9092"',
    ],
    [
      "deployment",
      { deployment: "IC prod" },
      'config field "deployment": must be 1-100 characters of [a-z0-9-], got "IC prod"',
    ],
    [
      "topics (gone)",
      { topics: { htlcCommands: "commands" } },
      'config field "topics" is no longer used: topic names derive from "deployment" now (<deployment>.htlc.*.v1.<pubkey>)',
    ],
    [
      "metricsPort",
      { metricsPort: 70000 },
      'config field "metricsPort": must be a port 1-65535, or 0 for no metrics endpoint, got 70000',
    ],
    ["metricsPort fraction", { metricsPort: 9.5 }, 'config field "metricsPort": must be an integer, got 9.5'],
    ["minLndVersion", { minLndVersion: "latest" }, 'config field "minLndVersion": must be an lnd version like "0.19.3", got "latest"'],
    [
      "logLevel",
      { logLevel: "verbose" },
      'config field "logLevel": must be one of fatal, error, warn, info, debug, trace, silent, got "verbose"',
    ],
    [
      "reconnect.maxDelayMs below initial",
      { reconnect: { initialDelayMs: 1000, maxDelayMs: 10 } },
      'config field "reconnect.maxDelayMs": must be at least reconnect.initialDelayMs (1000), got 10',
    ],
    ["blockHeightPollMs", { blockHeightPollMs: 0 }, 'config field "blockHeightPollMs": must be at least 1, got 0'],
    ["statusIntervalMs", { statusIntervalMs: 10 }, 'config field "statusIntervalMs": must be at least 100, got 10'],
    [
      "settleRecoveryLookbackHours",
      { settleRecoveryLookbackHours: -1 },
      'config field "settleRecoveryLookbackHours": must be at least 0, got -1',
    ],
    [
      "kafka.allowUnauthenticated",
      { kafka: { ...minimal().kafka, allowUnauthenticated: "yes" } },
      'config field "kafka.allowUnauthenticated": must be true or false, got "yes"',
    ],
  ])("refuses a bad %s, naming the field", (_name, patch, message) => {
    expect(problemsOf({ ...minimal(), ...patch })).toEqual([message]);
  });

  it("reports misspelt and unknown fields instead of ignoring them", () => {
    expect(problemsOf({ ...minimal(), metricPort: 9100, lnd: { ...minimal().lnd, macaroon: "x" } })).toEqual([
      'unknown config field "lnd.macaroon"',
      'unknown config field "metricPort"',
    ]);
  });

  it("refuses a group that is not an object, and a file that is not an object", () => {
    expect(problemsOf({ ...minimal(), lnd: "127.0.0.1:10009" })).toContain(
      'config field "lnd" must be an object, got "127.0.0.1:10009"',
    );
    expect(problemsOf([minimal()])).toEqual(["the config file must hold a JSON object"]);
  });

  it("takes every field from the environment when there is no file", () => {
    const result = parseBridgeConfig(undefined, {
      IC_BRIDGE_NODE_NAME: "bravo",
      IC_BRIDGE_LND_GRPC_ADDRESS: "[::1]:10010",
      IC_BRIDGE_LND_TLS_CERT_PATH: "/b/tls.cert",
      IC_BRIDGE_LND_MACAROON_PATH: "/b/admin.macaroon",
      IC_BRIDGE_EXPECTED_PUBKEY: PUBKEY,
      IC_BRIDGE_NETWORK: "signet",
      IC_BRIDGE_KAFKA_BROKERS: "k1:9092, k2:9092",
      IC_BRIDGE_KAFKA_USERNAME: "bridge-bravo",
      IC_BRIDGE_KAFKA_PASSWORD: "s3cret",
      IC_BRIDGE_DEPLOYMENT: "shop-2",
      IC_BRIDGE_METRICS_PORT: "9464",
      IC_BRIDGE_SETTLE_RECOVERY_LOOKBACK_HOURS: "336.5",
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value).toMatchObject({
      nodeName: "bravo",
      lnd: { grpcAddress: "[::1]:10010" },
      network: "signet",
      deployment: "shop-2",
      kafka: { brokers: ["k1:9092", "k2:9092"], clientId: "shop-2-bridge-bravo", username: "bridge-bravo", password: "s3cret" },
      metricsPort: 9464,
      settleRecoveryLookbackHours: 336.5,
    });
  });

  it("lets the environment override the file, and says so when the override is bad", () => {
    const overridden = parseBridgeConfig(minimal(), { IC_BRIDGE_NETWORK: "signet", IC_BRIDGE_NODE_NAME: "" });
    expect(overridden.ok && overridden.value.network).toBe("signet");
    // An empty variable counts as unset.
    expect(overridden.ok && overridden.value.nodeName).toBe("alpha");
    expect(problemsOf(minimal(), { IC_BRIDGE_METRICS_PORT: "nine" })).toEqual([
      'metricsPort (from IC_BRIDGE_METRICS_PORT): must be an integer, got "nine"',
    ]);
    expect(problemsOf(minimal(), { IC_BRIDGE_METRICS_PORT: " " })).toEqual([
      'metricsPort (from IC_BRIDGE_METRICS_PORT): must be an integer, got " "',
    ]);
    expect(problemsOf(minimal(), { IC_BRIDGE_KAFKA_ALLOW_UNAUTHENTICATED: "1" })).toEqual([
      'kafka.allowUnauthenticated (from IC_BRIDGE_KAFKA_ALLOW_UNAUTHENTICATED): must be true or false, got "1"',
    ]);
  });

  describe("Kafka credentials", () => {
    const noCredentials = () => ({ ...minimal(), kafka: { brokers: ["127.0.0.1:9092"] } });

    it("refuses a config without credentials, saying what to set", () => {
      expect(problemsOf(noCredentials())).toEqual([
        'no Kafka credentials: set kafka.credentialsFile (or IC_BRIDGE_KAFKA_CREDENTIALS_FILE) (a JSON file {"username","password","mechanism":"scram-sha-512"}) or IC_BRIDGE_KAFKA_USERNAME and IC_BRIDGE_KAFKA_PASSWORD; to connect without authentication set kafka.allowUnauthenticated: true explicitly',
      ]);
    });

    it("takes them from the environment; a username without a password is refused without echoing either", () => {
      const fromEnv = parseBridgeConfig(noCredentials(), { IC_BRIDGE_KAFKA_USERNAME: "bridge-alpha", IC_BRIDGE_KAFKA_PASSWORD: "pw-123" });
      expect(fromEnv.ok && bridgeKafkaAuth(fromEnv.value)).toEqual({ kind: "password", username: "bridge-alpha", password: "pw-123" });
      const half = problemsOf(noCredentials(), { IC_BRIDGE_KAFKA_USERNAME: "bridge-alpha" });
      expect(half).toEqual(["IC_BRIDGE_KAFKA_USERNAME and IC_BRIDGE_KAFKA_PASSWORD go together: set both (or use kafka.credentialsFile (or IC_BRIDGE_KAFKA_CREDENTIALS_FILE))"]);
      const both = problemsOf(minimal(), { IC_BRIDGE_KAFKA_USERNAME: "u", IC_BRIDGE_KAFKA_PASSWORD: "pw-456" });
      expect(both[0]).toContain("not both");
      expect(both.join()).not.toContain("pw-456");
    });

    it("connects without authentication only when the config says so explicitly", () => {
      const plain = parseBridgeConfig({ ...noCredentials(), kafka: { brokers: ["127.0.0.1:9092"], allowUnauthenticated: true } });
      expect(plain.ok && bridgeKafkaAuth(plain.value)).toEqual({ kind: "unauthenticated" });
      const file = parseBridgeConfig(minimal());
      expect(file.ok && bridgeKafkaAuth(file.value)).toEqual({ kind: "file", path: "/run/kafka/bridge-alpha.json" });
    });
  });

  it("names variables after the field path", () => {
    expect(envNameFor("lnd.grpcAddress")).toBe("IC_BRIDGE_LND_GRPC_ADDRESS");
    expect(envNameFor("reconnect.maxDelayMs")).toBe("IC_BRIDGE_RECONNECT_MAX_DELAY_MS");
    expect(configEnvironmentVariables()).toContainEqual({ name: "IC_BRIDGE_MIN_LND_VERSION", field: "minLndVersion" });
  });

  it("bridgeConfig throws every problem at once for configs built in code", () => {
    const bad = { ...minimal(), network: "regtest" as const, metricsPort: -1, nodeName: "" };
    expect(() => bridgeConfig(bad)).toThrow(BridgeConfigError);
    try {
      bridgeConfig(bad);
    } catch (error) {
      expect((error as BridgeConfigError).problems.map((p) => p.field)).toEqual(["nodeName", "metricsPort"]);
    }
  });

  it("the README lists every field with its variable", () => {
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
    expect(readmeConfigProblems(readme, BRIDGE_CONFIG_TABLE)).toEqual([]);
  });
});
