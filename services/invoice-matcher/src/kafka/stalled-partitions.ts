// Partitions held back by a record of a schema version this matcher does not know (readers
// upgrade first: it decodes after the upgrade). /readyz turns not-ready naming each one, and
// ic_matcher_stalled_partitions counts them, until a record of that partition is handled again.
import type { ConsumedRecord } from "@ic/event-log";

export interface StalledPartitions {
  /** A record of the partition was held back at its offset. */
  held(record: Pick<ConsumedRecord, "topic" | "partition" | "offset">): void;
  /** A record of the partition was handled (decided, ignored or dead-lettered): it moves again. */
  moved(record: Pick<ConsumedRecord, "topic" | "partition">): void;
  /** "topic/partition@offset: why", one per held partition; empty when none is. */
  describe(): string[];
}

export function createStalledPartitions(onCount: (count: number) => void): StalledPartitions {
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
    describe: () => [...stalled].map(([partition, offset]) => `${partition}@${offset}: a newer schema version; upgrade the matcher`),
  };
}
