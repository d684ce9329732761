// Property: whatever the network, lnd, the clock and the application do, in any order, the
// matcher never orders a settle outside one set that pays its invoice with the right secret
// (money-safety rule 1), never both settles and fails one HTLC, answers a replay with no new
// event (rule 4), and its state is exactly what replaying its events rebuilds (event sourcing).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { MatcherCommand } from "./commands.ts";
import { decide } from "./decide.ts";
import type { InvoiceEvent } from "./events.ts";
import { htlcKeyId, type HtlcKey, type HtlcKeyId } from "./htlc-key.ts";
import type { HtlcArrived, MatcherInput } from "./inputs.ts";
import type { InvoiceTerms } from "./invoice-terms.ts";
import { evolve, initialState, rebuildState, type InvoiceState } from "./state.ts";
import { deserializeState, serializeState } from "../serialization/index.ts";
import { HEIGHT, NODE_A, NODE_B, NODE_C, T0, testConfig } from "./testing/fixtures.ts";
import { virtualHopFeeMsat } from "./virtual-hop-policy.ts";

const NODES = [NODE_A, NODE_B, NODE_C] as const;
const SECRET = ["5e".repeat(32), "6f".repeat(32)] as const;
const HASHES = ["11".repeat(32), "22".repeat(32), "33".repeat(32)] as const; // the third never gets an invoice

const INVOICES: readonly InvoiceTerms[] = [
  {
    paymentHash: HASHES[0],
    paymentSecret: SECRET[0],
    amountMsat: 100_000n,
    createdAt: T0,
    expiresAt: T0 + 20 * 60_000,
    minFinalCltvExpiryDelta: 18,
    mode: "auto",
    externalRef: "auto-1",
    bolt11: "lnbcrt-auto",
  },
  {
    paymentHash: HASHES[1],
    paymentSecret: SECRET[1],
    amountMsat: null,
    createdAt: T0,
    expiresAt: T0 + 20 * 60_000,
    minFinalCltvExpiryDelta: 40,
    mode: "hold",
    externalRef: "hold-1",
    bolt11: "lnbcrt-hold",
  },
];

// ---- the random world ----

type Step =
  | {
      kind: "htlc";
      hash: number;
      node: number;
      htlcId: number;
      amt: bigint;
      total: bigint | null;
      secret: "right" | "other" | "missing";
      policy: "ok" | "fee_short" | "cltv_short";
      amountOk: boolean;
      cltvOk: boolean;
      expiryMargin: number;
      peelOk: boolean;
      // lnd re-offers a circuit key only with the HTLC it names; a forged record names a recorded
      // key with fields of its own.
      forged: boolean;
    }
  | { kind: "tick"; hash: number }
  | { kind: "settle"; hash: number }
  | { kind: "cancel"; hash: number }
  | { kind: "lndFinal"; hash: number; node: number; htlcId: number; settled: boolean }
  | { kind: "create"; hash: number; conflicting: boolean };

type Timed = { step: Step; dt: number; blocks: number };

