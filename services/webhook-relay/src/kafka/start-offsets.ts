// Where a new consumer group starts, made durable. With startFrom "latest", kafkajs resets a group
// without committed offsets to the end of the log every time a member joins. A relay that started
// and stopped before it committed anything (no event arrived) would then, after its restart, start
// at the end again and skip every event published while it was down. So on the first start (the
// group has no committed offset at all) the relay commits the current end offsets for the group
// before it joins: from then on it resumes from committed offsets like any restart.
// "earliest" needs no pin: a group without commits starts from the first record again (delivered
// twice at worst, never skipped).
import type { Admin } from "kafkajs";
import type { RelayLogger } from "../relay-logger.ts";

export type StartOffsets = "resumed" | "pinned" | "pinned-by-another-member";

export async function pinStartOffsets(
  admin: Admin,
  groupId: string,
  topic: string,
  logger: RelayLogger,
): Promise<StartOffsets> {
  const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
  if ((committed?.partitions ?? []).some((p) => p.offset !== "-1")) return "resumed";
  const ends = await admin.fetchTopicOffsets(topic);
  try {
    await admin.setOffsets({
      groupId,
      topic,
      partitions: ends.map((p) => ({ partition: p.partition, offset: p.high })),
    });
  } catch (error) {
    // Another relay of the same group is running: it joined first, and its position stands.
    if (/no running instances/.test((error as Error).message)) {
      logger.info(
        { groupId, topic },
        "another member of the group is running; it sets where the group starts",
      );
      return "pinned-by-another-member";
    }
    throw error;
  }
  logger.info(
    { groupId, topic, offsets: ends.map((p) => `${p.partition}@${p.high}`) },
    "new consumer group: starts at the current end of the topic (startFrom latest), committed",
  );
  return "pinned";
}
