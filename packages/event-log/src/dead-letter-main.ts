// Dead-letter CLI, for an operator with the admin principal (the only one that may read dead
// letters: docs/architecture.md, "Dead letters").
//
//   tsx packages/event-log/src/dead-letter-main.ts list --brokers 127.0.0.1:9092 \
//     --credentials-file .run/kafka/credentials/admin.json --topic ic.matcher.dead-letters.v1
//   tsx packages/event-log/src/dead-letter-main.ts replay ... --topic ic.matcher.dead-letters.v1 \
//     --source ic.htlc.intercepted.v1.<pubkey>/0@41
//
// list prints one JSON line per dead letter (dead-letter-inspection.ts), from the first offset up
// to the end offsets taken at start, then a summary line. replay writes the dead letter's source
// record again, as it was, to its source topic (after the cause is fixed); a command's dead
// letter has no value and cannot be replayed. Admin credentials: --credentials-file, or
// IC_KAFKA_USERNAME and IC_KAFKA_PASSWORD. Exit 0 done, 1 failed, 2 bad arguments.
import { randomBytes } from "node:crypto";
import { createKafka } from "./kafka-client.ts";
import { commandLineKafkaAuthSetting, KafkaCredentialsError, resolveKafkaCredentials } from "./kafka-credentials.ts";
import { deadLetterView, parseSourceRef, replayPlan, type DeadLetterRecord } from "./dead-letter-inspection.ts";
import { createSerialProducer } from "./serial-producer.ts";

const USAGE = `usage: dead-letter-main.ts list|replay --brokers <host:port,...> (--credentials-file <admin.json> | env IC_KAFKA_USERNAME + IC_KAFKA_PASSWORD)
       --topic <dead-letter topic> [--source <topic>/<partition>@<offset> (replay)]`;

class UsageError extends Error {}

function parseArgs(argv: readonly string[]) {
  const [command, ...rest] = argv;
  if (command !== "list" && command !== "replay") throw new UsageError("the first argument is list or replay");
  const flags = new Map<string, string>();
  for (let i = 0; i < rest.length; i += 2) {
    const flag = rest[i] as string;
    const value = rest[i + 1];
    if (!["--brokers", "--credentials-file", "--topic", "--source"].includes(flag)) throw new UsageError(`unknown argument ${flag}`);
    if (value === undefined || value.startsWith("--")) throw new UsageError(`${flag} needs a value`);
    flags.set(flag, value);
  }
  const brokers = flags.get("--brokers")?.split(",").filter((b) => b.length > 0) ?? [];
  if (brokers.length === 0) throw new UsageError("--brokers is required");
  const topic = flags.get("--topic");
  if (topic === undefined) throw new UsageError("--topic is required");
  const sourceText = flags.get("--source");
  const source = sourceText === undefined ? undefined : parseSourceRef(sourceText);
  if (command === "replay" && source === undefined) throw new UsageError("replay needs --source <topic>/<partition>@<offset>");
  const auth = commandLineKafkaAuthSetting(flags.get("--credentials-file"), process.env);
  if (!auth.ok) throw new UsageError(auth.problem);
  return { command, brokers, topic, source, auth: auth.value };
}

async function main(): Promise<number> {
  let args: ReturnType<typeof parseArgs>;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\n${USAGE}\n`);
      return 2;
    }
    throw error;
  }
  let sasl;
  try {
    sasl = resolveKafkaCredentials(args.auth);
  } catch (error) {
    if (error instanceof KafkaCredentialsError) {
      process.stderr.write(`${error.message}\n`);
      return 2;
    }
    throw error;
  }
  const kafka = createKafka({ brokers: args.brokers, clientId: "ic-dead-letters", ...(sasl === undefined ? {} : { sasl }) });
  const records = await readAll(kafka, args.topic);
  if (args.command === "list") {
    for (const record of records) process.stdout.write(`${JSON.stringify(deadLetterView(record))}\n`);
    process.stdout.write(`${JSON.stringify({ topic: args.topic, deadLetters: records.length })}\n`);
    return 0;
  }
  const wanted = args.source!;
  const found = records.filter((r) => deadLetterView(r).source === `${wanted.topic}/${wanted.partition}@${wanted.offset}`);
  if (found.length === 0) {
    process.stderr.write(`no dead letter of ${wanted.topic}/${wanted.partition}@${wanted.offset} in ${args.topic}\n`);
    return 1;
  }
  // Written at least once: the same source may have several dead letters; replay it once.
  const plan = replayPlan(found[0]!);
  if (!plan.ok) {
    process.stderr.write(`${plan.problem}\n`);
    return 1;
  }
  const producer = createSerialProducer(kafka);
  await producer.connect();
  try {
    const [meta] = await producer.send({ topic: plan.topic, messages: [plan.message] });
    process.stdout.write(`${JSON.stringify({ replayed: `${wanted.topic}/${wanted.partition}@${wanted.offset}`, to: `${plan.topic}/${meta?.partition}@${meta?.baseOffset}` })}\n`);
  } finally {
    await producer.disconnect();
  }
  return 0;
}

/** Every record of topic up to the end offsets at the time of the call, with a throwaway group it deletes. */
async function readAll(kafka: ReturnType<typeof createKafka>, topic: string): Promise<DeadLetterRecord[]> {
  const admin = kafka.admin();
  await admin.connect();
  const groupId = `ic-dead-letters-${randomBytes(6).toString("hex")}`;
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    const ends = new Map(offsets.map((p) => [p.partition, BigInt(p.high)]));
    const remaining = new Set(offsets.filter((p) => BigInt(p.high) > BigInt(p.low)).map((p) => p.partition));
    const records: DeadLetterRecord[] = [];
    if (remaining.size === 0) return records;
    const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 200 });
    await consumer.connect();
    try {
      let done!: () => void;
      const finished = new Promise<void>((resolve) => (done = resolve));
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ partition, message }) => {
          const end = ends.get(partition) ?? 0n;
          if (BigInt(message.offset) < end) records.push({ topic, partition, offset: message.offset, key: message.key, value: message.value, headers: message.headers ?? {} });
          if (BigInt(message.offset) + 1n >= end) remaining.delete(partition);
          if (remaining.size === 0) done();
        },
      });
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${topic}: not read to its end offsets within 60 s`)), 60_000);
      });
      try {
        await Promise.race([finished, timeout]);
      } finally {
        clearTimeout(timer);
      }
    } finally {
      await consumer.disconnect();
    }
    return records.sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
  } finally {
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
