// The project's broker as a trust boundary (docs/architecture.md, "Trust on the bus"), on the
// real Kafka of the stack: unauthenticated and wrongly authenticated clients are refused, and the
// ACLs of a freshly provisioned deployment give each principal only what the plan says. The
// deployment name is this run's own; its topics and ACLs are removed afterwards.
import { randomBytes } from "node:crypto";
import type { Admin, Kafka } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKafka } from "../kafka-client.ts";
import { deploymentGroups, deploymentTopics } from "../deployment.ts";
import { testBrokers, testCredentials, testKafka, type TestPrincipal } from "../kafka-test-support.ts";
import { planDeployment } from "./access-plan.ts";
import { deprovisionDeployment, provisionDeployment } from "./provision.ts";

const deployment = `sec-${randomBytes(4).toString("hex")}`;
const ALPHA = `02${randomBytes(32).toString("hex")}`;
const BRAVO = `03${randomBytes(32).toString("hex")}`;
const plan = planDeployment({
  deployment,
  nodes: [
    { name: "alpha", pubkey: ALPHA },
    { name: "bravo", pubkey: BRAVO },
  ],
  partitions: 1,
  replicationFactor: 1,
});
const topics = deploymentTopics(deployment);
const groups = deploymentGroups(deployment);
const noRetry = { retries: 0 };

let admin: Admin;
const clients: { disconnect(): Promise<void> }[] = [];

function client(principal: TestPrincipal, retry: { retries: number } = noRetry): Kafka {
  return createKafka({ brokers: testBrokers, clientId: `${deployment}-${principal}`, sasl: testCredentials(principal), retry });
}

/** Sends one record as principal; resolves to the error's type/message, or "ok". */
async function tryWrite(principal: TestPrincipal, topic: string): Promise<string> {
  const producer = client(principal).producer({ retry: noRetry, allowAutoTopicCreation: false });
  clients.push(producer);
  try {
    await producer.connect();
    await producer.send({ topic, messages: [{ key: "k", value: "v" }] });
    return "ok";
  } catch (error) {
    return `${(error as { type?: string }).type ?? ""} ${(error as Error).message}`;
  } finally {
    await producer.disconnect();
  }
}

/** Reads topic from the beginning as principal in group; resolves to the values read, or the error. */
async function tryRead(principal: TestPrincipal, topic: string, groupId: string, expected = 1): Promise<string[] | string> {
  const consumer = client(principal).consumer({ groupId, maxWaitTimeInMs: 100, retry: noRetry });
  clients.push(consumer);
  const values: string[] = [];
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    const crashed = new Promise<string>((resolve) =>
      consumer.on(consumer.events.CRASH, ({ payload }) => resolve(`${(payload.error as { type?: string }).type ?? ""} ${payload.error.message}`)),
    );
    await consumer.run({ eachMessage: async ({ message }) => void values.push(String(message.value)) });
    const deadline = Date.now() + 20_000;
    while (values.length < expected && Date.now() < deadline) {
      const outcome = await Promise.race([crashed, new Promise<undefined>((r) => setTimeout(() => r(undefined), 50))]);
      if (outcome !== undefined) return outcome;
    }
    return values;
  } catch (error) {
    return `${(error as { type?: string }).type ?? ""} ${(error as Error).message}`;
  } finally {
    await consumer.disconnect();
  }
}

beforeAll(async () => {
  admin = testKafka(`${deployment}-admin`).admin();
  await admin.connect();
  await provisionDeployment(admin, plan);
  const producer = testKafka(`${deployment}-seed`).producer();
  await producer.connect();
  for (const topic of [topics.invoiceEvents, topics.htlcCommands(ALPHA), topics.htlcCommands(BRAVO), topics.matcherDeadLetters, topics.bridgeDeadLetters(ALPHA)])
    await producer.send({ topic, messages: [{ key: "k", value: `seed:${topic}` }] });
  await producer.disconnect();
});

afterAll(async () => {
  for (const c of clients) await c.disconnect().catch(() => undefined);
  await deprovisionDeployment(admin, plan, [
    `${groups.publicPrefix}reader`,
    groups.bridge(ALPHA),
    `${groups.publicPrefix}commands`,
    `${groups.publicPrefix}dead-letters`,
    `${groups.publicPrefix}console`,
    `${groups.matcherPrefix}dead-letters`,
    `${deployment}.admin-dead-letters`,
  ]);
  await admin.disconnect();
});

