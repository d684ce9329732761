// Partitions a consumer holds back on a record of a schema version it does not know yet (readers
// upgrade first: the record decodes after the upgrade, so it is thrown and retried, never
// dead-lettered). Each consumer reports them: readiness turns not-ready naming each one, and a
// gauge counts them, until a record of that partition is handled again.
import type { ConsumedRecord } from "./committing-consumer.ts";

export interface StalledPartitions {
  /** A record of the partition was held back at its offset. */
  held(record: Pick<ConsumedRecord, "topic" | "partition" | "offset">): void;
  /** A record of the partition was handled (decided, ignored or dead-lettered): it moves again. */
  moved(record: Pick<ConsumedRecord, "topic" | "partition">): void;
  /** "topic/partition@offset: why", one per held partition; empty when none is. */
  describe(): string[];
}

/** reader names what to upgrade ("the matcher", "the bridge"); onCount gets the number held after each change. */
export function createStalledPartitions(reader: string, onCount: (count: number) => void = () => {}): StalledPartitions {
  const stalled = new Map<string, string>();
  const partitionOf = (record: Pick<ConsumedRecord, "topic" | "partition">): string => `${record.topic}/${record.partition}`;
  return {
    held(record) {
      stalled.set(partitionOf(record), record.offset);
      onCount(stalled.size);
    },
    moved(record) {
      if (stalled.delete(partitionOf(record))) onCount(stalled.size);
    },
    describe: () => [...stalled].map(([partition, offset]) => `${partition}@${offset}: a newer schema version; upgrade ${reader}`),
  };
}
