// The interceptor stream, reopened forever. Each stream is a session: lnd offers every HTLC it
// holds again on a new stream (--requireinterceptor), so a session starts with no held keys
// and ends by forgetting them (money-safety rule 5). Coordinator HTLCs are published again on
// every offer; the matcher dedupes by (nodeId, circuitKey) and answers replays the same way.
//
// A record the event log does not accept does NOT end the session: a Kafka outage must not
// stop the node's routing (forwards not for the virtual scid are RESUMEd without Kafka). The
// record waits in the publish backlog (htlc-backlog.ts) while its HTLC stays held, and is
// published when Kafka returns, or the HTLC is failed back before its auto-fail height. A
// session that ends drops its backlog entries: lnd offers those HTLCs again on the next stream.
import { circuitKeyId, LndError, type InterceptedHtlc, type InterceptResolution } from "@ic/lnd-client";
import { abortableDelay } from "../abortable-delay.ts";
import { errorText } from "../error-text.ts";
import type { BridgeRuntime } from "../bridge-runtime.ts";
import type { InterceptorSession } from "../bridge-state.ts";
import { HeldHtlcs } from "../decisions/held-htlcs.ts";
import { decideIntercepted } from "../decisions/intercept-decision.ts";
import { reconnectDelayMs } from "../decisions/reconnect-delay.ts";

/** Runs sessions until the bridge stops. instanceId makes session ids unique across restarts. */
export async function runInterceptorSessions(runtime: BridgeRuntime, instanceId: string): Promise<void> {
  const { logger, metrics, state, signal, config } = runtime;
  let attempt = 0;
  while (!signal.aborted) {
    const stream = runtime.lnd.htlcInterceptor();
    state.interceptorSessions++;
    const session: InterceptorSession = {
      id: `${instanceId}/${state.interceptorSessions}`,
      stream,
      held: new HeldHtlcs(),
      openedAtMs: runtime.now(),
    };
    state.session = session;
    const closeOnStop = () => stream.close();
    signal.addEventListener("abort", closeOnStop, { once: true });
    metrics.streamConnected.set({ stream: "interceptor" }, 1);
    logger.info({ sessionId: session.id }, "interceptor stream opened");

    let offered = 0;
    try {
      for await (const htlc of stream) {
        offered++;
        onOffered(runtime, session, htlc);
      }
      if (!signal.aborted) logger.warn({ sessionId: session.id }, "lnd ended the interceptor stream");
    } catch (error) {
      if (error instanceof LndError && error.kind === "interceptor-exists") {
        logger.error(
          { sessionId: session.id, err: error.message },
          "another HTLC interceptor is connected to this lnd: is a second bridge running for this node?",
        );
      } else {
        logger.warn({ sessionId: session.id, err: errorText(error) }, "interceptor stream failed");
      }
    } finally {
      signal.removeEventListener("abort", closeOnStop);
      stream.close();
      if (state.session === session) state.session = undefined;
      metrics.streamConnected.set({ stream: "interceptor" }, 0);
      metrics.heldHtlcs.set(0);
      const dropped = runtime.backlog.dropSession(session);
      if (dropped > 0) logger.info({ sessionId: session.id, dropped }, "dropped the stream's unpublished backlog entries: lnd offers those HTLCs again on the next stream");
    }
    if (signal.aborted) break;

    // A session that worked for a while starts the backoff over; one that failed at once does not.
    if (offered > 0 || runtime.now() - session.openedAtMs >= config.reconnect.maxDelayMs) attempt = 0;
    const delayMs = reconnectDelayMs(attempt++, config.reconnect);
    metrics.reconnects.inc({ stream: "interceptor" });
    logger.info(
      { sessionId: session.id, attempt, delayMs, heldForgotten: session.held.size },
      "reconnecting the interceptor stream",
    );
    await abortableDelay(delayMs, signal);
  }
}

function onOffered(runtime: BridgeRuntime, session: InterceptorSession, htlc: InterceptedHtlc): void {
  const { logger, metrics, state } = runtime;
  const circuitKey = htlc.incomingCircuitKey;
  const fields = { circuitKey: circuitKeyId(circuitKey), paymentHash: htlc.paymentHash.toString("hex") };
  metrics.htlcsIntercepted.inc();
  const decision = decideIntercepted(htlc, {
    nodeId: runtime.nodeId,
    virtualScid: runtime.virtualScid,
    blockHeight: state.blockHeight,
    nowMs: runtime.now(),
    sessionId: session.id,
  });
  switch (decision.kind) {
    case "resume":
      if (trySend(runtime, session, { action: "RESUME", circuitKey }, fields)) {
        metrics.htlcsResumed.inc();
        logger.debug(fields, "resumed a forward not for the virtual scid");
      }
      return;
    case "fail":
      logger.error({ ...fields, reason: decision.reason }, "failing an HTLC for the virtual scid that cannot be handed over");
      trySend(runtime, session, { action: "FAIL", circuitKey, failureCode: decision.failureCode }, fields);
      return;
    case "hold": {
      const record = decision.record;
      session.held.hold({
        circuitKey,
        paymentHash: record.paymentHash,
        incomingAmountMsat: record.incomingAmountMsat,
        incomingExpiry: record.incomingExpiry,
        autoFailHeight: record.autoFailHeight,
        interceptedAtMs: record.interceptedAtMs,
      });
      state.finals.watch({ circuitKey, paymentHash: record.paymentHash, commandId: null });
      metrics.heldHtlcs.set(session.held.size);
      logger.info(
        { ...fields, sessionId: session.id, amountMsat: record.outgoingAmountMsat.toString(), blockHeight: record.blockHeight },
        "holding an HTLC for the coordinator",
      );
      runtime.backlog.offer(session, record, circuitKey);
      return;
    }
    default: {
      const unknown: never = decision;
      throw new TypeError(`unknown intercept decision ${String(unknown)}`);
    }
  }
}

/** false when the stream refused it; lnd then keeps the HTLC and offers it on the next stream. */
function trySend(
  runtime: BridgeRuntime,
  session: InterceptorSession,
  resolution: InterceptResolution,
  fields: object,
): boolean {
  try {
    session.stream.send(resolution);
    return true;
  } catch (error) {
    runtime.logger.warn(
      { ...fields, action: resolution.action, err: errorText(error) },
      "could not answer lnd; it keeps the HTLC and offers it again on the next stream",
    );
    return false;
  }
}
