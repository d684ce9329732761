import type { CoordinatorInfo } from "../invoice-service.ts";

/** Two nodes whose scids exceed 2^53, so any lossy number conversion shows. */
export const FAKE_COORDINATOR_INFO: CoordinatorInfo = {
  coordinatorPubkey: "02" + "c0".repeat(32),
  network: "regtest",
  nodes: [
    { name: "alice", pubkey: "03" + "a1".repeat(32), virtualScid: 0xa1a1a1a1a1a1a1a1n, bridgeConnected: true },
    { name: "bob", pubkey: "02" + "b2".repeat(32), virtualScid: 0x80000000000000b2n, bridgeConnected: false },
  ],
};
