// Carries out a batch of commands from the matcher (decisions in ../decisions/command-decision.ts) and
// reports what it did. Resolutions go to lnd first, then the outcomes to the log in one
// write; if that write fails the batch is delivered again and the commands already carried
// out are reported again from AppliedCommands, without a second resolution.
// A SETTLE refused for a mismatch (command-decision.ts) sends lnd a FAIL instead, and is logged,
// counted (ic_bridge_settle_mismatch_total) and reported as SETTLE_REFUSED_MISMATCH with its
// reason. Never with the preimage.
import type { HtlcCommand, HtlcOutcome, HtlcOutcomeKind } from "@ic/event-log";
import { circuitKeyId } from "@ic/lnd-client";
import { errorText } from "../error-text.ts";
import type { BridgeRuntime } from "../bridge-runtime.ts";
import { decideCommand } from "../decisions/command-decision.ts";

export function commandApplier(runtime: BridgeRuntime): (commands: readonly HtlcCommand[]) => Promise<void> {
  return async (commands) => {
    const outcomes: HtlcOutcome[] = [];
    for (const command of commands) {
      const outcome = apply(runtime, command);
      if (outcome !== undefined) outcomes.push(outcomeRecord(runtime, command, outcome.kind, outcome.reason));
    }
    if (outcomes.length === 0) return;
    try {
      await runtime.publisher.publishOutcomes(outcomes);
    } catch (error) {
      // The batch is delivered again (the command consumer retries it; AppliedCommands reports
      // what was carried out without a second send): these outcomes are retried, not dropped.
      runtime.metrics.publishFailures.inc({ record: "htlc-outcome" });
      runtime.kafka.failed(error);
      throw error;
    }
    runtime.kafka.succeeded();
  };
}

interface AppliedResult {
  readonly kind: HtlcOutcomeKind;
  readonly reason: string | null;
}

function apply(runtime: BridgeRuntime, command: HtlcCommand): AppliedResult | undefined {
  const result = applyKind(runtime, command);
  return typeof result === "string" ? { kind: result, reason: null } : result;
}

function applyKind(runtime: BridgeRuntime, command: HtlcCommand): HtlcOutcomeKind | AppliedResult | undefined {
  const { state, logger, metrics } = runtime;
  const session = state.session;
  const decision = decideCommand(command, {
    nodeId: runtime.nodeId,
    held: session?.held,
    blockHeight: state.blockHeight,
    applied: state.applied,
  });
  const fields = {
    commandId: command.commandId,
    circuitKey: circuitKeyId(command.circuitKey),
    paymentHash: command.paymentHash,
    action: command.action,
  };
  switch (decision.kind) {
    case "ignore":
      return undefined;
    case "send": {
      if (session === undefined) throw new Error("decideCommand chose send without a session");
      try {
        session.stream.send(decision.resolution);
      } catch (error) {
        // The stream ended under us: lnd keeps the HTLC and offers it again.
        metrics.commandsSkipped.inc({ reason: "stream-closed" });
        logger.warn({ ...fields, err: errorText(error) }, "could not send the resolution; reporting SKIPPED_NOT_HELD");
        return "SKIPPED_NOT_HELD";
      }
      session.held.release(command.circuitKey);
      metrics.heldHtlcs.set(session.held.size);
      state.applied.record(command.commandId, decision.outcome);
      state.finals.watch({ circuitKey: command.circuitKey, paymentHash: command.paymentHash, commandId: command.commandId });
      metrics.commandsApplied.inc({ action: command.action });
      if (decision.resolution.action === "SETTLE") {
        metrics.settleLatency.observe(Math.max(0, runtime.now() - decision.held.interceptedAtMs) / 1000);
      }
      logger.info(fields, decision.resolution.action === "SETTLE" ? "SETTLE sent to lnd" : "FAIL sent to lnd");
      return decision.outcome;
    }
    case "refuse-settle": {
      if (session === undefined) throw new Error("decideCommand chose refuse-settle without a session");
      const refusal = {
        ...fields,
        mismatch: decision.mismatch,
        reason: decision.reason,
        expectedIncomingAmountMsat: command.expectedIncomingAmountMsat?.toString() ?? null,
        expectedIncomingExpiry: command.expectedIncomingExpiry,
        offeredIncomingAmountMsat: decision.held.incomingAmountMsat.toString(),
        offeredIncomingExpiry: decision.held.incomingExpiry,
      };
      metrics.settleMismatch.inc({ mismatch: decision.mismatch });
      try {
        session.stream.send(decision.resolution);
      } catch (error) {
        // Nothing reached lnd: it keeps the HTLC and offers it again; the matcher's answer
        // to that offer meets the same check.
        metrics.commandsSkipped.inc({ reason: "stream-closed" });
        logger.error(
          { ...refusal, err: errorText(error) },
          "refused a SETTLE for an HTLC lnd offered with other values, and could not send the FAIL; reporting SKIPPED_NOT_HELD",
        );
        return "SKIPPED_NOT_HELD";
      }
      session.held.release(command.circuitKey);
      metrics.heldHtlcs.set(session.held.size);
      state.applied.record(command.commandId, "SETTLE_REFUSED_MISMATCH", decision.reason);
      state.finals.watch({ circuitKey: command.circuitKey, paymentHash: command.paymentHash, commandId: command.commandId });
      logger.error(refusal, "refused a SETTLE for an HTLC lnd offered with other values than the settle decision was about; failed it instead");
      return { kind: "SETTLE_REFUSED_MISMATCH", reason: decision.reason };
    }
    case "repeat":
      logger.debug(fields, "command already carried out; reporting its outcome again");
      return { kind: decision.outcome, reason: decision.reason };
    case "skip":
      if (decision.reason === "auto-fail-height-reached") {
        session?.held.release(command.circuitKey);
        if (session !== undefined) metrics.heldHtlcs.set(session.held.size);
      }
      metrics.commandsSkipped.inc({ reason: decision.reason });
      logger.info(
        { ...fields, reason: decision.reason },
        "circuit key not held on the current interceptor stream; nothing sent (lnd offers it again if it still holds it)",
      );
      return "SKIPPED_NOT_HELD";
    case "refuse":
      metrics.commandsRefused.inc();
      logger.error({ ...fields, reason: decision.reason }, "refused a command that would give lnd a wrong answer");
      return undefined;
    default: {
      const unknown: never = decision;
      throw new TypeError(`unknown command decision ${String(unknown)}`);
    }
  }
}

function outcomeRecord(runtime: BridgeRuntime, command: HtlcCommand, kind: HtlcOutcomeKind, reason: string | null): HtlcOutcome {
  return {
    nodeId: runtime.nodeId,
    circuitKey: { chanId: command.circuitKey.chanId, htlcId: command.circuitKey.htlcId },
    paymentHash: command.paymentHash,
    kind,
    commandId: command.commandId,
    reason,
    atMs: runtime.now(),
  };
}
