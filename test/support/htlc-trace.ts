// Where one HTLC's time goes on its way through the coordinator, read off the services' own
// pino logs (info level): the matcher's "htlc decided" line carries when lnd offered the HTLC to
// the bridge (interceptedAtMs), when the bridge's producer took the record (producedAtMs, the
// Kafka record timestamp), when the matcher took it off the topic and when its decision
// committed; "htlc command published" is written once the broker acknowledged the command; the
// bridge's "SETTLE sent to lnd" once the resolution was written to lnd's stream. All processes
// run on one machine, so their clocks agree.

export interface HtlcTrace {
  readonly paymentHash: string;
  readonly circuitKey: string;
  /** lnd offered the HTLC -> the bridge handed the record to its producer. */
  readonly bridgeMs: number;
  /** Producer -> broker -> the matcher's consumer. */
  readonly toMatcherMs: number;
  /** Peel, decide, one Postgres transaction (commit). */
  readonly decideMs: number;
  /** Commit -> outbox wake -> command acknowledged by the broker. */
  readonly outboxMs: number;
  /** Broker -> the bridge's consumer -> resolution written to lnd. */
  readonly toBridgeMs: number;
  /** lnd offered the HTLC -> SETTLE written to lnd. */
  readonly totalMs: number;
  /** Unix ms: lnd offered the HTLC to the bridge, and the bridge wrote the SETTLE to lnd (for the payer-side segments). */
  readonly interceptedAtMs: number;
  readonly settleSentAtMs: number;
}

export const TRACE_SEGMENTS = ["bridgeMs", "toMatcherMs", "decideMs", "outboxMs", "toBridgeMs", "totalMs"] as const;

interface LogLine {
  readonly time: number;
  readonly msg: string;
  readonly fields: Record<string, unknown>;
}

function parseLine(line: string): LogLine | undefined {
  if (!line.startsWith("{")) return undefined;
  try {
    const fields = JSON.parse(line) as Record<string, unknown>;
    const time = typeof fields.time === "number" ? fields.time : typeof fields.time === "string" ? Date.parse(fields.time) : Number.NaN;
    if (!Number.isFinite(time) || typeof fields.msg !== "string") return undefined;
    return { time, msg: fields.msg, fields };
  } catch {
    return undefined;
  }
}

/**
 * The traces of the settled HTLCs of the given payment hashes, from the matcher's and the
 * bridges' log texts. An HTLC missing any of the three lines is left out.
 */
export function traceHtlcs(matcherLog: string, bridgeLogs: readonly string[], paymentHashes: ReadonlySet<string>): HtlcTrace[] {
  const decided = new Map<string, LogLine>();
  const published = new Map<string, LogLine>();
  const settleSent = new Map<string, LogLine>();
  const id = (l: LogLine): string => `${String(l.fields.paymentHash)}/${String(l.fields.circuitKey)}`;
  for (const line of matcherLog.split("\n")) {
    const l = parseLine(line);
    if (l === undefined || !paymentHashes.has(String(l.fields.paymentHash))) continue;
    if (l.msg === "htlc decided" && Array.isArray(l.fields.commands) && l.fields.commands.includes("SettleHtlc")) decided.set(id(l), l);
    // The set's settle decision answers every part: each part's command is published on its own.
    if (l.msg === "htlc command published" && l.fields.action === "SETTLE" && !published.has(id(l))) published.set(id(l), l);
  }
  for (const log of bridgeLogs) {
    for (const line of log.split("\n")) {
      const l = parseLine(line);
      if (l !== undefined && l.msg === "SETTLE sent to lnd" && paymentHashes.has(String(l.fields.paymentHash)) && !settleSent.has(id(l))) settleSent.set(id(l), l);
    }
  }
  const traces: HtlcTrace[] = [];
  for (const [key, d] of decided) {
    const p = published.get(key);
    const s = settleSent.get(key);
    if (p === undefined || s === undefined) continue;
    const n = (name: string): number => Number(d.fields[name]);
    traces.push({
      paymentHash: String(d.fields.paymentHash),
      circuitKey: String(d.fields.circuitKey),
      bridgeMs: n("producedAtMs") - n("interceptedAtMs"),
      toMatcherMs: n("receivedAtMs") - n("producedAtMs"),
      decideMs: n("committedAtMs") - n("receivedAtMs"),
      outboxMs: p.time - n("committedAtMs"),
      toBridgeMs: s.time - p.time,
      totalMs: s.time - n("interceptedAtMs"),
      interceptedAtMs: n("interceptedAtMs"),
      settleSentAtMs: s.time,
    });
  }
  return traces;
}
