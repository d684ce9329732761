// The bridge as a child process (`tsx src/main.ts`), the way a deployment or the demo runs it:
// config file plus IC_BRIDGE_* overrides, refusal exit codes, graceful SIGTERM. lnd is the
// fake (with its cert and macaroon written to files); the event log is the real broker, the bridge
// authenticates as the stack's bridge-alpha principal with credentials from the environment.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { deploymentGroups, readKafkaCredentialsFile } from "@ic/event-log";
import { provisionTestDeployment, testBrokers, testCredentialsFiles, type TestDeployment } from "@ic/event-log/testing";
import { startFakeLnd, type FakeLnd } from "@ic/lnd-client/testing";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

const BROKERS = testBrokers.join(",");
const PACKAGE_DIR = fileURLToPath(new URL("..", import.meta.url));
const TSX = fileURLToPath(new URL("../../../node_modules/.bin/tsx", import.meta.url));
const NODE_ID = "02" + "11".repeat(32);

interface Child {
  process: ChildProcess;
  stdout: string[];
  stderr: string[];
  exit: Promise<number | null>;
}

function runMain(args: string[], env: Record<string, string>): Child {
  const child = spawn(TSX, ["src/main.ts", ...args], {
    cwd: PACKAGE_DIR,
    env: { PATH: process.env["PATH"] ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk.toString()));
  const exit = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { process: child, stdout, stderr, exit };
}

describe("the bridge process", () => {
  let lnd: FakeLnd;
  let dir: string;
  let configPath: string;
  const run = randomBytes(4).toString("hex");
  const deploymentName = `test-main-${run}`;
  let deployment: TestDeployment | undefined;
  const credentials = readKafkaCredentialsFile(testCredentialsFiles().bridges["alpha"]!);
  const topicEnv = {
    IC_BRIDGE_DEPLOYMENT: deploymentName,
    IC_BRIDGE_KAFKA_USERNAME: credentials.username,
    IC_BRIDGE_KAFKA_PASSWORD: credentials.password,
  };

  beforeAll(async () => {
    lnd = await startFakeLnd();
    dir = await mkdtemp(join(tmpdir(), "ic-bridge-main-"));
    await writeFile(join(dir, "tls.cert"), lnd.tlsCertPem);
    await writeFile(join(dir, "admin.macaroon"), Buffer.from(lnd.macaroonHex, "hex"));
    configPath = join(dir, "bridge.json");
    await writeFile(
      configPath,
      JSON.stringify({
        nodeName: "alpha",
        lnd: { grpcAddress: lnd.address, tlsCertPath: join(dir, "tls.cert"), macaroonPath: join(dir, "admin.macaroon") },
        expectedPubkey: NODE_ID,
        network: "regtest",
        kafka: { brokers: BROKERS.split(",") },
        lndStartupTimeoutMs: 0,
        reconnect: { initialDelayMs: 10, maxDelayMs: 200 },
      }),
    );
  });
  afterAll(async () => {
    await lnd.stop();
    await rm(dir, { recursive: true, force: true });
    await deployment?.remove([deploymentGroups(deploymentName).bridge(NODE_ID)]);
  });

  it("waits for its topics until they are provisioned, runs, resumes foreign forwards, and stops gracefully on SIGTERM", async () => {
    const child = runMain(["--config", configPath], topicEnv);
    try {
      // Started before its deployment exists: it waits (and says what for) instead of exiting.
      await vi.waitFor(() => expect(child.stdout.join("")).toContain(`waiting for topic ${deploymentName}.htlc.`), { timeout: 60_000, interval: 50 });
      expect(child.process.exitCode).toBeNull();
      deployment = await provisionTestDeployment({ deployment: deploymentName, nodes: [{ name: "alpha", pubkey: NODE_ID }], partitions: 1 });
      await vi.waitFor(() => expect(child.stdout.join("")).toContain("interceptor bridge running"), { timeout: 60_000, interval: 50 });
      await lnd.waitFor(() => lnd.interceptorConnected);
      lnd.offerHtlc({ incoming_circuit_key: { chan_id: "123", htlc_id: "1" }, outgoing_requested_chan_id: "99" });
      expect(await lnd.nextResolution()).toMatchObject({ action: "RESUME" });

      child.process.kill("SIGTERM");
      expect(await child.exit).toBe(0);
      await lnd.waitFor(() => !lnd.interceptorConnected);
      const lines = child.stdout.join("").trim().split("\n").map((line) => JSON.parse(line) as { msg: string; nodeName: string });
      expect(lines.every((line) => line.nodeName === "alpha")).toBe(true);
      expect(lines.map((line) => line.msg)).toContain("interceptor bridge stopped");
      // The Kafka password never reaches a log line.
      expect(child.stdout.join("") + child.stderr.join("")).not.toContain(credentials.password);
    } finally {
      child.process.kill("SIGKILL");
    }
  });

  it("exits 2 naming the field when the configuration is invalid", async () => {
    const child = runMain([], { IC_BRIDGE_CONFIG: configPath, IC_BRIDGE_NETWORK: "regtestt", IC_BRIDGE_METRICS_PORT: "x" });
    expect(await child.exit).toBe(2);
    const stderr = child.stderr.join("");
    expect(stderr).toContain("network (from IC_BRIDGE_NETWORK): must be one of");
    expect(stderr).toContain('metricsPort (from IC_BRIDGE_METRICS_PORT): must be an integer, got "x"');
  });

  it("exits 2 when it has no Kafka credentials and plaintext is not allowed explicitly", async () => {
    const child = runMain(["--config", configPath], { IC_BRIDGE_DEPLOYMENT: deploymentName });
    expect(await child.exit).toBe(2);
    expect(child.stderr.join("")).toContain("no Kafka credentials: set kafka.credentialsFile");
  });

  it("exits 1 with the fix when lnd is not the pinned node", async () => {
    const child = runMain(["--config", configPath], { ...topicEnv, IC_BRIDGE_EXPECTED_PUBKEY: "03" + "22".repeat(32) });
    expect(await child.exit).toBe(1);
    expect(child.stderr.join("")).toContain("Fix: point lnd.grpcAddress at the pinned node");
  });
});
