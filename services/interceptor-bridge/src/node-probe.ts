// GetInfo at start-up. lnd that is still starting (down, wallet locked, RPC not ready) is
// waited for up to lndStartupTimeoutMs, so bridge and lnd can be started together; any other
// failure (TLS, macaroon) will not go away by waiting and is reported at once.
import { LndError, type LndClient } from "@ic/lnd-client";
import { abortableDelay } from "./abortable-delay.ts";
import type { BridgeLogger } from "./bridge-logger.ts";
import { errorText } from "./bridge-runtime.ts";
import type { NodeProbe } from "./node-validation.ts";
import { reconnectDelayMs, type ReconnectPolicy } from "./reconnect-delay.ts";

const WORTH_WAITING_FOR = new Set(["unreachable", "not-ready", "deadline"]);

export async function probeNode(
  lnd: LndClient,
  options: { timeoutMs: number; policy: ReconnectPolicy; signal: AbortSignal; logger: BridgeLogger; now: () => number },
): Promise<NodeProbe> {
  const deadline = options.now() + options.timeoutMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return { reachable: true, info: await lnd.getInfo({ timeoutMs: 10_000 }) };
    } catch (error) {
      const retry = error instanceof LndError && WORTH_WAITING_FOR.has(error.kind);
      const delayMs = reconnectDelayMs(attempt, options.policy);
      if (!retry || options.signal.aborted || options.now() + delayMs > deadline) {
        return { reachable: false, reason: errorText(error) };
      }
      options.logger.info({ err: errorText(error), delayMs }, "waiting for lnd");
      await abortableDelay(delayMs, options.signal);
    }
  }
}
