// Where a payment's time goes inside lnd, read off the payer's and alpha's own logs (issue 9):
// for a native invoice of alpha and for a coordinator invoice paid through alpha, the steps from
// SendPaymentV2 to SUCCEEDED, so the two can be laid side by side. lnd must run with
// IC_LND_DEBUGLEVEL="info,HSWC=trace,PEER=debug,INVC=debug,CRTR=debug" (infra/scripts/cluster.sh):
// the lock-in line ("processing N remote adds") is HSWC trace, the wire messages PEER debug.
//
// Two readings:
// - steps (one payment in flight only): every mark is the first matching line after the previous
//   mark within the payment's own window, so the commitment dance (commit_sig, revoke_and_ack)
//   is attributed to the payment. Wrong when payments overlap.
// - segments (any concurrency): only marks that name the payment (its hash, or the HTLC id the
//   bridge logged), so overlapping payments are told apart.
// The payer, alpha and the bridge run on one machine: their clocks agree. lnd logs UTC.

export type PaymentKind = "native" | "coordinator";

export interface ProbedPayment {
  readonly kind: PaymentKind;
  /** hex */
  readonly paymentHash: string;
  /** Unix ms around SendPaymentV2 -> final status, taken by the caller. */
  readonly startMs: number;
  readonly endMs: number;
}

/** What the bridge logged for one coordinator HTLC (its "holding" and "SETTLE sent to lnd" lines). */
export interface BridgeMarks {
  readonly offeredAtMs: number;
  readonly settleSentAtMs: number | undefined;
  /** The incoming HTLC's id on the payer -> alpha channel (circuit key "chan:htlc"). */
  readonly htlcId: number;
}

export interface LndLine {
  readonly atMs: number;
  readonly text: string;
}

/** lnd's log line "2026-12-02 20:31:36.460 [DBG] ..." with its time; undefined for continuation lines. */
export function parseLndLine(line: string): LndLine | undefined {
  const m = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d\.\d{3}) \[/.exec(line);
  if (m === null) return undefined;
  const atMs = Date.parse(`${m[1]}T${m[2]}Z`);
  return Number.isNaN(atMs) ? undefined : { atMs, text: line };
}

export function parseLndLog(text: string, fromMs: number, toMs: number): LndLine[] {
  const out: LndLine[] = [];
  for (const raw of text.split("\n")) {
    const line = parseLndLine(raw);
    if (line !== undefined && line.atMs >= fromMs && line.atMs <= toMs) out.push(line);
  }
  return out;
}

/** The bridge's pino lines by payment hash. */
export function bridgeMarksByHash(bridgeLog: string): Map<string, BridgeMarks> {
  const offered = new Map<string, { atMs: number; htlcId: number }>();
  const settled = new Map<string, number>();
  for (const raw of bridgeLog.split("\n")) {
    if (!raw.startsWith("{")) continue;
    let line: { time?: unknown; msg?: unknown; paymentHash?: unknown; circuitKey?: unknown };
    try {
      line = JSON.parse(raw) as typeof line;
    } catch {
      continue;
    }
    if (typeof line.paymentHash !== "string" || typeof line.time !== "string" || typeof line.msg !== "string")
      continue;
    const atMs = Date.parse(line.time);
    if (
      line.msg === "holding an HTLC for the coordinator" &&
      typeof line.circuitKey === "string" &&
      !offered.has(line.paymentHash)
    ) {
      offered.set(line.paymentHash, { atMs, htlcId: Number(line.circuitKey.split(":")[1]) });
    } else if (line.msg === "SETTLE sent to lnd" && !settled.has(line.paymentHash)) {
      settled.set(line.paymentHash, atMs);
    }
  }
  const out = new Map<string, BridgeMarks>();
  for (const [hash, o] of offered)
    out.set(hash, { offeredAtMs: o.atMs, settleSentAtMs: settled.get(hash), htlcId: o.htlcId });
  return out;
}

/** Step names in order; each step's figure is the time since the previous step's mark. */
export const STEPS = [
  "rpcReceived", // payer: SendPaymentV2 requested
  "attemptSent", // payer: route found, onion built, HTLC attempt handed to the switch
  "addSent", // payer: update_add_htlc written to alpha
  "payerCommitSig", // payer: commit_sig (waits for its batch ticker, --channel-commit-interval)
  "alphaRevoke", // alpha: revoke_and_ack
  "alphaCommitSig", // alpha: its own commit_sig
  "payerRevoke", // payer: revoke_and_ack: the add is locked in on both sides
  "alphaLockedIn", // alpha: processes the locked-in add
  "alphaHandOff", // native: invoice registry settles; coordinator: forwarded to the switch
  "bridgeOffered", // coordinator: the bridge holds the HTLC
  "settleDecided", // native: = alphaHandOff; coordinator: the bridge wrote SETTLE to lnd
  "alphaFulfill", // alpha: update_fulfill_htlc written to the payer
  "payerSucceeded", // payer: payment SUCCEEDED
  "callerDone", // the caller's SendPaymentV2 stream ended
] as const;
export type Step = (typeof STEPS)[number];

