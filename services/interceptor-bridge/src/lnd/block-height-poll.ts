// lnd's best block height, polled with GetInfo: the fallback of block-epoch-watch.ts, which
// learns each block as lnd connects it. The height goes into every HtlcIntercepted record (the
// matcher checks expiries against it) and keeps the bridge from answering HTLCs lnd has
// already failed at their auto-fail height. The same answer re-checks the node's identity: a
// different node behind the configured address must stop the bridge, not receive commands.
import { abortableDelay } from "../abortable-delay.ts";
import { raiseBlockHeight } from "./block-epoch-watch.ts";
import { errorText } from "../error-text.ts";
import type { BridgeRuntime } from "../bridge-runtime.ts";

export async function pollBlockHeight(runtime: BridgeRuntime, onWrongNode: (error: Error) => void): Promise<void> {
  const { lnd, logger, signal, config } = runtime;
  let failing = false;
  while (!signal.aborted) {
    await abortableDelay(config.blockHeightPollMs, signal);
    if (signal.aborted) return;
    try {
      const info = await lnd.getInfo({ timeoutMs: Math.max(config.blockHeightPollMs, 5_000) });
      if (info.identityPubkey.toLowerCase() !== runtime.nodeId) {
        onWrongNode(
          new Error(
            `lnd at ${config.lnd.grpcAddress} now reports identity pubkey ${info.identityPubkey}, not the pinned ${runtime.nodeId}: stopping`,
          ),
        );
        return;
      }
      raiseBlockHeight(runtime, info.blockHeight);
      if (failing) logger.info({ blockHeight: info.blockHeight }, "GetInfo answers again");
      failing = false;
    } catch (error) {
      if (!failing) logger.warn({ err: errorText(error) }, "GetInfo failed; keeping the last block height");
      failing = true;
    }
  }
}
