// Bad input to the images: a missing or unreadable mounted config, secret or macaroon. The
// container must exit at once with a message naming the file, and its health check must never
// report healthy. Needs the images only (no stack): each container stops at its config check.
// Every image with a config of its own: matcher, bridge, operator console, webhook relay.
import { randomBytes } from "node:crypto";
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  containerLogs,
  podman,
  podmanWithEnv,
  removeContainersLabelled,
} from "../support/coordinator-containers.ts";

const LABEL = `io.invoice-coordinator.test=bad-mounts-${randomBytes(4).toString("hex")}`;
const PUBKEY = "02" + "ab".repeat(32);
const root = mkdtempSync(path.join(tmpdir(), "ic-bad-mounts-"));
const CREDENTIALS = JSON.stringify({ username: "u", password: "p-0123456789" });

afterAll(async () => {
  await removeContainersLabelled(LABEL);
  rmSync(root, { recursive: true, force: true });
});

interface MountedFile {
  text: string;
  /** Owned by root with mode 0400: the images' user (uid 1000) cannot read it. */
  unreadable?: boolean;
}

/** Runs an image with /config and /secrets mounted read-only (no restart policy), waits for it to exit. */
async function runToExit(
  image: "invoice-matcher" | "interceptor-bridge" | "operator-console" | "webhook-relay",
  config: Record<string, MountedFile>,
  secrets: Record<string, MountedFile>,
) {
  const dir = mkdtempSync(path.join(root, `${image}-`));
  const mounts: string[] = [];
  for (const [name, files] of [
    ["config", config],
    ["secrets", secrets],
  ] as const) {
    const sub = path.join(dir, name);
    mkdirSync(sub);
    for (const [file, { text, unreadable }] of Object.entries(files)) {
      const target = path.join(sub, file);
      writeFileSync(target, text);
      chownSync(target, unreadable ? 0 : 1000, unreadable ? 0 : 1000);
      chmodSync(target, 0o400);
    }
    chmodSync(sub, 0o755);
    mounts.push("-v", `${sub}:/${name}:ro`);
  }
  const name = `ic-bad-${path
    .basename(dir)
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, "")}`;
  const started = Date.now();
  await podmanWithEnv(
    {
      IC_MATCHER_NODE_KEY: "11".repeat(32),
      IC_MATCHER_PREIMAGE_SEED: "22".repeat(32),
      IC_MATCHER_API_TOKEN: "t".repeat(40),
      IC_CONSOLE_API_AUTH_TOKEN: "t".repeat(40),
    },
    ...[
      "run",
      "--detach",
      "--name",
      name,
      "--label",
      LABEL,
      "--network",
      "none",
      "--init",
      "--read-only",
      ...mounts,
    ],
    ...["--env", "IC_MATCHER_NODE_KEY", "--env", "IC_MATCHER_PREIMAGE_SEED", "--env", "IC_MATCHER_API_TOKEN"],
    ...["--env", "IC_CONSOLE_API_AUTH_TOKEN"],
    `localhost/invoice-coordinator/${image}:latest`,
  );
  const exitCode = Number(await podman("wait", name));
  const exitedAfterMs = Date.now() - started;
  const logs = await containerLogs(name);
  const healthy = await podman("healthcheck", "run", name).then(
    () => true,
    () => false,
  );
  return { exitCode, exitedAfterMs, logs, healthy };
}

const matcherConfig = (): MountedFile => ({
  text: JSON.stringify({
    postgresUrl: "postgres://ic@127.0.0.1:1/ic",
    kafka: { brokers: ["127.0.0.1:1"], credentialsFile: "/secrets/kafka.json" },
    cluster: [{ name: "alpha", pubkey: PUBKEY }],
    api: { listen: "127.0.0.1:10200" },
  }),
});
const bridgeConfig = (): MountedFile => ({
  text: JSON.stringify({
    nodeName: "alpha",
    lnd: {
      grpcAddress: "127.0.0.1:1",
      tlsCertPath: "/secrets/tls.cert",
      macaroonPath: "/secrets/admin.macaroon",
    },
    expectedPubkey: PUBKEY,
    network: "regtest",
    kafka: { brokers: ["127.0.0.1:1"], credentialsFile: "/secrets/kafka.json" },
  }),
});

