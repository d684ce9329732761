// The files a bridge config names are read at start: a missing or unreadable one is refused at
// once, naming the file and the field (a container whose mount is wrong must exit, not wait).
import { describe, expect, it, vi } from "vitest";

const files = vi.hoisted(() => new Map<string, string | { code: string }>());
const read = (path: string): string => {
  const entry = files.get(path) ?? { code: "ENOENT" };
  if (typeof entry !== "string")
    throw Object.assign(new Error(`${entry.code}: cannot open '${path}'`), { code: entry.code });
  return entry;
};
vi.mock("node:fs", () => ({ readFileSync: (path: string) => read(path) }));
vi.mock("node:fs/promises", () => ({ readFile: async (path: string) => Buffer.from(read(path)) }));

const { readBridgeConfig } = await import("./config-source.ts");

const config = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    nodeName: "alpha",
    lnd: {
      grpcAddress: "127.0.0.1:10009",
      tlsCertPath: "/lnd/tls.cert",
      macaroonPath: "/lnd/admin.macaroon",
    },
    expectedPubkey: "02" + "ab".repeat(32),
    network: "regtest",
    kafka: { brokers: ["127.0.0.1:9092"], credentialsFile: "/secrets/kafka.json" },
    ...extra,
  });

function given(entries: Record<string, string | { code: string }>): void {
  files.clear();
  for (const [path, entry] of Object.entries(entries)) files.set(path, entry);
}
const CREDENTIALS = JSON.stringify({ username: "bridge-alpha", password: "s3cret-password" });

async function problems(env: Record<string, string> = {}): Promise<string[]> {
  const result = await readBridgeConfig(["--config", "/config/bridge.json"], env);
  return result.ok ? [] : result.error.map((p) => p.message);
}

describe("readBridgeConfig: the files the config names", () => {
  it("accepts a config whose credentials file reads (lnd's files are waited for by default)", async () => {
    given({ "/config/bridge.json": config(), "/secrets/kafka.json": CREDENTIALS });
    expect(await problems()).toEqual([]);
  });

  it("refuses a missing Kafka credentials file at once, naming it", async () => {
    given({ "/config/bridge.json": config() });
    expect(await problems()).toEqual([
      "kafka.credentialsFile: cannot read the Kafka credentials file /secrets/kafka.json: ENOENT",
    ]);
  });

  it("refuses an unreadable one, and one without a password, never quoting the file's text", async () => {
    given({ "/config/bridge.json": config(), "/secrets/kafka.json": { code: "EACCES" } });
    expect(await problems()).toEqual([
      "kafka.credentialsFile: cannot read the Kafka credentials file /secrets/kafka.json: EACCES",
    ]);
    given({
      "/config/bridge.json": config(),
      "/secrets/kafka.json": JSON.stringify({ username: "s3cret-user" }),
    });
    const [message] = await problems();
    expect(message).toContain("/secrets/kafka.json needs");
    expect(message).not.toContain("s3cret-user");
  });

  it("with lndFilesRequired, refuses a missing macaroon and an unreadable TLS cert, naming both", async () => {
    given({
      "/config/bridge.json": config({ lndFilesRequired: true }),
      "/secrets/kafka.json": CREDENTIALS,
      "/lnd/tls.cert": { code: "EACCES" },
    });
    expect(await problems()).toEqual([
      "lnd.tlsCertPath: cannot read /lnd/tls.cert (EACCES); lndFilesRequired is set, so it is not waited for",
      "lnd.macaroonPath: cannot read /lnd/admin.macaroon (ENOENT); lndFilesRequired is set, so it is not waited for",
    ]);
  });

  it("with lndFilesRequired from the environment (as the image sets it), refuses an empty macaroon", async () => {
    given({
      "/config/bridge.json": config(),
      "/secrets/kafka.json": CREDENTIALS,
      "/lnd/tls.cert": "cert",
      "/lnd/admin.macaroon": "",
    });
    expect(await problems({ IC_BRIDGE_LND_FILES_REQUIRED: "true" })).toEqual([
      "lnd.macaroonPath: the file /lnd/admin.macaroon is empty",
    ]);
    given({
      "/config/bridge.json": config(),
      "/secrets/kafka.json": CREDENTIALS,
      "/lnd/tls.cert": "cert",
      "/lnd/admin.macaroon": "mac",
    });
    expect(await problems({ IC_BRIDGE_LND_FILES_REQUIRED: "true" })).toEqual([]);
  });
});