describe("the project's Kafka broker", () => {
  it("refuses a client with no credentials", async () => {
    const anonymous = createKafka({ brokers: testBrokers, clientId: `${deployment}-anonymous`, retry: noRetry, connectionTimeoutMs: 3_000 }).admin();
    await expect(anonymous.connect().then(() => anonymous.listTopics())).rejects.toThrow();
    await anonymous.disconnect();
  });

  it("refuses a client with a wrong password", async () => {
    const { username } = testCredentials("matcher");
    const wrong = createKafka({
      brokers: testBrokers,
      clientId: `${deployment}-wrong`,
      retry: noRetry,
      sasl: { username, password: "not-the-password", mechanism: "scram-sha-512" },
    }).admin();
    await expect(wrong.connect()).rejects.toThrow(/SASL SCRAM SHA512 authentication failed/);
    await wrong.disconnect();
  });

  it("lets the public principal consume invoice events, and nothing else", async () => {
    expect(await tryRead("public", topics.invoiceEvents, `${groups.publicPrefix}reader`)).toEqual([`seed:${topics.invoiceEvents}`]);
    expect(await tryRead("public", topics.htlcCommands(ALPHA), `${groups.publicPrefix}commands`)).toMatch(/TOPIC_AUTHORIZATION_FAILED|Not authorized/);
    // a group outside its prefix is refused too (kafkajs words the refused FindCoordinator so)
    expect(await tryRead("public", topics.invoiceEvents, `${deployment}.matcher`)).toMatch(/GROUP_AUTHORIZATION_FAILED|Not authorized|find group coordinator/);
    for (const topic of [topics.invoiceEvents, topics.matcherEvents, topics.htlcIntercepted(ALPHA), topics.htlcCommands(ALPHA)])
      expect(await tryWrite("public", topic)).toMatch(/TOPIC_AUTHORIZATION_FAILED|Not authorized/);
  });

  it("lets bridge alpha write only alpha's HTLC topics and read only alpha's commands", async () => {
    expect(await tryWrite("bridge-alpha", topics.htlcIntercepted(ALPHA))).toBe("ok");
    expect(await tryWrite("bridge-alpha", topics.htlcOutcomes(ALPHA))).toBe("ok");
    for (const topic of [topics.htlcIntercepted(BRAVO), topics.htlcOutcomes(BRAVO), topics.htlcCommands(ALPHA), topics.invoiceEvents])
      expect(await tryWrite("bridge-alpha", topic)).toMatch(/TOPIC_AUTHORIZATION_FAILED|Not authorized/);
    expect(await tryRead("bridge-alpha", topics.htlcCommands(ALPHA), groups.bridge(ALPHA))).toEqual([`seed:${topics.htlcCommands(ALPHA)}`]);
    expect(await tryRead("bridge-alpha", topics.htlcCommands(BRAVO), groups.bridge(ALPHA))).toMatch(/TOPIC_AUTHORIZATION_FAILED|Not authorized/);
    // nor with bravo's group
    expect(await tryRead("bridge-alpha", topics.htlcCommands(BRAVO), groups.bridge(BRAVO))).toMatch(/AUTHORIZATION_FAILED|Not authorized|find group coordinator/);
  });

  it("lets the matcher write commands and describe the bridges' groups, but not write HTLC records", async () => {
    expect(await tryWrite("matcher", topics.htlcCommands(BRAVO))).toBe("ok");
    expect(await tryWrite("matcher", topics.htlcIntercepted(ALPHA))).toMatch(/TOPIC_AUTHORIZATION_FAILED|Not authorized/);
    const matcherAdmin = client("matcher", { retries: 3 }).admin();
    clients.push(matcherAdmin);
    await matcherAdmin.connect();
    const { groups: described } = await matcherAdmin.describeGroups([groups.bridge(ALPHA)]);
    expect(described[0]?.groupId).toBe(groups.bridge(ALPHA));
    // and not the public principal's
    const publicAdmin = client("public", { retries: 1 }).admin();
    clients.push(publicAdmin);
    await publicAdmin.connect();
    await expect(publicAdmin.describeGroups([groups.bridge(ALPHA)])).rejects.toThrow();
    await publicAdmin.disconnect();
    await matcherAdmin.disconnect();
  });

  it("lets the operator console describe the groups and offsets it shows as lag, and neither read nor write a record", async () => {
    const refused = /AUTHORIZATION_FAILED|Not authorized|find group coordinator/;
    for (const topic of [topics.htlcCommands(ALPHA), topics.htlcIntercepted(ALPHA), topics.bridgeStatus(ALPHA), topics.invoiceEvents])
      expect(await tryWrite("operator-console", topic), `writes ${topic}`).toMatch(refused);
    // Not with the groups it may describe, nor with one of its own choosing.
    expect(await tryRead("operator-console", topics.htlcCommands(ALPHA), groups.bridge(ALPHA))).toMatch(refused);
    expect(await tryRead("operator-console", topics.htlcIntercepted(ALPHA), groups.matcher)).toMatch(refused);
    expect(await tryRead("operator-console", topics.invoiceEvents, `${groups.publicPrefix}console`)).toMatch(refused);
    const consoleAdmin = client("operator-console", { retries: 3 }).admin();
    clients.push(consoleAdmin);
    await consoleAdmin.connect();
    const { groups: described } = await consoleAdmin.describeGroups([groups.matcher, groups.bridge(ALPHA)]);
    // (kafkajs throws on a group's error code: a refused one is the last check below.)
    // (The broker answers in no set order: each group comes from its own coordinator lookup.)
    expect(described.map((g) => g.groupId).sort()).toEqual([groups.matcher, groups.bridge(ALPHA)].sort());
    // The seeded command: watermarks 0..1, read through ListOffsets with DESCRIBE alone.
    expect((await consoleAdmin.fetchTopicOffsets(topics.htlcCommands(ALPHA))).map((p) => [p.low, p.high])).toEqual([["0", "1"]]);
    const [committed] = await consoleAdmin.fetchOffsets({ groupId: groups.bridge(ALPHA), topics: [topics.htlcCommands(ALPHA)] });
    expect(committed?.partitions.map((p) => p.partition)).toEqual([0]);
    // A group it was not given is refused.
    await expect(consoleAdmin.describeGroups([`${groups.publicPrefix}reader`])).rejects.toThrow();
    await consoleAdmin.disconnect();
  });

  it("dead letters: each consumer writes only its own, and only admin reads them (not public, not the bridges, not the matcher)", async () => {
    expect(await tryWrite("bridge-alpha", topics.bridgeDeadLetters(ALPHA))).toBe("ok");
    expect(await tryWrite("matcher", topics.matcherDeadLetters)).toBe("ok");
    for (const [principal, topic] of [
      ["bridge-alpha", topics.bridgeDeadLetters(BRAVO)],
      ["bridge-alpha", topics.matcherDeadLetters],
      ["matcher", topics.bridgeDeadLetters(ALPHA)],
      ["public", topics.matcherDeadLetters],
      ["public", topics.bridgeDeadLetters(ALPHA)],
    ] as const)
      expect(await tryWrite(principal, topic), `${principal} writes ${topic}`).toMatch(/TOPIC_AUTHORIZATION_FAILED|Not authorized/);
    const refused = /TOPIC_AUTHORIZATION_FAILED|Not authorized/;
    expect(await tryRead("public", topics.bridgeDeadLetters(ALPHA), `${groups.publicPrefix}dead-letters`)).toMatch(refused);
    expect(await tryRead("public", topics.matcherDeadLetters, `${groups.publicPrefix}dead-letters`)).toMatch(refused);
    expect(await tryRead("bridge-alpha", topics.bridgeDeadLetters(ALPHA), groups.bridge(ALPHA))).toMatch(refused);
    expect(await tryRead("matcher", topics.matcherDeadLetters, `${groups.matcherPrefix}dead-letters`)).toMatch(refused);
    const asAdmin = await tryRead("admin", topics.bridgeDeadLetters(ALPHA), `${deployment}.admin-dead-letters`);
    expect(Array.isArray(asAdmin) ? asAdmin[0] : asAdmin).toBe(`seed:${topics.bridgeDeadLetters(ALPHA)}`);
  });
});