/** Steps of one payment (one in flight), ms since the previous mark; a step whose line was not found is absent. */
export function paymentSteps(
  p: ProbedPayment,
  payer: readonly LndLine[],
  alpha: readonly LndLine[],
  bridge: BridgeMarks | undefined,
): Partial<Record<Step, number>> {
  const hash = p.paymentHash;
  const until = p.endMs + 60;
  const first = (lines: readonly LndLine[], after: number | undefined, re: RegExp): number | undefined => {
    if (after === undefined) return undefined;
    return lines.find((l) => l.atMs >= after && l.atMs <= until && re.test(l.text))?.atMs;
  };
  const marks: Partial<Record<Step, number>> = {};
  const from = p.startMs - 5;
  marks.rpcReceived = first(payer, from, /\[\/routerrpc\.Router\/SendPaymentV2\] requested/);
  marks.attemptSent = first(payer, from, new RegExp(`Sending HTLC attempt.*${hash}`));
  marks.addSent = first(payer, from, new RegExp(`Sending UpdateAddHTLC.*hash=${hash.slice(0, 10)}`));
  marks.payerCommitSig = first(payer, marks.addSent, /Sending CommitSig/);
  marks.alphaRevoke = first(alpha, marks.payerCommitSig, /Sending RevokeAndAck/);
  marks.alphaCommitSig = first(alpha, marks.alphaRevoke, /Sending CommitSig/);
  marks.payerRevoke = first(payer, marks.alphaCommitSig, /Sending RevokeAndAck/);
  marks.alphaLockedIn = first(alpha, marks.payerRevoke, /processing [1-9]\d* remote adds/);
  if (p.kind === "native") {
    marks.alphaHandOff = first(alpha, from, new RegExp(`${hash}.*settle resolution result`));
    marks.settleDecided = marks.alphaHandOff;
  } else {
    marks.alphaHandOff = first(alpha, marks.alphaLockedIn, /forwarding [1-9]\d* packets to switch/);
    marks.bridgeOffered = bridge?.offeredAtMs;
    marks.settleDecided = bridge?.settleSentAtMs;
  }
  marks.alphaFulfill = first(
    alpha,
    marks.settleDecided === undefined ? undefined : marks.settleDecided - 3,
    /Sending UpdateFulfillHTLC/,
  );
  marks.payerSucceeded = first(payer, from, new RegExp(`${hash}: status=Succeeded`));
  marks.callerDone = p.endMs;
  const steps: Partial<Record<Step, number>> = {};
  let previous = p.startMs;
  for (const step of STEPS) {
    const at = marks[step];
    if (at === undefined) continue;
    steps[step] = at - previous;
    previous = at;
  }
  return steps;
}

export const SEGMENTS = [
  "sendToAddSent",
  "addSentToHandOff",
  "coordinatorPath",
  "decidedToFulfill",
  "fulfillToSucceeded",
  "total",
] as const;
export type Segment = (typeof SEGMENTS)[number];

/**
 * Segments of one payment keyed by its own hash or HTLC id (valid at any concurrency): payer's
 * send -> update_add written; -> alpha decides (native: invoice settled; coordinator: the bridge
 * holds the HTLC); the coordinator's own path (bridge holds -> SETTLE written; 0 for native);
 * -> alpha writes update_fulfill; -> payer SUCCEEDED; and the whole.
 */
export function paymentSegments(
  p: ProbedPayment,
  payer: readonly LndLine[],
  alpha: readonly LndLine[],
  bridge: BridgeMarks | undefined,
): Partial<Record<Segment, number>> {
  const hash = p.paymentHash;
  const at = (lines: readonly LndLine[], re: RegExp): number | undefined =>
    lines.find((l) => re.test(l.text))?.atMs;
  const addSent = at(payer, new RegExp(`Sending UpdateAddHTLC.*hash=${hash.slice(0, 10)}`));
  const succeeded = at(payer, new RegExp(`${hash}: status=Succeeded`));
  let handOff: number | undefined;
  let decided: number | undefined;
  let fulfill: number | undefined;
  if (p.kind === "native") {
    handOff = at(alpha, new RegExp(`${hash}.*settle resolution result`));
    decided = handOff;
    fulfill = handOff; // the exit hop writes update_fulfill in the same step
  } else if (bridge !== undefined) {
    handOff = bridge.offeredAtMs;
    decided = bridge.settleSentAtMs;
    fulfill = at(alpha, new RegExp(`Sending UpdateFulfillHTLC\\(chan_id=[0-9a-f]+, id=${bridge.htlcId},`));
  }
  const d = (a: number | undefined, b: number | undefined): number | undefined =>
    a === undefined || b === undefined ? undefined : b - a;
  const out: Partial<Record<Segment, number>> = {
    sendToAddSent: d(p.startMs, addSent),
    addSentToHandOff: d(addSent, handOff),
    coordinatorPath: d(handOff, decided),
    decidedToFulfill: d(decided, fulfill),
    fulfillToSucceeded: d(fulfill, succeeded),
    total: p.endMs - p.startMs,
  };
  for (const key of SEGMENTS) if (out[key] === undefined) delete out[key];
  return out;
}