const hashIndex = fc.integer({ min: 0, max: 2 });
// Each fault is rare so that most runs still reach complete sets, yet every fault appears often.
const mostly = (value: boolean) => fc.oneof({ weight: 15, arbitrary: fc.constant(value) }, { weight: 1, arbitrary: fc.constant(!value) });
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 10,
    arbitrary: fc.record({
      kind: fc.constant("htlc" as const),
      hash: fc.oneof({ weight: 5, arbitrary: fc.integer({ min: 0, max: 1 }) }, { weight: 1, arbitrary: fc.constant(2) }),
      node: fc.integer({ min: 0, max: 2 }),
      htlcId: fc.integer({ min: 0, max: 5 }),
      amt: fc.constantFrom(1n, 20_000n, 30_000n, 50_000n, 99_999n, 100_000n),
      total: fc.constantFrom<bigint | null>(null, 0n, 1_000n, 60_000n, 99_999n, 100_000n, 100_000n, 150_000n),
      secret: fc.oneof({ weight: 12, arbitrary: fc.constant("right" as const) }, { weight: 1, arbitrary: fc.constantFrom("other" as const, "missing" as const) }),
      policy: fc.oneof({ weight: 14, arbitrary: fc.constant("ok" as const) }, { weight: 1, arbitrary: fc.constantFrom("fee_short" as const, "cltv_short" as const) }),
      amountOk: mostly(true),
      cltvOk: mostly(true),
      // Around both invoices' min_final_cltv_expiry_delta (18 and 40), mostly above.
      expiryMargin: fc.oneof({ weight: 12, arbitrary: fc.integer({ min: 40, max: 80 }) }, { weight: 1, arbitrary: fc.integer({ min: -3, max: 45 }) }),
      peelOk: mostly(true),
      forged: mostly(false),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("tick" as const), hash: hashIndex }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("settle" as const), hash: hashIndex }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("cancel" as const), hash: hashIndex }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("lndFinal" as const),
      hash: hashIndex,
      node: fc.integer({ min: 0, max: 2 }),
      htlcId: fc.integer({ min: 0, max: 5 }),
      settled: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("create" as const), hash: fc.integer({ min: 0, max: 1 }), conflicting: fc.boolean() }) },
);
const timedArb: fc.Arbitrary<Timed> = fc.record({
  step: stepArb,
  dt: fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 0, max: 5_000 }) }, { weight: 1, arbitrary: fc.integer({ min: 60_000, max: 400_000 }) }),
  blocks: fc.oneof({ weight: 8, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 3 }) }),
});
// Both invoices exist from the start in most runs; a few runs let HTLCs come first.
const worldArb = fc.record({ createFirst: fc.oneof({ weight: 5, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }), steps: fc.array(timedArb, { minLength: 1, maxLength: 60, size: "max" }) });

// A circuit key belongs to one payment hash in lnd: the channel id encodes the hash here.
const keyOf = (hash: number, node: number, htlcId: number): HtlcKey => ({
  nodeId: NODES[node] ?? NODE_A,
  chanId: (850_000n << 40n) | BigInt(hash + 1),
  htlcId: BigInt(htlcId),
});

const arrivalInput = (step: Extract<Step, { kind: "htlc" }>, now: number, blockHeight: number): HtlcArrived => {
  const hash = HASHES[step.hash] ?? HASHES[2];
  const outgoingAmountMsat = step.amountOk ? step.amt : step.amt - 1n;
  const outgoingExpiry = blockHeight + step.expiryMargin;
  const fee = virtualHopFeeMsat(testConfig.virtualHopPolicy, outgoingAmountMsat);
  const secret = step.secret === "right" ? (SECRET[step.hash] ?? SECRET[0]) : step.secret === "other" ? (SECRET[1 - (step.hash % 2)] ?? SECRET[0]) : undefined;
  return {
    type: "HtlcArrived",
    data: {
      key: keyOf(step.hash, step.node, step.htlcId),
      paymentHash: hash,
      incomingAmountMsat: step.policy === "fee_short" ? outgoingAmountMsat + fee - 1n : outgoingAmountMsat + fee,
      outgoingAmountMsat,
      incomingExpiry: outgoingExpiry + testConfig.virtualHopPolicy.cltvExpiryDelta - (step.policy === "cltv_short" ? 1 : 0),
      outgoingExpiry,
      autoFailHeight: outgoingExpiry + testConfig.virtualHopPolicy.cltvExpiryDelta - 19,
      onionEphemeralKey: `02${"e7".repeat(32)}`,
      peel: step.peelOk
        ? {
            ok: true,
            payload: {
              amtToForwardMsat: step.amt,
              outgoingCltv: step.cltvOk ? outgoingExpiry : outgoingExpiry + 1,
              ...(secret === undefined ? {} : { paymentSecret: secret }),
              ...(step.total === null ? {} : { totalMsat: step.total }),
            },
          }
        : { ok: false, failure: { kind: "failure_code", lndFailureCode: 9, bolt4FailureCode: 0xc005 } },
      now,
      blockHeight,
    },
  };
};

