// The dead-letter CLI as an operator runs it (a child process, admin credentials from a file) on
// the real broker: list prints each dead letter with its source; replay writes a matcher dead
// letter's record back to its source topic as it was, and refuses a command's (no value).
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ConsumedRecord } from "./committing-consumer.ts";
import { createDeadLetterWriter } from "./dead-letters.ts";
import { deploymentTopics } from "./deployment.ts";
import { provisionTestDeployment, readTopic, testBrokers, testCredentialsFiles, testKafka, type TestDeployment } from "./kafka-test-support.ts";

const run = randomBytes(4).toString("hex");
const NODE = `02${randomBytes(32).toString("hex")}`;
const topics = deploymentTopics(`dlq-cli-${run}`);
const TSX = fileURLToPath(new URL("../../../node_modules/.bin/tsx", import.meta.url));
const MAIN = fileURLToPath(new URL("./dead-letter-main.ts", import.meta.url));
const kafka = testKafka(`dlq-cli-${run}`);
let deployment: TestDeployment;

const source = (topic: string, offset: string, value: Buffer): ConsumedRecord => ({
  topic,
  partition: 0,
  offset,
  key: Buffer.from("k1"),
  value,
  headers: { "ic-schema": "htlc-intercepted", "ic-schema-version": "1" },
  timestamp: "1700000000000",
});

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(TSX, [MAIN, ...args, "--brokers", testBrokers.join(","), "--credentials-file", testCredentialsFiles().admin], { env: { PATH: process.env["PATH"] ?? "" } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

beforeAll(async () => {
  deployment = await provisionTestDeployment({ deployment: topics.deployment, nodes: [{ name: "alpha", pubkey: NODE }], partitions: 1 });
  const matcherLetters = createDeadLetterWriter(kafka, topics.matcherDeadLetters, { value: "copy" });
  const bridgeLetters = createDeadLetterWriter(kafka, topics.bridgeDeadLetters(NODE), { value: "omit" });
  await matcherLetters.connect();
  await bridgeLetters.connect();
  await matcherLetters.write(source(topics.htlcIntercepted(NODE), "7", Buffer.from("poison-value")), { reason: "fingerprint-mismatch", detail: "edited in place" });
  await bridgeLetters.write(source(topics.htlcCommands(NODE), "3", Buffer.from("settle-bytes")), { reason: "corrupt-payload", detail: "bad" });
  await matcherLetters.disconnect();
  await bridgeLetters.disconnect();
});

afterAll(async () => {
  await deployment?.remove();
});

describe("the dead-letter CLI", () => {
  it("lists dead letters with their reason and source", async () => {
    const { code, stdout } = await cli("list", "--topic", topics.matcherDeadLetters);
    expect(code).toBe(0);
    const lines = stdout.trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toEqual([
      expect.objectContaining({ reason: "fingerprint-mismatch", source: `${topics.htlcIntercepted(NODE)}/0@7`, valueBase64: Buffer.from("poison-value").toString("base64") }),
      { topic: topics.matcherDeadLetters, deadLetters: 1 },
    ]);
  });

  it("replays a matcher dead letter to its source topic as it was", async () => {
    const { code, stdout, stderr } = await cli("replay", "--topic", topics.matcherDeadLetters, "--source", `${topics.htlcIntercepted(NODE)}/0@7`);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ replayed: `${topics.htlcIntercepted(NODE)}/0@7` });
    const [replayed] = await readTopic(kafka, topics.htlcIntercepted(NODE), { readUncommitted: false, until: (m) => m.length >= 1 });
    expect(replayed?.value?.toString()).toBe("poison-value");
    expect(replayed?.key?.toString()).toBe("k1");
    expect(replayed?.headers?.["ic-schema"]?.toString()).toBe("htlc-intercepted");
    expect(replayed?.headers?.["ic-dlq-replayed-from"]?.toString()).toBe(`${topics.matcherDeadLetters}/0@0`);
  });

  it("refuses to replay a command's dead letter (it has no value) and names where the record is", async () => {
    const listed = await cli("list", "--topic", topics.bridgeDeadLetters(NODE));
    expect(JSON.parse(listed.stdout.split("\n")[0]!)).toMatchObject({ valueBase64: null, valueOmittedBytes: "12", reason: "corrupt-payload" });
    const { code, stderr } = await cli("replay", "--topic", topics.bridgeDeadLetters(NODE), "--source", `${topics.htlcCommands(NODE)}/0@3`);
    expect(code).toBe(1);
    expect(stderr).toContain(`the record is at ${topics.htlcCommands(NODE)}/0@3`);
  });

  it("exits 2 on bad arguments", async () => {
    expect((await cli("replay", "--topic", topics.matcherDeadLetters)).code).toBe(2);
  });
});
