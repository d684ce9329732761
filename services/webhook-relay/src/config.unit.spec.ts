import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { readmeConfigProblems } from "@ic/service-config";
import { describe, expect, it } from "vitest";
import {
  RELAY_CONFIG_TABLE,
  configEnvironmentVariables,
  envNameFor,
  parseRelayConfig,
  secretEnvNameFor,
  type ConfigProblem,
} from "./config.ts";
import { loadRelayConfig } from "./config-source.ts";

const SECRET = "s".repeat(32);
const minimal = {
  kafka: { brokers: ["127.0.0.1:9092"], credentialsFile: "/run/secrets/kafka.json" },
  endpoints: [{ name: "orders", url: "https://orders.example/hooks" }],
};
const env = { IC_WEBHOOK_SECRET_ORDERS: SECRET };

function problemsOf(file: unknown, environment: Record<string, string> = env): ConfigProblem[] {
  const parsed = parseRelayConfig(file, environment);
  if (parsed.ok) throw new Error("expected problems");
  return parsed.error;
}

describe("relay config", () => {
  it("fills in the defaults around the required fields", () => {
    const parsed = parseRelayConfig(minimal, env);
    expect(parsed.ok && parsed.value).toEqual({
      deployment: "ic",
      kafka: {
        brokers: ["127.0.0.1:9092"],
        clientId: "ic-webhook-relay",
        credentialsFile: "/run/secrets/kafka.json",
        username: "",
        password: "",
        allowUnauthenticated: false,
      },
      schemaRegistryUrl: "http://127.0.0.1:18081/apis/ccompat/v7",
      groupId: "ic.webhook-relay",
      startFrom: "latest",
      sessionTimeoutMs: 10_000,
      delivery: {
        timeoutMs: 10_000,
        maxAttempts: 8,
        initialBackoffMs: 1000,
        maxBackoffMs: 60_000,
        invoiceConcurrency: 16,
        partitionConcurrency: 3,
      },
      endpoints: [
        {
          name: "orders",
          url: "https://orders.example/hooks",
          secret: { kind: "env", name: "IC_WEBHOOK_SECRET_ORDERS", value: SECRET },
          timeoutMs: 10_000,
          maxAttempts: 8,
          caFile: "",
        },
      ],
      metricsPort: 0,
      metricsHost: "0.0.0.0",
      logLevel: "info",
    });
  });

  it("takes environment overrides over the file, names derived from the deployment, and endpoints from IC_WEBHOOK_ENDPOINTS", () => {
    const parsed = parseRelayConfig(minimal, {
      ...env,
      IC_WEBHOOK_DEPLOYMENT: "prod-2",
      IC_WEBHOOK_DELIVERY_MAX_ATTEMPTS: "3",
      IC_WEBHOOK_KAFKA_BROKERS: "k1:9092, k2:9092",
      IC_WEBHOOK_START_FROM: "earliest",
      IC_WEBHOOK_ENDPOINTS: JSON.stringify([
        { name: "crm-eu", url: "http://10.0.0.5:8080/in", maxAttempts: 2, timeoutMs: 500 },
      ]),
      IC_WEBHOOK_SECRET_CRM_EU: SECRET,
    });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.error));
    expect(parsed.value.deployment).toBe("prod-2");
    expect(parsed.value.groupId).toBe("prod-2.webhook-relay");
    expect(parsed.value.kafka.clientId).toBe("prod-2-webhook-relay");
    expect(parsed.value.kafka.brokers).toEqual(["k1:9092", "k2:9092"]);
    expect(parsed.value.delivery.maxAttempts).toBe(3);
    expect(parsed.value.startFrom).toBe("earliest");
    expect(parsed.value.endpoints).toEqual([
      {
        name: "crm-eu",
        url: "http://10.0.0.5:8080/in",
        secret: { kind: "env", name: "IC_WEBHOOK_SECRET_CRM_EU", value: SECRET },
        timeoutMs: 500,
        maxAttempts: 2,
        caFile: "",
      },
    ]);
  });

  it("refuses a secret in the config file, one given twice, one missing or too short, never quoting it", () => {
    const inline = problemsOf({
      ...minimal,
      endpoints: [{ name: "orders", url: "https://o.example/", secret: "hunter2-hunter2-hunter2" }],
    });
    expect(inline.map((p) => p.message).join("\n")).toContain(
      "must not be in the config: give the secret in IC_WEBHOOK_SECRET_ORDERS",
    );
    expect(inline.map((p) => p.message).join("\n")).not.toContain("hunter2");
    expect(
      problemsOf({
        ...minimal,
        endpoints: [{ name: "orders", url: "https://o.example/", secretFile: "/s" }],
      })[0]?.message,
    ).toContain("both set");
    expect(problemsOf(minimal, {})[0]?.message).toContain(
      "endpoint orders has no secret: set IC_WEBHOOK_SECRET_ORDERS",
    );
    const short = problemsOf(minimal, { IC_WEBHOOK_SECRET_ORDERS: "short-one" });
    expect(short[0]?.message).toBe("IC_WEBHOOK_SECRET_ORDERS must be at least 16 characters");
  });

  it("lists every endpoint problem with its index: name, duplicates, scheme, credentials in the URL, limits, unknown fields, caFile on http", () => {
    const problems = problemsOf(
      {
        ...minimal,
        endpoints: [
          { name: "Orders!", url: "ftp://x" },
          { name: "a", url: "https://user:pw@a.example/" },
          {
            name: "a",
            url: "http://b.example/",
            maxAttempts: 0,
            timeoutMs: 5,
            colour: "red",
            caFile: "/ca.pem",
          },
          "not an object",
        ],
      },
      { IC_WEBHOOK_SECRET_A: SECRET },
    );
    expect(problems.map((p) => p.field)).toEqual([
      "endpoints[0].name",
      "endpoints[0].url",
      "endpoints[1].url",
      "endpoints[2].colour",
      "endpoints[2].name",
      "endpoints[2].timeoutMs",
      "endpoints[2].maxAttempts",
      "endpoints[2].caFile",
      "endpoints[3]",
    ]);
    expect(problems.find((p) => p.field === "endpoints[1].url")?.message).not.toContain("pw");
    expect(problemsOf({ kafka: minimal.kafka, endpoints: [] })[0]?.message).toContain(
      "must be a non-empty list",
    );
    expect(problemsOf({ kafka: minimal.kafka })[0]?.message).toContain('"endpoints" is required');
    expect(problemsOf(minimal, { ...env, IC_WEBHOOK_ENDPOINTS: "[{" })[0]?.message).toBe(
      "endpoints (from IC_WEBHOOK_ENDPOINTS): must be JSON",
    );
  });

  it("checks every scalar field and names where a bad value came from", () => {
    const problems = problemsOf(
      {
        ...minimal,
        deployment: "Prod",
        delivery: { timeoutMs: 1, initialBackoffMs: 500, maxBackoffMs: 100, retries: 3 },
        logLevel: "loud",
        startFrom: "middle",
        metricsPort: 70_000,
      },
      { ...env, IC_WEBHOOK_DELIVERY_MAX_ATTEMPTS: "many" },
    );
    expect(problems.map((p) => p.field).sort()).toEqual(
      [
        "delivery.retries",
        "deployment",
        "delivery.timeoutMs",
        "delivery.maxAttempts",
        "delivery.maxBackoffMs",
        "startFrom",
        "metricsPort",
        "logLevel",
      ].sort(),
    );
    expect(problems.find((p) => p.field === "delivery.maxAttempts")?.message).toBe(
      'delivery.maxAttempts (from IC_WEBHOOK_DELIVERY_MAX_ATTEMPTS): must be an integer, got "many"',
    );
    expect(problems.find((p) => p.field === "delivery.maxBackoffMs")?.message).toContain(
      "at least delivery.initialBackoffMs (500)",
    );
  });

  it("requires brokers and Kafka credentials (or an explicit allowUnauthenticated), and a group under the relay's ACL prefix", () => {
    expect(problemsOf({ endpoints: minimal.endpoints }).map((p) => p.field)).toEqual([
      "kafka.brokers",
      "kafka.credentialsFile",
    ]);
    expect(problemsOf({ ...minimal, kafka: { brokers: ["k:9092"] } })[0]?.message).toContain(
      "no Kafka credentials",
    );
    expect(
      parseRelayConfig({ ...minimal, kafka: { brokers: ["k:9092"], allowUnauthenticated: true } }, env).ok,
    ).toBe(true);
    expect(problemsOf({ ...minimal, groupId: "ic.public.relay" })[0]?.message).toContain(
      "must start with ic.webhook-relay",
    );
    expect(parseRelayConfig({ ...minimal, groupId: "ic.webhook-relay.eu" }, env).ok).toBe(true);
    const wrongPassword = problemsOf(minimal, { ...env, IC_WEBHOOK_KAFKA_PASSWORD: "p@ss-word-123" });
    expect(wrongPassword.map((p) => p.message).join("\n")).not.toContain("p@ss-word-123");
  });

  it("names the override variables", () => {
    expect(envNameFor("delivery.invoiceConcurrency")).toBe("IC_WEBHOOK_DELIVERY_INVOICE_CONCURRENCY");
    expect(secretEnvNameFor("orders-eu-2")).toBe("IC_WEBHOOK_SECRET_ORDERS_EU_2");
    expect(configEnvironmentVariables().map((v) => v.name)).toContain("IC_WEBHOOK_ENDPOINTS");
  });
});