// ---- the harness: one aggregate per hash, driven as the shell would ----

type World = {
  states: Map<string, InvoiceState>;
  logs: Map<string, InvoiceEvent[]>;
  firstArrival: Map<HtlcKeyId, HtlcArrived>;
  settleCommanded: Set<HtlcKeyId>;
  failCommanded: Set<HtlcKeyId>;
  // FailHtlc answers to records that differ from the recorded HTLC of their key.
  suspectFails: number;
};

type Stats = { runs: number; settledRuns: number; multiPartSettles: number; multiNodeSettles: number; holdSettles: number; replays: number; suspectFails: number };
const RUNS = 600;
const stats: Stats = { runs: 0, settledRuns: 0, multiPartSettles: 0, multiNodeSettles: 0, holdSettles: 0, replays: 0, suspectFails: 0 };

const inputFor = (step: Step, now: number, blockHeight: number, world: World): MatcherInput | null => {
  const paymentHash = HASHES[step.hash] ?? HASHES[2];
  switch (step.kind) {
    case "htlc": {
      const fresh = arrivalInput(step, now, blockHeight);
      const first = world.firstArrival.get(htlcKeyId(fresh.data.key));
      // lnd: the same HTLC again (after a reconnect or restart), seen now.
      if (first !== undefined && !step.forged) return { ...first, data: { ...first.data, now, blockHeight } };
      return fresh;
    }
    case "tick":
      return { type: "Tick", data: { paymentHash, now, blockHeight } };
    case "settle":
      return { type: "SettleInvoice", data: { paymentHash, now, blockHeight } };
    case "cancel":
      return { type: "CancelInvoice", data: { paymentHash, now, blockHeight } };
    case "lndFinal": {
      // lnd's world: it settles only what we told it to settle; it may fail anything it holds.
      const key = keyOf(step.hash, step.node, step.htlcId);
      if (step.settled && !world.settleCommanded.has(htlcKeyId(key))) return null;
      return { type: "HtlcFinal", data: { key, paymentHash, settled: step.settled, now } };
    }
    case "create": {
      const terms = INVOICES[step.hash];
      if (terms === undefined) return null;
      return { type: "CreateInvoice", data: step.conflicting ? { ...terms, externalRef: "other" } : terms };
    }
    default: {
      const unknownStep: never = step;
      throw new Error(`unknown step ${String(unknownStep)}`);
    }
  }
};

const commandsFor = (commands: readonly MatcherCommand[], key: HtlcKey) => commands.filter((c) => htlcKeyId(c.data.key) === htlcKeyId(key));

