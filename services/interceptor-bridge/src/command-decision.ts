// What to do with one command from the matcher. Rules, in order:
// 1. a command for another node is not ours (every bridge reads the whole commands topic);
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
  readonly applied: Pick<AppliedCommands, "outcomeOf">;
}

export type CommandDecision =
  | { readonly kind: "ignore" }
  | {
      readonly kind: "send";
      readonly resolution: InterceptResolution;
      readonly outcome: AppliedOutcome;
      readonly held: HeldHtlc;
    }
  | { readonly kind: "repeat"; readonly outcome: AppliedOutcome }
  | { readonly kind: "skip"; readonly reason: "not-held" | "auto-fail-height-reached" }
  | { readonly kind: "refuse"; readonly reason: string };

export type CommandOutcomeKind = Extract<HtlcOutcomeKind, "SETTLE_SENT" | "FAIL_SENT" | "SKIPPED_NOT_HELD">;

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
    return {
      kind: "send",
      resolution,
      outcome: resolution.action === "SETTLE" ? "SETTLE_SENT" : "FAIL_SENT",
      held,
    };
  }
  const applied = context.applied.outcomeOf(command.commandId);
  if (applied !== undefined) return { kind: "repeat", outcome: applied };
  return { kind: "skip", reason: "not-held" };
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
