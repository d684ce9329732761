// What an operator sees of a dead letter, and what replaying one writes. Pure: the CLI
// (dead-letter-main.ts) reads the topic and sends the record.
//
// A view is one JSON-able object per dead letter: where it sits, the ic-dlq-* headers by name, the
// source record's other headers, its key (hex) and value (base64, or the length of a value left
// out). Replaying re-writes the source record as it was (key, value, its own headers, plus
// ic-dlq-replayed-from) to its source topic, for after the cause was fixed (a schema file put back,
// a reader upgraded). A dead letter without its value (a command's: it may hold a preimage) cannot
// be replayed; its record is still in the commands topic at the source offset until retention, and
// the matcher sends a command again when lnd offers the HTLC again.
import type { IHeaders, Message } from "kafkajs";
import { DEAD_LETTER_HEADERS } from "./dead-letters.ts";

export const REPLAYED_FROM_HEADER = "ic-dlq-replayed-from";

export interface DeadLetterRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers?: IHeaders;
}

export interface DeadLetterView {
  /** Where the dead letter itself is: <dead-letter topic>/<partition>@<offset>. */
  readonly at: string;
  readonly reason: string | undefined;
  readonly detail: string | undefined;
  /** <source topic>/<partition>@<offset>: where the record was consumed. */
  readonly source: string | undefined;
  readonly sourceTimestampMs: string | undefined;
  readonly headers: Readonly<Record<string, string>>;
  readonly keyHex: string | null;
  readonly valueBase64: string | null;
  /** Set when the value was left out: its length in bytes, or "none". */
  readonly valueOmittedBytes?: string;
}

const OWN = new Set<string>([...Object.values(DEAD_LETTER_HEADERS), REPLAYED_FROM_HEADER]);

function headerText(headers: IHeaders | undefined, name: string): string | undefined {
  const value = headers?.[name];
  if (value === undefined) return undefined;
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : first.toString();
}

function sourceOf(record: DeadLetterRecord): { topic: string; partition: number; offset: string } | undefined {
  const topic = headerText(record.headers, DEAD_LETTER_HEADERS.sourceTopic);
  const partition = headerText(record.headers, DEAD_LETTER_HEADERS.sourcePartition);
  const offset = headerText(record.headers, DEAD_LETTER_HEADERS.sourceOffset);
  if (topic === undefined || partition === undefined || offset === undefined || !/^\d+$/.test(partition) || !/^\d+$/.test(offset)) return undefined;
  return { topic, partition: Number(partition), offset };
}

export function deadLetterView(record: DeadLetterRecord): DeadLetterView {
  const source = sourceOf(record);
  const omitted = headerText(record.headers, DEAD_LETTER_HEADERS.valueOmittedBytes);
  const headers: Record<string, string> = {};
  for (const name of Object.keys(record.headers ?? {})) {
    if (OWN.has(name)) continue;
    const text = headerText(record.headers, name);
    if (text !== undefined) headers[name] = text;
  }
  return {
    at: `${record.topic}/${record.partition}@${record.offset}`,
    reason: headerText(record.headers, DEAD_LETTER_HEADERS.reason),
    detail: headerText(record.headers, DEAD_LETTER_HEADERS.detail),
    source: source === undefined ? undefined : `${source.topic}/${source.partition}@${source.offset}`,
    sourceTimestampMs: headerText(record.headers, DEAD_LETTER_HEADERS.sourceTimestamp),
    headers,
    keyHex: record.key === null ? null : record.key.toString("hex"),
    valueBase64: record.value === null ? null : record.value.toString("base64"),
    ...(omitted === undefined ? {} : { valueOmittedBytes: omitted }),
  };
}

/** "<topic>/<partition>@<offset>" as the CLI takes it. */
export function parseSourceRef(text: string): { topic: string; partition: number; offset: string } | undefined {
  const match = /^([A-Za-z0-9._-]+)\/(\d+)@(\d+)$/.exec(text);
  return match === null ? undefined : { topic: match[1]!, partition: Number(match[2]), offset: match[3]! };
}

export type ReplayPlan = { readonly ok: true; readonly topic: string; readonly message: Message } | { readonly ok: false; readonly problem: string };

/** The record that replaying this dead letter writes to its source topic, or why it cannot be replayed. */
export function replayPlan(record: DeadLetterRecord): ReplayPlan {
  const source = sourceOf(record);
  if (source === undefined) return { ok: false, problem: `${record.topic}/${record.partition}@${record.offset} has no source headers: not a dead letter` };
  if (headerText(record.headers, DEAD_LETTER_HEADERS.valueOmittedBytes) !== undefined)
    return {
      ok: false,
      problem: `the dead letter has no value (left out: it may hold a preimage); the record is at ${source.topic}/${source.partition}@${source.offset} until the topic's retention`,
    };
  const headers: IHeaders = {};
  for (const [name, value] of Object.entries(record.headers ?? {})) if (!OWN.has(name) && value !== undefined) headers[name] = value;
  headers[REPLAYED_FROM_HEADER] = `${record.topic}/${record.partition}@${record.offset}`;
  return { ok: true, topic: source.topic, message: { key: record.key, value: record.value, headers } };
}
