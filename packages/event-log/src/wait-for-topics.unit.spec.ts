import type { Admin } from "kafkajs";
import { describe, expect, it } from "vitest";
import type { EventLogLogger } from "./kafka-logger.ts";
import { waitForTopics } from "./wait-for-topics.ts";

function recordingLogger() {
  const warnings: { fields: Record<string, unknown>; message: string }[] = [];
  const logger: EventLogLogger = {
    error: () => {},
    warn: (fields, message) => void warnings.push({ fields: fields as Record<string, unknown>, message }),
    info: () => {},
    debug: () => {},
  };
  return { logger, warnings };
}

/** An admin whose metadata answers come from a script, one per call. */
function scriptedAdmin(answers: (() => { leader: number }[])[]): Admin {
  let call = 0;
  return {
    fetchTopicMetadata: async ({ topics }: { topics: string[] }) => {
      const answer = answers[Math.min(call++, answers.length - 1)]!;
      return { topics: [{ name: topics[0]!, partitions: answer().map((p, i) => ({ partitionId: i, leader: p.leader })) }] };
    },
  } as unknown as Admin;
}

describe("waitForTopics", () => {
  it("waits, saying what for and who provisions it, through unknown, unauthorized and leaderless topics", async () => {
    const { logger, warnings } = recordingLogger();
    const admin = scriptedAdmin([
      () => {
        throw new Error("This server does not host this topic-partition");
      },
      () => {
        throw new Error("Not authorized to access topics: [Topic authorization failed]");
      },
      () => [{ leader: -1 }],
      () => [{ leader: 1 }, { leader: 1 }],
    ]);
    await waitForTopics(admin, ["ic.invoice.events.v1"], { logger, initialDelayMs: 1, maxDelayMs: 2 });
    expect(warnings.map((w) => w.fields["reason"])).toEqual([
      "This server does not host this topic-partition",
      "Not authorized to access topics: [Topic authorization failed]",
      "a partition has no leader yet",
    ]);
    expect(warnings[0]?.message).toMatch(/^waiting for topic ic.invoice.events.v1: provisioned by packages\/event-log\/src\/provisioning\/main.ts/);
  });

  it("does not wait out a wrong password", async () => {
    const { logger } = recordingLogger();
    const refused = Object.assign(new Error("SASL SCRAM SHA512 authentication failed"), { name: "KafkaJSSASLAuthenticationError" });
    const admin = scriptedAdmin([
      () => {
        throw refused;
      },
    ]);
    await expect(waitForTopics(admin, ["t"], { logger, initialDelayMs: 1 })).rejects.toBe(refused);
  });

  it("stops waiting when aborted", async () => {
    const { logger } = recordingLogger();
    const controller = new AbortController();
    const admin = scriptedAdmin([
      () => {
        controller.abort();
        throw new Error("unknown topic");
      },
    ]);
    await expect(waitForTopics(admin, ["t"], { logger, initialDelayMs: 10_000, signal: controller.signal })).rejects.toThrow("cancelled");
  });
});