// Money-safety rule 1 judged from the raw inputs, not from the matcher's own records.
const expectSettledSetPaysInvoice = (world: World, paymentHash: string): void => {
  const log = world.logs.get(paymentHash) ?? [];
  const decisions = log.filter((e) => e.type === "InvoiceSettleRequested");
  expect(decisions.length).toBe(1);
  const decision = decisions[0];
  if (decision?.type !== "InvoiceSettleRequested") throw new Error("unreachable");
  const created = log.find((e) => e.type === "InvoiceCreated");
  if (created?.type !== "InvoiceCreated") throw new Error("settle requested for an invoice never created");
  const terms = created.data;
  const decisionIndex = log.indexOf(decision);
  expect(log.slice(0, decisionIndex).some((e) => e.type === "InvoiceCancelled" || e.type === "InvoiceExpired")).toBe(false);

  const parts = decision.data.htlcKeys.map((key) => {
    const input = world.firstArrival.get(htlcKeyId(key));
    if (input === undefined) throw new Error("settled an HTLC that never arrived");
    return input.data;
  });
  let total: bigint | undefined;
  let sum = 0n;
  for (const part of parts) {
    expect(part.paymentHash).toBe(terms.paymentHash);
    if (!part.peel.ok) throw new Error("settled an HTLC whose onion did not peel");
    const payload = part.peel.payload;
    expect(payload.paymentSecret).toBe(terms.paymentSecret);
    expect(payload.totalMsat).toBeDefined();
    total ??= payload.totalMsat;
    expect(payload.totalMsat).toBe(total);
    expect(payload.amtToForwardMsat <= part.outgoingAmountMsat).toBe(true);
    expect(payload.outgoingCltv <= part.outgoingExpiry).toBe(true);
    expect(part.outgoingExpiry >= part.blockHeight + terms.minFinalCltvExpiryDelta).toBe(true);
    // The oracle restates the rules instead of calling the domain's helpers.
    const { feeBaseMsat, feeProportionalMillionths, cltvExpiryDelta } = testConfig.virtualHopPolicy;
    expect(part.incomingAmountMsat >= part.outgoingAmountMsat + feeBaseMsat + (part.outgoingAmountMsat * feeProportionalMillionths) / 1_000_000n).toBe(true);
    expect(part.incomingExpiry >= part.outgoingExpiry + cltvExpiryDelta).toBe(true);
    sum += payload.amtToForwardMsat;
  }
  if (total === undefined) throw new Error("settled an empty set");
  expect(total >= (terms.amountMsat ?? 1n)).toBe(true);
  expect(sum >= total).toBe(true);
  // Nothing joined after the set was complete: without its last part it would not pay.
  const last = parts.reduce((latest, p) => (p.now >= latest.now ? p : latest));
  expect(last.peel.ok && sum - last.peel.payload.amtToForwardMsat < total).toBe(true);
  // The set started before the invoice expired.
  expect(Math.min(...parts.map((p) => p.now)) < terms.expiresAt).toBe(true);
};

const applyStep = (world: World, input: MatcherInput): void => {
  const paymentHash = input.type === "CreateInvoice" ? input.data.paymentHash : input.data.paymentHash;
  const state = world.states.get(paymentHash) ?? initialState();
  const decision = decide(state, input, testConfig);
  const after = decision.events.reduce<InvoiceState>(evolve, state);
  const log = [...(world.logs.get(paymentHash) ?? []), ...decision.events];
  world.states.set(paymentHash, after);
  world.logs.set(paymentHash, log);

  // The settle decision is final: the invoice never goes back to payable, cancelled or expired.
  const decidedAt = log.findIndex((e) => e.type === "InvoiceSettleRequested");
  if (decidedAt >= 0) {
    expect(["SETTLE_REQUESTED", "SETTLED", "SETTLE_FAILED"]).toContain(after.invoice?.status);
    // No invoice waits in SETTLE_REQUESTED once lnd reported every part of its set final; it ends
    // SETTLE_FAILED exactly when lnd failed one of them.
    const finals = (after.invoice?.settledSet ?? []).map((id) => after.htlcs.get(id)?.status);
    const allFinal = finals.every((status) => status === "SETTLED" || status === "FAILED");
    if (allFinal) expect(after.invoice?.status).toBe(finals.includes("FAILED") ? "SETTLE_FAILED" : "SETTLED");
    else expect(after.invoice?.status).toBe("SETTLE_REQUESTED");
    expect(log.slice(decidedAt + 1).filter((e) => ["InvoiceCancelled", "InvoiceExpired", "InvoiceReopened", "InvoiceAccepted", "MppSetTimedOut"].includes(e.type))).toEqual([]);
  }

  // Event sourcing: the state decide will run on next equals a rebuild from the log, and
  // survives the projection's JSON round trip.
  expect(rebuildState(log)).toEqual(after);
  expect(deserializeState(JSON.parse(JSON.stringify(serializeState(after))))).toEqual(after);

  let suspect = false;
  if (input.type === "HtlcArrived") {
    const id = htlcKeyId(input.data.key);
    const first = world.firstArrival.get(id)?.data;
    const offered = input.data;
    suspect =
      first !== undefined &&
      (first.incomingAmountMsat !== offered.incomingAmountMsat ||
        first.outgoingAmountMsat !== offered.outgoingAmountMsat ||
        first.incomingExpiry !== offered.incomingExpiry ||
        first.outgoingExpiry !== offered.outgoingExpiry ||
        first.onionEphemeralKey !== offered.onionEphemeralKey);
    if (first === undefined) world.firstArrival.set(id, input);
    const replay = decide(after, input, testConfig);
    expect(replay.commands).toEqual(commandsFor(decision.commands, input.data.key));
    if (suspect) {
      // Never settled: one FailHtlc with the code of an unknown payment, and the claim recorded as
      // suspect; again right away, the same answer and nothing changes.
      expect(decision.commands).toEqual([
        { type: "FailHtlc", data: { key: offered.key, paymentHash, failure: { kind: "incorrect_or_unknown_payment_details", htlcMsat: offered.outgoingAmountMsat, height: offered.blockHeight } } },
      ]);
      expect(decision.events.map((e) => (e.type === "HtlcRejected" ? e.data.reason : e.type))).toEqual(["reoffered_htlc_differs"]);
      expect(replay.events.reduce<InvoiceState>(evolve, after)).toEqual(after);
      world.suspectFails++;
    } else {
      // Rule 4: the same HTLC again, right away, is answered the same and records nothing.
      expect(replay.events).toEqual([]);
    }
    stats.replays++;
  }

  for (const command of decision.commands) {
    // A FailHtlc for a forged claim on a key may follow a SettleHtlc for the HTLC lnd holds under
    // it: the bridge settled that one already or settles it first (commands keep their order).
    if (suspect) continue;
    const id = htlcKeyId(command.data.key);
    expect(command.data.paymentHash).toBe(paymentHash);
    if (command.type === "SettleHtlc") {
      expect(world.failCommanded.has(id)).toBe(false);
      world.settleCommanded.add(id);
      expect(after.invoice?.settledSet).toContain(id);
      expectSettledSetPaysInvoice(world, paymentHash);
    } else {
      expect(world.settleCommanded.has(id)).toBe(false);
      world.failCommanded.add(id);
    }
  }
};

