import { deploymentTopics } from "@ic/event-log";
import { readmeConfigProblems } from "@ic/service-config";
import { describe, expect, it, vi } from "vitest";

const files = vi.hoisted(() => new Map<string, string>());
vi.mock("node:fs", () => ({
  readFileSync: (path: string) => {
    const text = files.get(path);
    if (text === undefined) throw Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: "ENOENT" });
    return text;
  },
}));

const realFs = await vi.importActual<typeof import("node:fs")>("node:fs");
const { ConfigError, loadMatcherConfig, MATCHER_CONFIG_TABLE, parseMatcherConfig } = await import("./config.ts");

const NODE_KEY = "11".repeat(32);
const SEED = "22".repeat(32);
const TOKEN = "secret-api-token-0123456789abcdef";
const PUBKEY = "02" + "ab".repeat(32);

const minimal = (): Record<string, unknown> => ({
  nodeKey: NODE_KEY,
  preimageSeed: SEED,
  postgresUrl: "postgres://ic@127.0.0.1:5432/ic",
  kafka: { brokers: ["127.0.0.1:9092"], credentialsFile: "/run/kafka/matcher.json" },
  cluster: [{ name: "a", pubkey: PUBKEY }],
  api: { authToken: TOKEN },
});

function problemOf(raw: Record<string, unknown>, env: NodeJS.ProcessEnv = {}): string {
  try {
    parseMatcherConfig(raw, env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error("expected a ConfigError");
}

describe("matcher config", () => {
  it("fills in the defaults of a minimal config", () => {
    expect(parseMatcherConfig(minimal())).toEqual({
      network: "regtest",
      nodeKeyHex: NODE_KEY,
      preimageSeedHex: SEED,
      postgresUrl: "postgres://ic@127.0.0.1:5432/ic",
      dbSchema: "matcher",
      deployment: "ic",
      kafka: { brokers: ["127.0.0.1:9092"], clientId: "ic-invoice-matcher", auth: { kind: "file", path: "/run/kafka/matcher.json" } },
      schemaRegistryUrl: "http://127.0.0.1:18081/apis/ccompat/v7",
      topics: expect.objectContaining({ deployment: "ic", invoiceEvents: "ic.invoice.events.v1", matcherEvents: "ic.matcher.events.v1" }),
      cluster: [{ name: "a", pubkey: PUBKEY }],
      matcher: {
        mppTimeoutMs: 120_000,
        acceptTimeoutMs: 3_600_000,
        virtualHopPolicy: { feeBaseMsat: 0n, feeProportionalMillionths: 0n, cltvExpiryDelta: 40 },
        holdSafetyMarginBlocks: 3,
      },
      minFinalCltvExpiryDelta: 40,
      defaultExpirySeconds: 3600,
      api: { listen: "127.0.0.1:10200", authToken: TOKEN },
      metricsPort: 0,
      metricsHost: "127.0.0.1",
      tickIntervalMs: 1000,
      outboxRetentionHours: 168,
      consumer: { partitionsConcurrently: 3, keyConcurrency: 4, sessionTimeoutMs: 10_000, heartbeatIntervalMs: 1_000 },
      postgresPoolSize: 20,
      postgresTimeouts: { connectMs: 5000, statementMs: 10000, idleInTransactionMs: 30000, idleMs: 30000 },
      groupId: "ic.matcher",
    });
  });

  it("serves the API over TLS when api.tls names a certificate and key, and names a missing one", () => {
    const withTls = { ...minimal(), api: { authToken: TOKEN, listen: "0.0.0.0:10200", tls: { certPath: "/etc/ic/api.pem", keyPath: "/etc/ic/api.key" } } };
    expect(parseMatcherConfig(withTls).api).toEqual({
      listen: "0.0.0.0:10200",
      authToken: TOKEN,
      tls: { certPath: "/etc/ic/api.pem", keyPath: "/etc/ic/api.key" },
    });
    expect(problemOf({ ...minimal(), api: { authToken: TOKEN, tls: { certPath: "/etc/ic/api.pem" } } })).toContain('config field "api.tls.keyPath" is required with api.tls');
  });

  it("takes secrets and overrides from the environment", () => {
    const file = minimal();
    delete file.nodeKey;
    delete file.preimageSeed;
    delete file.api;
    const config = parseMatcherConfig(file, {
      IC_MATCHER_NODE_KEY: NODE_KEY.toUpperCase(),
      IC_MATCHER_PREIMAGE_SEED: SEED,
      IC_MATCHER_API_TOKEN: TOKEN,
      IC_MATCHER_KAFKA_BROKERS: "k1:9092,k2:9093",
      IC_MATCHER_MPP_TIMEOUT_MS: "90000",
      IC_MATCHER_METRICS_PORT: "9100",
    });
    expect(config.nodeKeyHex).toBe(NODE_KEY);
    expect(config.preimageSeedHex).toBe(SEED);
    expect(config.api.authToken).toBe(TOKEN);
    expect(config.kafka.brokers).toEqual(["k1:9092", "k2:9093"]);
    expect(config.matcher.mppTimeoutMs).toBe(90_000);
    expect(config.metricsPort).toBe(9100);
  });

  it.each([
    ["network", { network: "bitcoin" }, 'config field "network": must be one of mainnet, testnet, signet, regtest, got "bitcoin"'],
    ["nodeKey", { nodeKey: undefined }, 'config field "nodeKey" is required (set it in the config file or IC_MATCHER_NODE_KEY)'],
    ["nodeKey", { nodeKey: "ab".repeat(31) }, 'config field "nodeKey": must be 32 bytes of hex'],
    ["preimageSeed", { preimageSeed: "xy".repeat(32) }, 'config field "preimageSeed": must be 32 bytes of hex'],
    ["postgresUrl", { postgresUrl: "" }, 'config field "postgresUrl": must not be empty'],
    ["dbSchema", { dbSchema: "Matcher; drop" }, 'config field "dbSchema": must be a lowercase SQL identifier'],
    ["kafka.brokers", { kafka: { brokers: ["localhost"] } }, 'config field "kafka.brokers": every broker must be "host:port", got "localhost"'],
    ["cluster", { cluster: [] }, 'config field "cluster": must list at least one node'],
    ["cluster[0].pubkey", { cluster: [{ name: "a", pubkey: "04" + "ab".repeat(32) }] }, "cluster[0].pubkey must be a 33-byte compressed public key"],
    ["cluster[0].name", { cluster: [{ pubkey: PUBKEY }] }, "cluster[0].name is required"],
    ["mppTimeoutMs", { mppTimeoutMs: 1000 }, "mppTimeoutMs must be an integer >= 60000"],
    ["acceptTimeoutMs", { acceptTimeoutMs: 1.5 }, 'config field "acceptTimeoutMs": must be an integer, got 1.5'],
    ["virtualHopPolicy.cltvExpiryDelta", { virtualHopPolicy: { cltvExpiryDelta: 5000 } }, 'config field "virtualHopPolicy.cltvExpiryDelta": must be in 0..2016, got 5000'],
    ["minFinalCltvExpiryDelta", { minFinalCltvExpiryDelta: 9 }, "minFinalCltvExpiryDelta is 9, below 24, lnd 0.21+'s minimum final CLTV delta"],
    ["holdSafetyMarginBlocks", { holdSafetyMarginBlocks: 2 }, 'config field "holdSafetyMarginBlocks": must be in 3..1000, got 2'],
    ["tickIntervalMs", { tickIntervalMs: "fast" }, 'config field "tickIntervalMs": must be an integer, got "fast"'],
    ["outboxRetentionHours", { outboxRetentionHours: -1 }, 'config field "outboxRetentionHours": must be in 0..87600, got -1'],
    ["metricsPort", { metricsPort: 70000 }, 'config field "metricsPort": must be in 0..65535, got 70000'],
    ["api.authToken", { api: { authToken: "short" } }, 'config field "api.authToken": must be at least 32 characters'],
    ["topics (gone)", { topics: { invoiceEvents: "x" } }, 'config field "topics" is no longer used: topic names derive from "deployment"'],
    ["groupId (gone)", { groupId: "g" }, 'config field "groupId" is no longer used: the consumer group is "<deployment>.matcher"'],
    ["deployment", { deployment: "IC_prod" }, 'config field "deployment": must be 1-100 characters of [a-z0-9-], got "IC_prod"'],
    ["consumer.sessionTimeoutMs", { consumer: { sessionTimeoutMs: 1000 } }, 'config field "consumer.sessionTimeoutMs": must be in 6000..300000, got 1000'],
    [
      "consumer.heartbeatIntervalMs",
      { consumer: { sessionTimeoutMs: 6000, heartbeatIntervalMs: 3000 } },
      'config field "consumer.heartbeatIntervalMs": must be at most a third of consumer.sessionTimeoutMs (6000), got 3000',
    ],
    ["schemaRegistryUrl", { schemaRegistryUrl: "registry:18081" }, 'config field "schemaRegistryUrl": must be an http or https URL, got a registry: one'],
    ["schemaRegistryUrl", { schemaRegistryUrl: "not a url" }, 'config field "schemaRegistryUrl": must be the http(s) URL of the schema registry\'s Confluent-compatible API'],
    ["schemaRegistryUrl", { schemaRegistryUrl: "http://u:p@127.0.0.1:18081/apis/ccompat/v7" }, 'config field "schemaRegistryUrl": must not carry credentials'],
    ["kafka.allowUnauthenticated", { kafka: { brokers: ["127.0.0.1:9092"], allowUnauthenticated: "yes" } }, 'config field "kafka.allowUnauthenticated": must be true or false, got "yes"'],
  ])("names the field of a bad %s", (_field, override, expected) => {
    expect(problemOf({ ...minimal(), ...override })).toContain(expected);
  });

  it("lists every problem at once", () => {
    const message = problemOf({ ...minimal(), network: "x", dbSchema: "X", tickIntervalMs: 1 });
    expect(message.split("\n  - ")).toHaveLength(4);
  });

  it("derives every Kafka name from the deployment name", () => {
    const config = parseMatcherConfig({ ...minimal(), deployment: "shop-2" });
    const topics = deploymentTopics("shop-2");
    expect(config.topics.htlcIntercepted(PUBKEY)).toBe(`shop-2.htlc.intercepted.v1.${PUBKEY}`);
    expect(config.topics.htlcCommands(PUBKEY)).toBe(topics.htlcCommands(PUBKEY));
    expect(config.topics.invoiceEvents).toBe("shop-2.invoice.events.v1");
    expect(config.groupId).toBe("shop-2.matcher");
    expect(config.kafka.clientId).toBe("shop-2-invoice-matcher");
    expect(parseMatcherConfig(minimal(), { IC_MATCHER_DEPLOYMENT: "env-dep" }).groupId).toBe("env-dep.matcher");
  });

  describe("Kafka credentials", () => {
    const noCredentials = () => ({ ...minimal(), kafka: { brokers: ["127.0.0.1:9092"] } });

    it("refuses a config without credentials, saying what to set", () => {
      expect(problemOf(noCredentials())).toContain(
        'no Kafka credentials: set kafka.credentialsFile (or IC_MATCHER_KAFKA_CREDENTIALS_FILE) (a JSON file {"username","password","mechanism":"scram-sha-512"}) or IC_MATCHER_KAFKA_USERNAME and IC_MATCHER_KAFKA_PASSWORD; to connect without authentication set kafka.allowUnauthenticated: true explicitly',
      );
    });

    it("takes them from the environment, never echoes the password, and never from the config file itself", () => {
      const config = parseMatcherConfig(noCredentials(), { IC_MATCHER_KAFKA_USERNAME: "matcher", IC_MATCHER_KAFKA_PASSWORD: "pw-789" });
      expect(config.kafka.auth).toEqual({ kind: "password", username: "matcher", password: "pw-789" });
      expect(parseMatcherConfig(noCredentials(), { IC_MATCHER_KAFKA_CREDENTIALS_FILE: "/k/m.json" }).kafka.auth).toEqual({ kind: "file", path: "/k/m.json" });
      const half = problemOf(noCredentials(), { IC_MATCHER_KAFKA_PASSWORD: "pw-789" });
      expect(half).toContain("IC_MATCHER_KAFKA_USERNAME and IC_MATCHER_KAFKA_PASSWORD go together");
      expect(half).not.toContain("pw-789");
      const inFile = problemOf({ ...minimal(), kafka: { brokers: ["127.0.0.1:9092"], username: "m", password: "pw-in-file" } });
      expect(inFile).toContain('config field "kafka.username" is not read from the config file');
      expect(inFile).not.toContain("pw-in-file");
    });

    it("connects without authentication only when the config says so explicitly", () => {
      const config = parseMatcherConfig({ ...minimal(), kafka: { brokers: ["127.0.0.1:9092"], allowUnauthenticated: true } });
      expect(config.kafka.auth).toEqual({ kind: "unauthenticated" });
    });
  });

  describe("never echoes a secret", () => {
    const badKey = "not-hex-" + "9f".repeat(28);
    const badSeed = "seed-" + "7e".repeat(30);
    const shortToken = "tok-3c2a9e";

    it("in field problems from the file", () => {
      const message = problemOf({ ...minimal(), nodeKey: badKey, preimageSeed: badSeed, api: { authToken: shortToken } });
      for (const secret of [badKey, badSeed, shortToken]) expect(message).not.toContain(secret);
      expect(message).not.toContain("9f9f");
      expect(message).not.toContain("7e7e");
    });

    it("in field problems from the environment", () => {
      const message = problemOf(minimal(), { IC_MATCHER_NODE_KEY: badKey, IC_MATCHER_PREIMAGE_SEED: badSeed, IC_MATCHER_API_TOKEN: shortToken });
      for (const secret of [badKey, badSeed, shortToken]) expect(message).not.toContain(secret);
    });

    it("in a JSON syntax error of the config file", () => {
      // V8's own message would quote `"nodeKey": 9f9f9f9f9f...`.
      files.set("/etc/matcher.json", `{"nodeKey": ${"9f".repeat(32)}}`);
      let message = "";
      try {
        loadMatcherConfig("/etc/matcher.json", {});
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        message = (error as Error).message;
      }
      expect(message).toMatch(/^matcher config \/etc\/matcher\.json is not valid JSON/);
      expect(message).not.toContain("9f9f");
    });
  });

  it("reports the position of a JSON syntax error", () => {
    files.set("/etc/positioned.json", '{"network": "regtest" "x": 1}');
    expect(() => loadMatcherConfig("/etc/positioned.json", {})).toThrow(/^matcher config \/etc\/positioned\.json is not valid JSON \(at position 22\)$/);
  });

  it("names a config file it cannot read", () => {
    expect(() => loadMatcherConfig("/etc/missing.json", {})).toThrow(/^cannot read matcher config \/etc\/missing\.json: ENOENT/);
  });

  describe("reads the files the config names at start (a wrong mount exits at once, naming the file)", () => {
    const withFiles = (config: Record<string, unknown>, present: Record<string, string>): void => {
      files.clear();
      files.set("/etc/files.json", JSON.stringify(config));
      for (const [path, text] of Object.entries(present)) files.set(path, text);
    };
    const credentials = JSON.stringify({ username: "matcher", password: "s3cret-password" });

    it("accepts a config whose credentials file reads", () => {
      withFiles(minimal(), { "/run/kafka/matcher.json": credentials });
      expect(loadMatcherConfig("/etc/files.json", {}).kafka.auth).toEqual({ kind: "file", path: "/run/kafka/matcher.json" });
    });

    it("refuses a missing Kafka credentials file", () => {
      withFiles(minimal(), {});
      expect(() => loadMatcherConfig("/etc/files.json", {})).toThrow("invalid matcher config:\n  - cannot read the Kafka credentials file /run/kafka/matcher.json: ENOENT");
    });

    it("refuses a credentials file without a password, never quoting it", () => {
      withFiles(minimal(), { "/run/kafka/matcher.json": JSON.stringify({ username: "s3cret-user" }) });
      expect(() => loadMatcherConfig("/etc/files.json", {})).toThrow(/the Kafka credentials file \/run\/kafka\/matcher\.json needs "password"/);
      expect(() => loadMatcherConfig("/etc/files.json", {})).not.toThrow(/s3cret-user/);
    });

    it("refuses the API's TLS key when it cannot be read, naming the field", () => {
      withFiles({ ...minimal(), api: { authToken: TOKEN, tls: { certPath: "/tls/api.crt", keyPath: "/tls/api.key" } } }, { "/run/kafka/matcher.json": credentials, "/tls/api.crt": "cert" });
      expect(() => loadMatcherConfig("/etc/files.json", {})).toThrow("invalid matcher config:\n  - cannot read api.tls.keyPath /tls/api.key: ENOENT");
    });
  });
});

describe("matcher config: one variable per field (the table shared with the bridge's scheme)", () => {
  it("takes any field from its IC_MATCHER_* variable, JSON ones as JSON text", () => {
    const file = minimal();
    delete file.cluster;
    const config = parseMatcherConfig(file, {
      IC_MATCHER_CLUSTER: JSON.stringify([{ name: "b", pubkey: PUBKEY.toUpperCase().replace("0X", "0x") }]),
      IC_MATCHER_TICK_INTERVAL_MS: "250",
      IC_MATCHER_VIRTUAL_HOP_POLICY_FEE_BASE_MSAT: "1000",
      IC_MATCHER_CONSUMER_SESSION_TIMEOUT_MS: "30000",
      IC_MATCHER_API_TLS_CERT_PATH: "/tls/api.crt",
      IC_MATCHER_API_TLS_KEY_PATH: "/tls/api.key",
      IC_MATCHER_KAFKA_ALLOW_UNAUTHENTICATED: "false",
    });
    expect(config.cluster).toEqual([{ name: "b", pubkey: PUBKEY }]);
    expect(config.tickIntervalMs).toBe(250);
    expect(config.matcher.virtualHopPolicy.feeBaseMsat).toBe(1000n);
    expect(config.consumer.sessionTimeoutMs).toBe(30_000);
    expect(config.api.tls).toEqual({ certPath: "/tls/api.crt", keyPath: "/tls/api.key" });
  });

  it("names the variable a bad value came from", () => {
    expect(problemOf(minimal(), { IC_MATCHER_TICK_INTERVAL_MS: "soon" })).toContain(
      'tickIntervalMs (from IC_MATCHER_TICK_INTERVAL_MS): must be an integer, got "soon"',
    );
    expect(problemOf(minimal(), { IC_MATCHER_CLUSTER: "alpha=02ab" })).toContain('cluster (from IC_MATCHER_CLUSTER): must be JSON, got "alpha=02ab"');
  });

  it("still reads a number written as a string in the file, and ignores fields it does not know", () => {
    const config = parseMatcherConfig({ ...minimal(), metricsPort: "9100", comment: "shared by both regions" });
    expect(config.metricsPort).toBe(9100);
  });

  it("the README lists every field with its variable", () => {
    const readme = realFs.readFileSync(new URL("../README.md", import.meta.url), "utf8");
    expect(readmeConfigProblems(readme, MATCHER_CONFIG_TABLE)).toEqual([]);
  });
});
