// The HTLCs lnd holds for the coordinator and has offered on the CURRENT interceptor stream,
// not answered yet. Only these may be answered (money-safety rule 5: lnd ends the whole
// stream on an answer for a key it does not hold), so a new stream starts with an empty set:
// lnd offers everything it still holds again, with the same circuit keys.
import { circuitKeyId, type CircuitKey } from "@ic/lnd-client/circuit-key";

export interface HeldHtlc {
  readonly circuitKey: CircuitKey;
  /** hex */
  readonly paymentHash: string;
  /**
   * What lnd offered under this circuit key on this stream: a SETTLE is applied only when its
   * expected values equal these exactly (command-decision.ts).
   */
  readonly incomingAmountMsat: bigint;
  /** Absolute block height of the incoming HTLC's CLTV expiry. */
  readonly incomingExpiry: number;
  /** lnd fails the HTLC itself once its best block reaches this height. */
  readonly autoFailHeight: number;
  /** For the settle latency metric. */
  readonly interceptedAtMs: number;
}

export class HeldHtlcs {
  private readonly byKey = new Map<string, HeldHtlc>();

  hold(htlc: HeldHtlc): void {
    this.byKey.set(circuitKeyId(htlc.circuitKey), htlc);
  }

  get(key: CircuitKey): HeldHtlc | undefined {
    return this.byKey.get(circuitKeyId(key));
  }

  /** Forgets the key: it was answered, or lnd no longer holds it. */
  release(key: CircuitKey): HeldHtlc | undefined {
    const id = circuitKeyId(key);
    const htlc = this.byKey.get(id);
    this.byKey.delete(id);
    return htlc;
  }

  get size(): number {
    return this.byKey.size;
  }
}