describe("money safety under any sequence of inputs", () => {
  it("settles only one complete set per invoice with the right secret, never settles and fails one HTLC, and rebuilds from its log", () => {
    fc.assert(
      fc.property(worldArb, ({ createFirst, steps }) => {
        const world: World = { states: new Map(), logs: new Map(), firstArrival: new Map(), settleCommanded: new Set(), failCommanded: new Set(), suspectFails: 0 };
        let now = T0;
        let blockHeight = HEIGHT;
        if (createFirst) for (const terms of INVOICES) applyStep(world, { type: "CreateInvoice", data: terms });
        for (const { step, dt, blocks } of steps) {
          now += dt;
          blockHeight += blocks;
          const input = inputFor(step, now, blockHeight, world);
          if (input !== null) applyStep(world, input);
        }
        stats.runs++;
        stats.suspectFails += world.suspectFails;
        if (world.settleCommanded.size > 0) stats.settledRuns++;
        for (const log of world.logs.values())
          for (const event of log)
            if (event.type === "InvoiceSettleRequested") {
              if (event.data.htlcKeys.length > 1) stats.multiPartSettles++;
              if (new Set(event.data.htlcKeys.map((k) => k.nodeId)).size > 1) stats.multiNodeSettles++;
              if (log.some((e) => e.type === "InvoiceAccepted")) stats.holdSettles++;
            }
      }),
      // A fixed seed keeps the run deterministic; change it locally to explore further.
      { seed: 20_260_401, numRuns: RUNS },
    );
    console.info(`money-safety property: ${JSON.stringify(stats)}`);
    // The property is only worth something if the random worlds reach the settle paths.
    expect(stats.runs).toBe(RUNS);
    expect(stats.settledRuns).toBeGreaterThan(RUNS / 10);
    expect(stats.multiPartSettles).toBeGreaterThan(RUNS / 30);
    expect(stats.multiNodeSettles).toBeGreaterThan(RUNS / 30);
    expect(stats.holdSettles).toBeGreaterThan(RUNS / 30);
    expect(stats.suspectFails).toBeGreaterThan(RUNS / 30);
  });
});
