// The circuit key of an incoming HTLC and its id, in a file of their own with no imports: pure code
// (the bridge's decisions) keys its state by them without loading the gRPC client
// (`@ic/lnd-client/circuit-key`).

/** An incoming HTLC: (short channel id it arrived on, its index in that channel). */
export interface CircuitKey {
  chanId: bigint;
  htlcId: bigint;
}

/** "chanId:htlcId" in decimal, the form used in our messages. */
export function circuitKeyId(key: CircuitKey): string {
  return `${key.chanId}:${key.htlcId}`;
}
