// ChainNotifier.RegisterBlockEpochNtfn, decoded: how the bridge learns of each new block at once
// instead of at its next GetInfo poll.

export interface BlockEpoch {
  height: number;
  /** Block hash as block explorers and lncli show it (byte-reversed from the wire). */
  hashHex: string;
}

export interface WireBlockEpoch {
  hash: Buffer;
  height: number;
}

export function blockEpochFromWire(wire: WireBlockEpoch): BlockEpoch {
  return { height: wire.height, hashHex: Buffer.from(wire.hash).reverse().toString("hex") };
}