describe("loading the config and its files", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "webhook-relay-config-"));
  const credentials = path.join(dir, "kafka.json");
  writeFileSync(
    credentials,
    JSON.stringify({ username: "webhook-relay", password: "pw-pw-pw-pw", mechanism: "scram-sha-512" }),
  );
  const secretFile = path.join(dir, "orders.secret");
  writeFileSync(secretFile, `${SECRET}\n`);

  it("reads the secret from its mounted file (trailing newline dropped) and the config from --config", async () => {
    const configFile = path.join(dir, "relay.json");
    writeFileSync(
      configFile,
      JSON.stringify({
        kafka: { brokers: ["k:9092"], credentialsFile: credentials },
        endpoints: [{ name: "orders", url: "http://o/", secretFile }],
      }),
    );
    const loaded = await loadRelayConfig(["--config", configFile], {});
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.error));
    expect(loaded.value.endpoints.map((e) => [e.name, e.secretValue])).toEqual([["orders", SECRET]]);
  });

  it("stops at start naming each file that cannot be read (credentials, secret, CA) or a config that is not JSON", async () => {
    const loaded = await loadRelayConfig([], {
      IC_WEBHOOK_KAFKA_BROKERS: "k:9092",
      IC_WEBHOOK_KAFKA_CREDENTIALS_FILE: path.join(dir, "missing.json"),
      IC_WEBHOOK_ENDPOINTS: JSON.stringify([
        { name: "a", url: "https://a/", secretFile: path.join(dir, "nope") },
        { name: "b", url: "https://b/", caFile: path.join(dir, "ca.pem") },
      ]),
      IC_WEBHOOK_SECRET_B: SECRET,
    });
    expect(loaded.ok ? [] : loaded.error.map((p) => p.field)).toEqual([
      "kafka.credentialsFile",
      "endpoints[0].secretFile",
      "endpoints[1].caFile",
    ]);
    const notJson = path.join(dir, "bad.json");
    writeFileSync(notJson, "{");
    const bad = await loadRelayConfig([`--config=${notJson}`], {});
    expect(bad.ok ? "" : bad.error[0]?.message).toContain("is not valid JSON");
    expect((await loadRelayConfig(["--config"], {})).ok).toBe(false);
  });
});

describe("the README", () => {
  it("has a table row naming every field with its variable", () => {
    const readme = readFileSync(
      path.join(path.dirname(fileURLToPath(import.meta.url)), "../README.md"),
      "utf8",
    );
    expect(readmeConfigProblems(readme, RELAY_CONFIG_TABLE)).toEqual([]);
  });
});
