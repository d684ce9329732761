// What to do with one command from the matcher. Rules, in order:
// 1. a command for another node is not ours (each bridge reads only its node's commands topic,
//    so this is a guard against a misrouted record);
// 2. a key held on the current interceptor stream is answered, once: the answer releases it,
//    so any later command for it falls to rule 3 or 4 (never a second resolution). A held key
//    is answered even when its commandId was applied before: lnd holding it on this stream
//    means the earlier answer never took effect (the old stream ended first), and only an
//    answer now frees it;
// 3. a commandId already carried out is reported again, nothing is sent;
// 4. otherwise the key is not held now (answered, resolved by lnd itself, or not yet offered
//    again after a reconnect): nothing is sent and SKIPPED_NOT_HELD tells the matcher, which
//    answers again when lnd offers the HTLC again.
// A held key whose auto-fail height is reached counts as not held: lnd fails it by itself, and
// an answer racing that failure would make lnd end the stream. The height is lnd's as last
// polled, so for up to one poll after a block that race stays open; losing it costs a stream
// (lnd drops the answers written after it and offers those HTLCs again), never a wrong answer.
// A command that would hand lnd a wrong answer (payment hash of another HTLC, preimage that
// does not open the hash) is refused and nothing is sent or reported: it is a matcher bug, and
// the HTLC stays held until a correct command or lnd's auto-fail.
//
// The bridge is the last line of defence (DESIGN.md section 10): anyone who can write to the
// bus can claim "node N holds HTLC K for amount A", and the matcher decides on that claim. A
// forged record can name the circuit key that lnd will give the attacker's NEXT real HTLC (keys
// are predictable: the HTLC index on the attacker's own channel), for the full invoice amount;
// the matcher decides SETTLE for it, and when the real 1-sat HTLC arrives under that key, hash
// and preimage match. So a SETTLE carries what its decision was about (htlc-command v2:
// expectedIncomingAmountMsat, expectedIncomingExpiry, as the matcher received them), and is
// applied only when the HTLC lnd offered under that key on the current stream has exactly those
// values. Otherwise (values differ, or the command has none: a v1 SETTLE) the bridge FAILS the
// HTLC with TEMPORARY_CHANNEL_FAILURE (lnd builds it; the bridge has no coordinator key to
// encrypt a final-hop failure) and reports SETTLE_REFUSED_MISMATCH with a reason naming the
// field and both values. Why fail rather than leave it held:
// - the HTLC lnd offered is not the one the settle decision was about, so no later command can
//   ever rightly settle it (the matcher answers any re-offer from its record: the same SETTLE,
//   the same mismatch); holding it would only lock the payer's funds until lnd's auto-fail;
// - a fail is always safe for the receiver, whereas a settle is irreversible; and a forged
//   record can at worst fail something, never release a preimage for less than the invoice;
// - the cost: an honest SETTLE without expected values (a command a pre-v2 matcher wrote, or an
//   outbox row from before the upgrade) is failed too, which could turn a multi-part set into a
//   partial settlement if other parts were settled; the upgrade procedure in the README (stop
//   the matcher, let the bridges drain the commands topic, upgrade bridges, then the matcher)
//   keeps v1 SETTLEs from reaching an upgraded bridge.
// The payment hash check stays, and a refused settle still answers the key once (rule 2).
import { createHash, timingSafeEqual } from "node:crypto";
import type { HtlcCommand, HtlcOutcomeKind } from "@ic/event-log";
import type { InterceptResolution } from "@ic/lnd-client";
import type { AppliedCommands, AppliedOutcome } from "./applied-commands.ts";
import type { HeldHtlc, HeldHtlcs } from "./held-htlcs.ts";

export interface CommandContext {
  /** This node's pubkey, hex. */
  readonly nodeId: string;
  /** undefined while no interceptor stream is open. */
  readonly held: Pick<HeldHtlcs, "get"> | undefined;
  readonly blockHeight: number;
  readonly applied: Pick<AppliedCommands, "outcomeOf" | "reasonOf">;
}

export type CommandDecision =
  | { readonly kind: "ignore" }
  | {
      readonly kind: "send";
      readonly resolution: InterceptResolution;
      readonly outcome: AppliedOutcome;
      readonly held: HeldHtlc;
    }
  /**
   * A SETTLE for an HTLC lnd offered with other values (or a SETTLE without expected values):
   * resolution is a FAIL, never the settle.
   */
  | {
      readonly kind: "refuse-settle";
      readonly resolution: InterceptResolution;
      readonly mismatch: SettleMismatch;
      readonly reason: string;
      readonly held: HeldHtlc;
    }
  | { readonly kind: "repeat"; readonly outcome: AppliedOutcome; readonly reason: string | null }
  | { readonly kind: "skip"; readonly reason: "not-held" | "auto-fail-height-reached" }
  | { readonly kind: "refuse"; readonly reason: string };

