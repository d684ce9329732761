// Kafka offsets are int64 and travel as decimal strings in kafkajs; arithmetic goes through
// bigint so offsets past 2^53 stay exact.

/** The offset to commit after processing the record at offset: the next one to read. */
export function nextOffset(offset: string): string {
  return (BigInt(offset) + 1n).toString();
}
