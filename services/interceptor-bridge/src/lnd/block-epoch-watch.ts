// lnd's new blocks as lnd connects them (ChainNotifier.RegisterBlockEpochNtfn). The bridge's
// block height decides whether a held HTLC has reached lnd's auto-fail height, after which it
// must not be answered (lnd fails it itself, and an answer for a key lnd no longer holds ends
// the interceptor stream). Polled alone, that height could be up to blockHeightPollMs behind
// lnd's; with this stream it follows lnd's within the time a notification takes. The GetInfo
// poll (block-height-poll.ts) stays: it re-checks the node's identity and keeps the height while
// this stream is down (a macaroon without onchain:read, an lnd built without chainrpc).
import { abortableDelay } from "../abortable-delay.ts";
import { errorText } from "../error-text.ts";
import type { BridgeRuntime } from "../bridge-runtime.ts";
import { reconnectDelayMs } from "../decisions/reconnect-delay.ts";

export async function watchBlockEpochs(runtime: BridgeRuntime): Promise<void> {
  const { lnd, metrics, logger, signal, config } = runtime;
  let attempt = 0;
  while (!signal.aborted) {
    const stream = lnd.subscribeBlockEpochs();
    const cancelOnStop = () => stream.cancel();
    signal.addEventListener("abort", cancelOnStop, { once: true });
    let blocks = 0;
    try {
      for await (const epoch of stream) {
        if (blocks++ === 0) {
          metrics.streamConnected.set({ stream: "block_epochs" }, 1);
          if (attempt > 0) logger.info({ blockHeight: epoch.height }, "block epoch stream open again");
          attempt = 0;
        }
        raiseBlockHeight(runtime, epoch.height);
      }
      if (!signal.aborted) logger.warn("lnd ended the block epoch stream");
    } catch (error) {
      // Said once per outage: a stream lnd refuses for good (permissions) would otherwise log at
      // every retry. The poll keeps the height meanwhile.
      if (!signal.aborted && attempt === 0) {
        logger.warn({ err: errorText(error) }, "block epoch stream failed; the block height comes from the GetInfo poll until it is back");
      }
    } finally {
      signal.removeEventListener("abort", cancelOnStop);
      stream.cancel();
      metrics.streamConnected.set({ stream: "block_epochs" }, 0);
    }
    if (signal.aborted) return;
    metrics.reconnects.inc({ stream: "block_epochs" });
    await abortableDelay(reconnectDelayMs(attempt++, config.reconnect), signal);
  }
}

/**
 * Moves the bridge's block height up to lnd's. Never down: a block lnd reports again during a
 * reorg, or a GetInfo answer that left lnd before the latest block, must not reopen a window in
 * which a key at its auto-fail height counts as held. Erring high only withholds answers that
 * lnd's own auto-fail is about to give.
 */
export function raiseBlockHeight(runtime: Pick<BridgeRuntime, "state" | "metrics">, height: number): void {
  if (height <= runtime.state.blockHeight) return;
  runtime.state.blockHeight = height;
  runtime.metrics.blockHeight.set(height);
  runtime.state.onBlockHeight?.(height);
}