export type CommandOutcomeKind = Extract<
  HtlcOutcomeKind,
  "SETTLE_SENT" | "FAIL_SENT" | "SKIPPED_NOT_HELD" | "SETTLE_REFUSED_MISMATCH"
>;

/** Which of a SETTLE's expected values differ from what lnd offered (the metric's label). */
export type SettleMismatch = "missing_expected" | "incoming_amount" | "incoming_expiry" | "incoming_amount_and_expiry";

export function decideCommand(command: HtlcCommand, context: CommandContext): CommandDecision {
  if (command.nodeId !== context.nodeId) return { kind: "ignore" };
  const held = context.held?.get(command.circuitKey);
  if (held !== undefined) {
    if (context.blockHeight >= held.autoFailHeight) return { kind: "skip", reason: "auto-fail-height-reached" };
    if (held.paymentHash !== command.paymentHash) {
      return {
        kind: "refuse",
        reason: `the command names payment hash ${command.paymentHash} but the held HTLC has ${held.paymentHash}`,
      };
    }
    const resolution = resolutionFor(command);
    if (typeof resolution === "string") return { kind: "refuse", reason: resolution };
    if (resolution.action === "SETTLE") {
      const refusal = settleMismatch(command, held);
      if (refusal !== undefined) {
        return {
          kind: "refuse-settle",
          resolution: { action: "FAIL", circuitKey: resolution.circuitKey, failureCode: "TEMPORARY_CHANNEL_FAILURE" },
          ...refusal,
          held,
        };
      }
    }
    return {
      kind: "send",
      resolution,
      outcome: resolution.action === "SETTLE" ? "SETTLE_SENT" : "FAIL_SENT",
      held,
    };
  }
  const applied = context.applied.outcomeOf(command.commandId);
  if (applied !== undefined) return { kind: "repeat", outcome: applied, reason: context.applied.reasonOf(command.commandId) };
  return { kind: "skip", reason: "not-held" };
}

/**
 * Why this SETTLE is not about the HTLC lnd holds under its key, or undefined when its expected
 * values equal exactly what lnd offered. The reason names fields and values only (no preimage).
 */
function settleMismatch(command: HtlcCommand, held: HeldHtlc): { mismatch: SettleMismatch; reason: string } | undefined {
  const amount = command.expectedIncomingAmountMsat;
  const expiry = command.expectedIncomingExpiry;
  if (amount === null || expiry === null) {
    const absent = [amount === null ? "expectedIncomingAmountMsat" : [], expiry === null ? "expectedIncomingExpiry" : []].flat();
    return {
      mismatch: "missing_expected",
      reason:
        `the SETTLE has no ${absent.join(" and ")} (a command written before htlc-command v2), so what it was decided for ` +
        `cannot be checked; lnd offered incomingAmountMsat ${held.incomingAmountMsat} and incomingExpiry ${held.incomingExpiry} under this circuit key`,
    };
  }
  const differences: string[] = [];
  if (amount !== held.incomingAmountMsat) {
    differences.push(`expectedIncomingAmountMsat ${amount} but lnd offered incomingAmountMsat ${held.incomingAmountMsat}`);
  }
  if (expiry !== held.incomingExpiry) {
    differences.push(`expectedIncomingExpiry ${expiry} but lnd offered incomingExpiry ${held.incomingExpiry}`);
  }
  if (differences.length === 0) return undefined;
  const amountDiffers = amount !== held.incomingAmountMsat;
  const expiryDiffers = expiry !== held.incomingExpiry;
  const mismatch: SettleMismatch =
    amountDiffers && expiryDiffers ? "incoming_amount_and_expiry" : amountDiffers ? "incoming_amount" : "incoming_expiry";
  return { mismatch, reason: `the SETTLE was decided for another HTLC than lnd holds under this circuit key: ${differences.join("; ")}` };
}

/** The resolution for lnd, or why there is none. Never puts secret bytes into the reason. */
function resolutionFor(command: HtlcCommand): InterceptResolution | string {
  const circuitKey = { chanId: command.circuitKey.chanId, htlcId: command.circuitKey.htlcId };
  switch (command.action) {
    case "SETTLE": {
      if (command.preimage === null) return "SETTLE without a preimage";
      const hash = createHash("sha256").update(command.preimage).digest();
      const expected = Buffer.from(command.paymentHash, "hex");
      if (hash.length !== expected.length || !timingSafeEqual(hash, expected)) {
        return "the SETTLE preimage does not hash to the payment hash";
      }
      return { action: "SETTLE", circuitKey, preimage: command.preimage };
    }
    case "FAIL":
      if (command.failureMessage !== null) return { action: "FAIL", circuitKey, failureMessage: command.failureMessage };
      if (command.failureCode !== null) return { action: "FAIL", circuitKey, failureCode: command.failureCode };
      return "FAIL without failureMessage or failureCode";
    default: {
      const unknown: never = command.action;
      return `unknown action ${String(unknown)}`;
    }
  }
}
