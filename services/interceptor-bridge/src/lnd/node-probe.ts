// GetInfo at start-up. lnd that is still starting (down, wallet locked, RPC not ready) is
// waited for, with backoff and a log line saying what for, up to lndStartupTimeoutMs (0: as long
// as it takes), so bridge and lnd can be started in any order; any other failure (TLS, macaroon)
// will not go away by waiting and is reported at once. Once lnd answers and passed the checks,
// waitForChainSync waits (up to lndSyncWaitMs) for it to report synced_to_chain.
import { LndError, type LndClient, type NodeInfo } from "@ic/lnd-client";
import { abortableDelay } from "../abortable-delay.ts";
import type { BridgeLogger } from "../bridge-logger.ts";
import { errorText } from "../error-text.ts";
import type { NodeProbe } from "./node-validation.ts";
import { reconnectDelayMs, type ReconnectPolicy } from "../decisions/reconnect-delay.ts";

const WORTH_WAITING_FOR = new Set(["unreachable", "not-ready", "deadline"]);

export interface ProbeOptions {
  /** 0: no limit. */
  readonly timeoutMs: number;
  readonly policy: ReconnectPolicy;
  readonly signal: AbortSignal;
  readonly logger: BridgeLogger;
  readonly now: () => number;
  /** lnd's address, for the log line. */
  readonly grpcAddress: string;
  /** What start-up waits for now (for /readyz), or undefined once it stops waiting. */
  readonly onWait?: (waitingFor: string | undefined) => void;
}

export async function probeNode(lnd: LndClient, options: ProbeOptions): Promise<NodeProbe> {
  const deadline = options.timeoutMs > 0 ? options.now() + options.timeoutMs : Number.POSITIVE_INFINITY;
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        return { reachable: true, info: await lnd.getInfo({ timeoutMs: 10_000 }) };
      } catch (error) {
        const retry = error instanceof LndError && WORTH_WAITING_FOR.has(error.kind);
        const delayMs = reconnectDelayMs(attempt, options.policy);
        if (!retry || options.signal.aborted || options.now() + delayMs > deadline) {
          return { reachable: false, reason: errorText(error) };
        }
        const waitingFor = `lnd at ${options.grpcAddress} (${error.kind}: ${errorText(error)})`;
        options.onWait?.(waitingFor);
        options.logger.info({ err: errorText(error), delayMs, attempt }, `waiting for lnd at ${options.grpcAddress}: not reachable or not ready yet`);
        await abortableDelay(delayMs, options.signal);
      }
    }
  } finally {
    options.onWait?.(undefined);
  }
}

/**
 * Polls GetInfo, with backoff, while lnd reports it is not synced to the chain, up to waitMs
 * (0: no wait). Returns the last answer (synced or not: the caller warns about the latter).
 * A failing GetInfo meanwhile is waited out the same way.
 */
export async function waitForChainSync(
  lnd: LndClient,
  info: NodeInfo,
  options: ProbeOptions & { readonly waitMs: number },
): Promise<NodeInfo> {
  const deadline = options.now() + options.waitMs;
  let latest = info;
  try {
    for (let attempt = 0; !latest.syncedToChain; attempt++) {
      const delayMs = reconnectDelayMs(attempt, options.policy);
      if (options.signal.aborted || options.now() + delayMs > deadline) return latest;
      options.onWait?.(`lnd at ${options.grpcAddress} to sync to the chain (block height ${latest.blockHeight})`);
      options.logger.info(
        { blockHeight: latest.blockHeight, delayMs, attempt },
        `waiting for lnd at ${options.grpcAddress} to sync to the chain (synced_to_chain false)`,
      );
      await abortableDelay(delayMs, options.signal);
      try {
        latest = await lnd.getInfo({ timeoutMs: 10_000 });
      } catch (error) {
        options.logger.info({ err: errorText(error) }, "GetInfo failed while waiting for lnd to sync; retrying");
      }
    }
    return latest;
  } finally {
    options.onWait?.(undefined);
  }
}
