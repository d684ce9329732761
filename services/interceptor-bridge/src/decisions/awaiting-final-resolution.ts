// Circuit keys of this node's coordinator HTLCs whose final resolution lnd has not reported
// yet: every HTLC the bridge held, and every one it answered. lnd's final word (a
// final_htlc_event, or LookupHtlcResolution after a gap in the event stream) turns a watched
// key into a FINAL_SETTLED / FINAL_FAILED outcome; only that makes an invoice SETTLED
// (money-safety rule 6). Held keys are watched too: lnd fails a held HTLC by itself at its
// auto-fail height, and the matcher must learn that the set lost a part.
// Keys of other forwards are never watched: their final events are ignored.
// State only, no I/O: lnd/final-resolution-reporter.ts asks lnd about these keys and publishes.
import type { HtlcOutcome } from "@ic/event-log";
import { circuitKeyId, type CircuitKey } from "@ic/lnd-client/circuit-key";

export interface WatchedHtlc {
  readonly circuitKey: CircuitKey;
  /** hex */
  readonly paymentHash: string;
  /** The command the bridge carried out for it; null while only held. */
  readonly commandId: string | null;
}

export class AwaitingFinalResolution {
  private readonly byKey = new Map<string, WatchedHtlc>();

  /** Starts watching, or records the command that answered an already watched key. */
  watch(htlc: WatchedHtlc): void {
    const id = circuitKeyId(htlc.circuitKey);
    const known = this.byKey.get(id);
    this.byKey.set(id, htlc.commandId === null && known !== undefined ? known : htlc);
  }

  get(key: CircuitKey): WatchedHtlc | undefined {
    return this.byKey.get(circuitKeyId(key));
  }

  /**
   * lnd reports the key final. Returns the outcome to publish, or undefined for a key not
   * watched (another forward, or already reported). The key is no longer watched.
   */
  resolve(key: CircuitKey, settled: boolean, nodeId: string, atMs: number): HtlcOutcome | undefined {
    const id = circuitKeyId(key);
    const watched = this.byKey.get(id);
    if (watched === undefined) return undefined;
    this.byKey.delete(id);
    return finalOutcome(watched, settled, nodeId, atMs);
  }

  /** Every watched key, in the order watching began. */
  entries(): WatchedHtlc[] {
    return [...this.byKey.values()];
  }

  get size(): number {
    return this.byKey.size;
  }
}

export function finalOutcome(watched: WatchedHtlc, settled: boolean, nodeId: string, atMs: number): HtlcOutcome {
  return {
    nodeId,
    circuitKey: { chanId: watched.circuitKey.chanId, htlcId: watched.circuitKey.htlcId },
    paymentHash: watched.paymentHash,
    kind: settled ? "FINAL_SETTLED" : "FINAL_FAILED",
    commandId: watched.commandId,
    reason: null,
    atMs,
  };
}