const relayConfig = (): MountedFile => ({
  text: JSON.stringify({
    kafka: { brokers: ["127.0.0.1:1"], credentialsFile: "/secrets/kafka.json" },
    endpoints: [{ name: "orders", url: "https://orders.example/hooks", secretFile: "/secrets/orders.secret" }],
  }),
});

const consoleConfig = (): MountedFile => ({
  text: JSON.stringify({
    listen: "127.0.0.1:9480",
    kafka: { brokers: ["127.0.0.1:1"], credentialsFile: "/secrets/kafka.json" },
  }),
});

describe("a container with a bad mount exits at once, naming the file, and is never healthy", () => {
  it("matcher: no config file mounted", async () => {
    const result = await runToExit("invoice-matcher", {}, { "kafka.json": { text: CREDENTIALS } });
    expect(result.exitCode).toBe(2);
    expect(result.logs).toContain("cannot read matcher config /config/matcher.json: ENOENT");
    expect(result.healthy).toBe(false);
  });

  it("matcher: the Kafka credentials file is missing", async () => {
    const result = await runToExit("invoice-matcher", { "matcher.json": matcherConfig() }, {});
    expect(result.exitCode).toBe(2);
    expect(result.logs).toContain("cannot read the Kafka credentials file /secrets/kafka.json: ENOENT");
    expect(result.healthy).toBe(false);
  });

  it("bridge: the macaroon is missing (not waited for in a container)", async () => {
    const result = await runToExit(
      "interceptor-bridge",
      { "bridge.json": bridgeConfig() },
      { "kafka.json": { text: CREDENTIALS }, "tls.cert": { text: "cert" } },
    );
    expect(result.exitCode).toBe(2);
    expect(result.logs).toContain("lnd.macaroonPath: cannot read /secrets/admin.macaroon (ENOENT)");
    expect(result.healthy).toBe(false);
  });

  it("bridge: the macaroon and the Kafka credentials are not readable by the image's user", async () => {
    const result = await runToExit(
      "interceptor-bridge",
      { "bridge.json": bridgeConfig() },
      {
        "kafka.json": { text: CREDENTIALS, unreadable: true },
        "tls.cert": { text: "cert" },
        "admin.macaroon": { text: "mac", unreadable: true },
      },
    );
    expect(result.exitCode).toBe(2);
    expect(result.logs).toContain("cannot read the Kafka credentials file /secrets/kafka.json: EACCES");
    expect(result.logs).toContain("lnd.macaroonPath: cannot read /secrets/admin.macaroon (EACCES)");
    expect(result.healthy).toBe(false);
  });

  it("operator console: no config file mounted", async () => {
    const result = await runToExit("operator-console", {}, {});
    expect(result.exitCode).toBe(2);
    expect(result.logs).toContain("cannot read operator-console config /config/console.json: ENOENT");
    expect(result.healthy).toBe(false);
  });

  it("operator console: the Kafka credentials file is not readable by the image's user", async () => {
    const result = await runToExit(
      "operator-console",
      { "console.json": consoleConfig() },
      { "kafka.json": { text: CREDENTIALS, unreadable: true } },
    );
    expect(result.exitCode).toBe(1);
    expect(result.logs).toContain("cannot read the Kafka credentials file /secrets/kafka.json: EACCES");
    expect(result.healthy).toBe(false);
  });

  it("webhook relay: no config file mounted", async () => {
    const result = await runToExit("webhook-relay", {}, {});
    expect(result.exitCode).toBe(2);
    expect(result.logs).toContain("cannot read webhook-relay config /config/relay.json: ENOENT");
    expect(result.healthy).toBe(false);
  });

  it("webhook relay: the endpoint's secret file and the Kafka credentials are not readable by the image's user", async () => {
    const result = await runToExit(
      "webhook-relay",
      { "relay.json": relayConfig() },
      {
        "kafka.json": { text: CREDENTIALS, unreadable: true },
        "orders.secret": { text: "s".repeat(32), unreadable: true },
      },
    );
    expect(result.exitCode).toBe(2);
    expect(result.logs).toContain("endpoints[0].secretFile: cannot read /secrets/orders.secret (EACCES)");
    expect(result.logs).toContain("kafka.credentialsFile: cannot read the Kafka credentials file /secrets/kafka.json: EACCES");
    expect(result.healthy).toBe(false);
  });
});
