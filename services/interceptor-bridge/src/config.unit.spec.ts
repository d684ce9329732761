import { defaultTopics } from "@ic/event-log";
import { describe, expect, it } from "vitest";
import { bridgeConfig, BridgeConfigError, configEnvironmentVariables, envNameFor, parseBridgeConfig } from "./config.ts";

const PUBKEY = "02" + "ab".repeat(32);

const minimal = () => ({
  nodeName: "alpha",
  lnd: { grpcAddress: "127.0.0.1:10009", tlsCertPath: "/lnd/tls.cert", macaroonPath: "/lnd/admin.macaroon" },
  expectedPubkey: PUBKEY,
  network: "regtest",
  kafka: { brokers: ["127.0.0.1:9092"] },
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
        kafka: { brokers: ["127.0.0.1:9092"], clientId: "ic-bridge-alpha", createTopics: true, topicPartitions: 3 },
        topics: {
          htlcIntercepted: defaultTopics.htlcIntercepted,
          htlcCommands: defaultTopics.htlcCommands,
          htlcOutcomes: defaultTopics.htlcOutcomes,
        },
        metricsPort: 0,
        metricsHost: "0.0.0.0",
        minLndVersion: "0.19.3",
        logLevel: "info",
        reconnect: { initialDelayMs: 100, maxDelayMs: 5000 },
        blockHeightPollMs: 5000,
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
    ["kafka.brokers empty", { kafka: { brokers: [] } }, 'config field "kafka.brokers": must list at least one broker'],
    [
      "kafka.brokers entry",
      { kafka: { brokers: ["127.0.0.1:9092", "kafka"] } },
      'config field "kafka.brokers": every broker must be "host:port", got "kafka"',
    ],
    ["kafka.brokers type", { kafka: { brokers: "127.0.0.1:9092" } }, 'config field "kafka.brokers": must be a list of strings, got "127.0.0.1:9092"'],
    [
      "topics.htlcCommands",
      { topics: { htlcCommands: "commands topic" } },
      'config field "topics.htlcCommands": must be a Kafka topic name ([A-Za-z0-9._-], 1-249 chars), got "commands topic"',
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
    [
      "settleRecoveryLookbackHours",
      { settleRecoveryLookbackHours: -1 },
      'config field "settleRecoveryLookbackHours": must be at least 0, got -1',
    ],
    ["kafka.createTopics", { kafka: { ...minimal().kafka, createTopics: "yes" } }, 'config field "kafka.createTopics": must be true or false, got "yes"'],
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
      IC_BRIDGE_KAFKA_CREATE_TOPICS: "false",
      IC_BRIDGE_METRICS_PORT: "9464",
      IC_BRIDGE_SETTLE_RECOVERY_LOOKBACK_HOURS: "336.5",
      IC_BRIDGE_TOPICS_HTLC_OUTCOMES: "custom.outcomes",
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value).toMatchObject({
      nodeName: "bravo",
      lnd: { grpcAddress: "[::1]:10010" },
      network: "signet",
      kafka: { brokers: ["k1:9092", "k2:9092"], clientId: "ic-bridge-bravo", createTopics: false },
      metricsPort: 9464,
      settleRecoveryLookbackHours: 336.5,
      topics: { htlcOutcomes: "custom.outcomes", htlcCommands: defaultTopics.htlcCommands },
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
    expect(problemsOf(minimal(), { IC_BRIDGE_KAFKA_CREATE_TOPICS: "1" })).toEqual([
      'kafka.createTopics (from IC_BRIDGE_KAFKA_CREATE_TOPICS): must be true or false, got "1"',
    ]);
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
});
