// infra/containers/deploy.example is what an operator copies: each config must be accepted by its
// service's own parser once the placeholders are filled in, must name a schema registry of its own
// (the field's default is the embedded stack's registry on 127.0.0.1, which an operator's is not),
// and every file or folder compose.yaml mounts from $IC_DEPLOY_DIR must be in the example.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { DEFAULT_SCHEMA_REGISTRY_URL } from "@ic/event-log";
import { parseBridgeConfig } from "@ic/interceptor-bridge";
import { parseMatcherConfig } from "../../services/invoice-matcher/src/config.ts";
import { parseConsoleConfig } from "../../services/operator-console/src/config.ts";
import { parseRelayConfig } from "../../services/webhook-relay/src/config.ts";

const containers = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../infra/containers");
const example = path.join(containers, "deploy.example");
const PUBKEYS: Record<string, string> = { alpha: `02${"a1".repeat(32)}`, bravo: `03${"b2".repeat(32)}` };

/** An example config with its pubkey placeholders filled in. */
function exampleConfig(file: string): Record<string, unknown> {
  const text = readFileSync(path.join(example, file), "utf8").replace(
    /<(alpha|bravo)'s identity pubkey, 66 hex chars>/g,
    (_, node: string) => PUBKEYS[node]!,
  );
  expect(text, `${file} has a placeholder left`).not.toMatch(/<[^>]+>/);
  return JSON.parse(text) as Record<string, unknown>;
}

describe("deploy.example", () => {
  it("matcher.json is a valid matcher config naming a schema registry of its own", () => {
    const file = exampleConfig("matcher/matcher.json");
    const config = parseMatcherConfig(file, {
      IC_MATCHER_NODE_KEY: "11".repeat(32),
      IC_MATCHER_PREIMAGE_SEED: "22".repeat(32),
      IC_MATCHER_API_TOKEN: "t".repeat(40),
    });
    expect(file.schemaRegistryUrl).toEqual(expect.any(String));
    expect(file.schemaRegistryUrl).not.toBe(DEFAULT_SCHEMA_REGISTRY_URL);
    expect(config.schemaRegistryUrl).toBe(file.schemaRegistryUrl);
  });

  it.each(["alpha", "bravo"])("bridge-%s/bridge.json is a valid bridge config naming a schema registry of its own", (node) => {
    const file = exampleConfig(`bridge-${node}/bridge.json`);
    const parsed = parseBridgeConfig(file, {});
    expect(parsed.ok ? [] : parsed.error.map((p) => p.message)).toEqual([]);
    expect(file.schemaRegistryUrl).not.toBe(DEFAULT_SCHEMA_REGISTRY_URL);
    expect(parsed.ok && parsed.value.schemaRegistryUrl).toBe(file.schemaRegistryUrl);
    expect(parsed.ok && parsed.value.expectedPubkey).toBe(PUBKEYS[node]);
  });

  it("console/console.json is a valid operator console config (the token from the environment)", () => {
    const parsed = parseConsoleConfig(exampleConfig("console/console.json"), { IC_CONSOLE_API_AUTH_TOKEN: "t".repeat(40) });
    expect(parsed.ok ? [] : parsed.error.map((p) => p.message)).toEqual([]);
    expect(parsed.ok && parsed.value.bridges.map((b) => b.name)).toEqual(["alpha", "bravo"]);
  });

  it("webhook-relay/relay.json is a valid relay config naming a schema registry of its own, endpoint secrets from mounted files", () => {
    const file = exampleConfig("webhook-relay/relay.json");
    const parsed = parseRelayConfig(file, {});
    expect(parsed.ok ? [] : parsed.error.map((p) => p.message)).toEqual([]);
    expect(file.schemaRegistryUrl).not.toBe(DEFAULT_SCHEMA_REGISTRY_URL);
    expect(parsed.ok && parsed.value.schemaRegistryUrl).toBe(file.schemaRegistryUrl);
    expect(parsed.ok && parsed.value.endpoints.map((e) => e.secret)).toEqual([{ kind: "file", path: "/secrets/orders.secret" }]);
  });

  it("holds every file and folder compose.yaml mounts from $IC_DEPLOY_DIR", () => {
    const compose = readFileSync(path.join(containers, "compose.yaml"), "utf8");
    const mounted = [...compose.matchAll(/\$\{IC_DEPLOY_DIR:-\.\/deploy\}\/([^:]+):/g)].map((m) => m[1]!);
    expect(mounted).toEqual(expect.arrayContaining(["console/console.json", "webhook-relay/relay.json", "webhook-relay/secrets"]));
    expect(mounted.filter((m) => !existsSync(path.join(example, m)))).toEqual([]);
  });
});
